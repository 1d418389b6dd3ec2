// Unsubscribing from notification email (docs/notifications.md, Unsubscribe), with mails received
// by a real SMTP server (npm smtp-server, STARTTLS). Every mail is about one artist, and its
// link (List-Unsubscribe, List-Unsubscribe-Post per RFC 8058, and the same link in the text and
// HTML parts) stops THAT artist's mails only: the one-click POST mutes the artist's email, other
// artists' mails keep coming, in-app keeps coming. The page works without signing in, a GET
// changes nothing, and it offers "Stop all email" as a second button. A forged token (another
// user, another artist, the artist cut off) is refused and changes nothing; a token of the old
// format (no artist), made here from the server's secret by an implementation of our own, still
// works and turns all email off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { SmtpSink, header, part } from './lib/smtp_sink.mjs';
import { waitFor } from './lib/media.mjs';

async function settings(server, user) {
  const r = await server.api('GET', '/api/me/notification-settings', { token: user.token });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const oneClick = (url) => fetch(url, { method: 'POST', headers: form, body: 'List-Unsubscribe=One-Click' });
const settle = () => new Promise((resolve) => setTimeout(resolve, 800));

// The mails of `fan` so far, with the artist each is about (from its subject).
const mailsTo = (sink, fan) => sink.mails.filter((m) => m.to[0] === fan.email);

// The old, artist-less token (platform/unsubscribe_token.h), made from the server's secret.
function oldToken(dataDir, userId) {
  const secret = readFileSync(join(dataDir, 'secrets', 'jwt_secret'), 'utf8').split('\n')[0];
  const key = crypto.createHmac('sha256', secret).update('stagecast/unsubscribe-key/v1').digest();
  const mac = crypto.createHmac('sha256', key).update(`stagecast-unsubscribe-v1\n${userId}`).digest();
  return `${Buffer.from(userId).toString('base64url')}.${mac.toString('base64url')}`;
}

test('a mail\'s unsubscribe link stops that artist\'s mail only; "Stop all email" and old links stop all; forgeries are refused', async () => {
  const sink = await new SmtpSink().listen();
  const server = await startServer({ args: sink.args() });
  try {
    const mailer = await verifiedArtist(server, 'Mailer');
    const other = await verifiedArtist(server, 'Other <Band>');
    const fans = [await register(server), await register(server)];
    for (const fan of fans) {
      for (const artist of [mailer, other]) {
        const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
        assert.equal(r.status, 200, r.text);
      }
    }
    // Scheduling tells subscribers at once (stream_scheduled): one mail per fan.
    const stream = await createStream(server, mailer, { title: 'Reminded <set>', scheduledAt: Date.now() + 3600_000 });
    await sink.until(2);
    await settle();
    assert.equal(sink.mails.length, 2, 'one mail per subscriber, no duplicate');

    const mail = mailsTo(sink, fans[0])[0];
    assert.ok(mail, 'the first fan got a mail');
    assert.equal(mail.tls, true);
    assert.match(header(mail.raw, 'Subject'), /^Mailer scheduled Reminded <set> for \S.+UTC$/);
    const list = header(mail.raw, 'List-Unsubscribe');
    // user "." artist "." MAC
    assert.match(list, /^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
    assert.equal(header(mail.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    const link = list.slice(1, -1);
    const text = part(mail.raw, 'text/plain');
    const html = part(mail.raw, 'text/html');
    assert.ok(text.includes(link), text);
    assert.ok(html.includes(`href="${link}"`), html);
    assert.ok(text.includes(`${server.url}/watch/${stream.id}`));
    assert.ok(text.includes(`${server.url}/api/livestream/${stream.id}/calendar.ics`));
    assert.ok(html.includes('Reminded &lt;set&gt;'), 'the title is escaped in HTML');

    // The page, without signing in: it names the artist and asks; a GET changes nothing.
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const body = await page.text();
    assert.match(body, /<strong>Mailer<\/strong>/);
    const token = new URL(link).searchParams.get('token');
    assert.ok(body.includes(`<form method="post" action="/unsubscribe?token=${token}">`), body);
    assert.ok(body.includes(`<form method="post" action="/unsubscribe?token=${token}&amp;scope=all">`), 'the second button: all email');
    assert.match(body, /id="confirm-all">Stop all email</);
    assert.equal((await settings(server, fans[0])).email, true);
    assert.deepEqual((await settings(server, fans[0])).emailMutedArtists, []);

    // Forgeries: the second fan with the first fan's artist and MAC; another artist with this
    // MAC; the artist cut off (would widen the link to all email); garbage. All 400, no change.
    const [user, artistPart, mac] = token.split('.');
    const b64 = (s) => Buffer.from(s).toString('base64url');
    for (const bad of [`${b64(fans[1].id)}.${artistPart}.${mac}`, `${user}.${b64(other.id)}.${mac}`, `${user}.${mac}`,
      `${user}..${mac}`, 'garbage', `${token}x`, `${token}.x`, '']) {
      const g = await fetch(`${server.url}/unsubscribe?token=${encodeURIComponent(bad)}`);
      assert.equal(g.status, 400, bad);
      const p = await oneClick(`${server.url}/unsubscribe?token=${encodeURIComponent(bad)}`);
      assert.equal(p.status, 400, bad);
      const all = await oneClick(`${server.url}/unsubscribe?token=${encodeURIComponent(bad)}&scope=all`);
      assert.equal(all.status, 400, bad);
    }
    assert.equal((await oneClick(`${link}&scope=everything`)).status, 400, 'an unknown scope');
    for (const fan of fans) {
      const s = await settings(server, fan);
      assert.equal(s.email, true, 'the forged links changed nothing');
      assert.deepEqual(s.emailMutedArtists, []);
    }

    // RFC 8058 one-click: a POST of "List-Unsubscribe=One-Click" to the header's URL, no cookie,
    // no session: that artist's email is off, nothing else.
    const post = await oneClick(link);
    assert.equal(post.status, 200);
    const done = await post.text();
    assert.match(done, /no more emails about <strong>Mailer<\/strong>/);
    assert.match(done, /id="confirm-all">Stop all email</, 'all email still offered');
    let s0 = await settings(server, fans[0]);
    assert.equal(s0.email, true, 'email stays on for other artists');
    assert.equal(s0.inApp, true);
    assert.deepEqual(s0.emailMutedArtists, [mailer.id]);
    assert.deepEqual(s0.mutedArtists, [], 'not the all-channel mute');
    assert.equal(s0.artists.find((a) => a.id === mailer.id).emailMuted, true);
    assert.equal(s0.artists.find((a) => a.id === other.id).emailMuted, false);
    assert.equal((await oneClick(link)).status, 200, 'a second click is fine');

    // Mailer schedules again: only the second fan is mailed; the first still sees it in-app.
    // The other artist schedules: both are mailed.
    const again = await createStream(server, mailer, { title: 'Second set', scheduledAt: Date.now() + 7200_000 });
    await sink.until(3);
    await waitFor(async () => {
      const r = await server.api('GET', '/api/notifications', { token: fans[0].token });
      return r.body.items.some((n) => n.kind === 'stream_scheduled' && n.streamId === again.id);
    }, { timeout: 5000, what: 'the in-app notice of the muted artist' });
    await settle();
    assert.equal(sink.mails.length, 3);
    assert.deepEqual(sink.mails[2].to, [fans[1].email]);
    const otherStream = await createStream(server, other, { title: 'Elsewhere', scheduledAt: Date.now() + 3600_000 });
    await sink.until(5);
    await settle();
    assert.equal(sink.mails.length, 5);
    const otherMail = mailsTo(sink, fans[0]).at(-1);
    assert.match(header(otherMail.raw, 'Subject'), /^Other <Band> scheduled Elsewhere for /);
    assert.ok(part(otherMail.raw, 'text/plain').includes(`/watch/${otherStream.id}`));

    // "Stop all email" from the other artist's mail (the page's second button).
    const otherLink = header(otherMail.raw, 'List-Unsubscribe').slice(1, -1);
    const otherPage = await (await fetch(otherLink)).text();
    assert.match(otherPage, /<strong>Other &lt;Band&gt;<\/strong>/, 'the name is escaped');
    const all = await oneClick(`${otherLink}&scope=all`);
    assert.equal(all.status, 200);
    assert.match(await all.text(), /notification emails are off/);
    s0 = await settings(server, fans[0]);
    assert.equal(s0.email, false);
    assert.equal(s0.inApp, true, 'in-app stays on');

    // An old link (no artist) keeps working, as "all email".
    const old = `${server.url}/unsubscribe?token=${oldToken(server.dataDir, fans[1].id)}`;
    const oldPage = await fetch(old);
    assert.equal(oldPage.status, 200);
    assert.match(await oldPage.text(), /Stop notification emails\?/);
    assert.equal((await oneClick(old)).status, 200);
    assert.equal((await settings(server, fans[1])).email, false);

    // Nobody gets mail now.
    await createStream(server, other, { title: 'Silent', scheduledAt: Date.now() + 3600_000 });
    await settle();
    await settle();
    assert.equal(sink.mails.length, 5);

    // The fan takes one artist's email back in the settings (and the list is validated).
    const put = await server.api('PUT', '/api/me/notification-settings', { token: fans[0].token, body: { email: true, emailMutedArtists: [] } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.emailMutedArtists, []);
    const wrong = await server.api('PUT', '/api/me/notification-settings', { token: fans[0].token, body: { emailMutedArtists: [fans[1].id] } });
    assert.equal(wrong.status, 422, 'a fan is no artist');
    await createStream(server, mailer, { title: 'Back again', scheduledAt: Date.now() + 3600_000 });
    await sink.until(6);
    await settle();
    assert.equal(sink.mails.length, 6);
    assert.deepEqual(sink.mails[5].to, [fans[0].email]);
    assert.ok(!server.log.includes(token), 'the token is not logged');
  } finally {
    await server.cleanup();
    await sink.close();
  }
});
