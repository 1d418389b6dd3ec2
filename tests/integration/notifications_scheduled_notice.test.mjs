// The notice that an artist scheduled a stream (docs/notifications.md, Scheduled streams): when a
// stream is created with scheduledAt, or gets one it did not have, each subscriber is told once,
// on each channel they allow: in-app, by email (npm smtp-server, STARTTLS) and by Web Push (the
// push service imitation; bodies decrypted with npm http_ece) - "<artist> scheduled <title> for
// <time>" with the watch link and the .ics link. A fan who turned email off gets it in-app only,
// a fan who muted the artist gets nothing. A title edit says nothing, a new time is a reschedule
// (not a second "scheduled"), and a restart on the same data sends nothing again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { SmtpSink, header, part } from './lib/smtp_sink.mjs';
import { PushService, subscriberKeys, subscriptionJson, decryptPush } from './lib/push_service.mjs';
import { waitFor } from './lib/media.mjs';

const settle = (ms = 1000) => new Promise((resolve) => setTimeout(resolve, ms));

async function inApp(server, fan) {
  const r = await server.api('GET', '/api/notifications?limit=100', { token: fan.token });
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

test('scheduling a stream tells each subscriber once, in-app, by email and by push, with the watch and .ics links', async () => {
  const sink = await new SmtpSink().listen();
  const push = await new PushService().listen();
  const server = await startServer({ args: [...sink.args(), '--notify.push_allow_http_loopback=true'] });
  try {
    const artist = await verifiedArtist(server, 'Planner');
    const fan = await register(server);
    const quiet = await register(server);   // email off
    const muter = await register(server);   // muted the artist
    for (const f of [fan, quiet, muter]) {
      const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: f.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
      assert.equal(r.status, 200, r.text);
    }
    assert.equal((await server.api('PUT', '/api/me/notification-settings', { token: quiet.token, body: { email: false } })).status, 200);
    assert.equal((await server.api('PUT', '/api/me/notification-settings', { token: muter.token, body: { mutedArtists: [artist.id] } })).status, 200);
    const keys = subscriberKeys();
    const sub = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: subscriptionJson(push.endpoint(`fan-${fan.id}`), keys) });
    assert.equal(sub.status, 201, sub.text);

    // 1. Created with a time.
    const at = Date.now() + 3 * 3600_000;
    const first = await createStream(server, artist, { title: 'Night <set>', scheduledAt: at });
    assert.equal(first.status, 'SCHEDULED');
    await sink.until(1);
    await push.until((p) => p.requests.length >= 1, 20000, 'the push');
    await waitFor(async () => (await inApp(server, quiet)).length >= 1, { timeout: 5000, what: 'the in-app notice' });

    const notes = await inApp(server, fan);
    assert.equal(notes.length, 1);
    assert.equal(notes[0].kind, 'stream_scheduled');
    assert.equal(notes[0].streamId, first.id);
    assert.equal(notes[0].data.scheduledAt, at);
    assert.equal(notes[0].data.artistName, 'Planner');
    assert.equal(notes[0].data.watchPath, `/watch/${first.id}`);
    assert.equal(notes[0].data.calendarPath, `/api/livestream/${first.id}/calendar.ics`);
    assert.deepEqual((await inApp(server, quiet)).map((n) => n.kind), ['stream_scheduled']);

    const mail = sink.mails[0];
    assert.deepEqual(mail.to, [fan.email]);
    const when = header(mail.raw, 'Subject').replace(/^Planner scheduled Night <set> for /, '');
    assert.match(when, /^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/);
    assert.equal(when.slice(-9, -4), new Date(at).toISOString().slice(11, 16), 'the time, in UTC');
    const text = part(mail.raw, 'text/plain');
    assert.ok(text.includes(`Planner scheduled Night <set> for ${when}.`), text);
    assert.ok(text.includes(`${server.url}/watch/${first.id}`), text);
    const ics = `${server.url}/api/livestream/${first.id}/calendar.ics`;
    assert.ok(text.includes(ics), text);
    assert.ok(part(mail.raw, 'text/html').includes(`href="${ics}"`));
    const cal = await fetch(ics);
    assert.equal(cal.status, 200, 'the .ics link works');
    assert.match(await cal.text(), /BEGIN:VEVENT/);

    const p = push.requests[0];
    assert.equal(p.status, 201);
    assert.equal(p.headers.topic, first.id);
    assert.deepEqual(JSON.parse(decryptPush(p.body, keys)), {
      title: 'Planner scheduled a stream', body: `Night <set> \u2014 ${when}`,
      url: `${server.url}/watch/${first.id}`, tag: `stream_scheduled:${first.id}`, streamId: first.id,
    });

    // 2. A time set on a stream that had none: announced too. A title edit says nothing; a new
    // time is a reschedule.
    const later = await createStream(server, artist, { title: 'Open air' });
    await settle(500);
    assert.equal((await inApp(server, fan)).length, 1, 'no time, nothing to announce');
    const at2 = Date.now() + 5 * 3600_000;
    const set = await server.api('PATCH', `/api/livestream/${later.id}`, { token: artist.token, body: { scheduledAt: at2 } });
    assert.equal(set.status, 200, set.text);
    await sink.until(2);
    await push.until((q) => q.requests.length >= 2, 20000, 'the second push');
    const renamed = await server.api('PATCH', `/api/livestream/${first.id}`, { token: artist.token, body: { title: 'Night set, renamed' } });
    assert.equal(renamed.status, 200, renamed.text);
    const moved = await server.api('PATCH', `/api/livestream/${first.id}`, { token: artist.token, body: { scheduledAt: at + 3600_000 } });
    assert.equal(moved.status, 200, moved.text);
    await sink.until(3);
    await push.until((q) => q.requests.length >= 3, 20000, 'the reschedule push');
    await settle();
    const kinds = (await inApp(server, fan)).map((n) => `${n.kind}:${n.streamId}`).sort();
    assert.deepEqual(kinds, [`stream_rescheduled:${first.id}`, `stream_scheduled:${first.id}`, `stream_scheduled:${later.id}`].sort());
    assert.match(header(sink.mails[1].raw, 'Subject'), /^Planner scheduled Open air for /);
    assert.match(header(sink.mails[2].raw, 'Subject'), /^Planner moved Night set, renamed to /);
    assert.deepEqual(push.requests.map((r) => JSON.parse(decryptPush(r.body, keys)).tag),
      [`stream_scheduled:${first.id}`, `stream_scheduled:${later.id}`, `stream_rescheduled:${first.id}`]);
    assert.equal(sink.mails.length, 3, 'mail only to the fan who allows it');
    assert.ok(sink.mails.every((m) => m.to[0] === fan.email));
    assert.deepEqual(await inApp(server, muter), [], 'the muter hears nothing');

    // 3. Restarted on the same data: nothing again.
    await server.stop();
    await server.start();
    await settle(2000);
    assert.equal(sink.mails.length, 3);
    assert.equal(push.requests.length, 3);
    assert.equal((await inApp(server, fan)).length, 3);
  } finally {
    await server.cleanup();
    await sink.close();
    await push.close();
  }
});
