// Unsubscribing from notification email (docs/notifications.md, Unsubscribe), with mails received
// by a real SMTP server (npm smtp-server, STARTTLS): a reminder mail of a scheduled stream carries
// List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) and the same link in its text and HTML
// parts; the link's page works without signing in and a GET changes nothing; the one-click POST
// turns the fan's email off; a forged token is refused and changes nothing; after it the fan
// gets no more mail (a cancel notice reaches them in-app only), while another fan still does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { SmtpSink, header, part } from './lib/smtp_sink.mjs';
import { waitFor } from './lib/media.mjs';

async function settings(server, user) {
  const r = await server.api('GET', '/api/me/notification-settings', { token: user.token });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

test('the unsubscribe link of a real mail works without signing in; a forged one is refused', async () => {
  const sink = await new SmtpSink().listen();
  const server = await startServer({ args: [...sink.args(), '--notify.reminder_lead_ms=2000'] });
  try {
    const artist = await verifiedArtist(server, 'Mailer');
    const fans = [await register(server), await register(server)];
    for (const fan of fans) {
      const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
      assert.equal(r.status, 200, r.text);
    }
    const stream = await createStream(server, artist, { title: 'Reminded <set>', scheduledAt: Date.now() + 3000 });
    await sink.until(2);
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(sink.mails.length, 2, 'one reminder mail per subscriber, no duplicate');

    const mail = sink.mails.find((m) => m.to[0] === fans[0].email);
    assert.ok(mail, 'the first fan got a mail');
    assert.equal(mail.tls, true);
    assert.match(header(mail.raw, 'Subject'), /^Mailer goes live soon: Reminded <set>$/);
    const list = header(mail.raw, 'List-Unsubscribe');
    assert.match(list, /^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
    assert.equal(header(mail.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    const link = list.slice(1, -1);
    const text = part(mail.raw, 'text/plain');
    const html = part(mail.raw, 'text/html');
    assert.ok(text.includes(link), text);
    assert.ok(html.includes(`href="${link}"`), html);
    assert.ok(text.includes(`${server.url}/watch/${stream.id}`));
    assert.ok(text.includes(`${server.url}/api/livestream/${stream.id}/calendar.ics`));
    assert.ok(html.includes('Reminded &lt;set&gt;'), 'the title is escaped in HTML');

    // The page, without signing in: it asks; a GET (a mail scanner, a preview) changes nothing.
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const body = await page.text();
    assert.match(body, /<form method="post" action="\/unsubscribe\?token=/);
    assert.equal((await settings(server, fans[0])).email, true);

    // A token for the second fan made with the first fan's MAC, and garbage: refused, no change.
    const token = new URL(link).searchParams.get('token');
    const forged = `${Buffer.from(fans[1].id).toString('base64url')}.${token.split('.')[1]}`;
    for (const bad of [forged, 'garbage', `${token}x`, '']) {
      const g = await fetch(`${server.url}/unsubscribe?token=${encodeURIComponent(bad)}`);
      assert.equal(g.status, 400, bad);
      const p = await fetch(`${server.url}/unsubscribe?token=${encodeURIComponent(bad)}`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      assert.equal(p.status, 400, bad);
    }
    assert.equal((await settings(server, fans[1])).email, true, 'the forged link changed nothing');

    // RFC 8058 one-click: a POST of "List-Unsubscribe=One-Click" to the header's URL, no cookie,
    // no token of a session.
    const post = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click' });
    assert.equal(post.status, 200);
    assert.match(await post.text(), /notification emails are off/);
    const after = await settings(server, fans[0]);
    assert.equal(after.email, false);
    assert.equal(after.inApp, true, 'in-app stays on');
    assert.equal((await settings(server, fans[1])).email, true);

    // From now on: the cancel of another scheduled stream reaches the first fan in-app only.
    const other = await createStream(server, artist, { title: 'Cancelled one', scheduledAt: Date.now() + 3600_000 });
    const del = await server.api('DELETE', `/api/livestream/${other.id}`, { token: artist.token });
    assert.equal(del.status, 204, del.text);
    await sink.until(3);
    await waitFor(async () => {
      const r = await server.api('GET', '/api/notifications', { token: fans[0].token });
      return r.body.items.some((n) => n.kind === 'stream_cancelled' && n.streamId === other.id);
    }, { timeout: 5000, what: 'the in-app cancel notice' });
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(sink.mails.length, 3);
    const last = sink.mails[2];
    assert.deepEqual(last.to, [fans[1].email]);
    assert.match(header(last.raw, 'Subject'), /^Mailer cancelled: Cancelled one$/);
    assert.ok(!server.log.includes(token), 'the token is not logged');
  } finally {
    await server.cleanup();
    await sink.close();
  }
});
