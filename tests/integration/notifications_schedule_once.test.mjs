// One notice where a fan expects one (docs/notifications.md, Scheduled streams), on the real
// binary with a real SMTP server (npm smtp-server, STARTTLS) and the push service imitation
// (bodies decrypted with each fan's key):
//  * a stream scheduled (or moved) to start inside the reminder's lead (notify.reminder_lead_ms,
//    15 min by default) is announced once per fan and channel: the notice stands for the
//    reminder; then it goes live and the fans hear that, and nothing else came in between;
//  * a stream scheduled beyond the lead gets its notice at once and the reminder at
//    time - lead, once (the lead cut to 4 s here: the binary runs on the real clock; the same
//    with 2 hours and 15 minutes under a ManualClock is schedule_notifier_test);
//  * a cancel or a new time is told only to the fans who heard of the schedule, on the channels
//    they heard it on: not to a fan who had muted the artist then, not by mail to one whose mail
//    was off then, not to a fan who subscribed since; a fan who had not heard of it gets the new
//    time as the schedule's first notice, not as a move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { SmtpSink, header } from './lib/smtp_sink.mjs';
import { PushService, subscriberKeys, subscriptionJson, decryptPush } from './lib/push_service.mjs';
import { publish, waitFor } from './lib/media.mjs';

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MINUTE = 60_000;

const SUBJECT_KINDS = [
  [/ scheduled (.+) for /, 'stream_scheduled'], [/ goes live soon: (.+)$/, 'stream_reminder'],
  [/ moved (.+) to /, 'stream_rescheduled'], [/ cancelled: (.+)$/, 'stream_cancelled'], [/ is live: (.+)$/, 'stream_live'],
];

// What `fan` heard about the stream titled `title`, per channel, in the order it arrived.
async function heard(server, sink, push, fan, stream) {
  const r = await server.api('GET', '/api/notifications?limit=100', { token: fan.token });
  assert.equal(r.status, 200, r.text);
  const inApp = r.body.items.filter((n) => n.streamId === stream.id).map((n) => n.kind).reverse();
  const mail = [];
  for (const m of sink.mails.filter((x) => x.to[0] === fan.email)) {
    const subject = header(m.raw, 'Subject');
    for (const [re, kind] of SUBJECT_KINDS) {
      if (re.exec(subject)?.[1] === stream.title) mail.push(kind);
    }
  }
  const pushes = push.requests.filter((q) => q.id === fan.pushId)
    .map((q) => JSON.parse(decryptPush(q.body, fan.keys)))
    .filter((p) => p.streamId === stream.id).map((p) => p.tag.split(':')[0]);
  return { inApp, mail, push: pushes };
}

async function subscribe(server, artist, fan) {
  const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(r.status, 200, r.text);
}

// A signed-in fan subscribed to `artist`, with one browser subscribed to push.
async function fanOf(server, artist, push, name) {
  const fan = await register(server, { displayName: name });
  fan.keys = subscriberKeys();
  fan.pushId = `browser-${fan.id}`;
  const sub = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: subscriptionJson(push.endpoint(fan.pushId), fan.keys) });
  assert.equal(sub.status, 201, sub.text);
  await subscribe(server, artist, fan);
  return fan;
}

async function settings(server, fan, body) {
  const r = await server.api('PUT', '/api/me/notification-settings', { token: fan.token, body });
  assert.equal(r.status, 200, r.text);
}

async function patch(server, artist, stream, body) {
  const r = await server.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function world(args = []) {
  const sink = await new SmtpSink().listen();
  const push = await new PushService().listen();
  const server = await startServer({ args: [...sink.args(), '--notify.push_allow_http_loopback=true', ...args] });
  return {
    sink, push, server,
    heard: (fan, stream) => heard(server, sink, push, fan, stream),
    // Until every fan heard `kind` about the stream on each channel.
    until: (fans, stream, kind, what) => waitFor(async () => {
      for (const f of fans) {
        const h = await heard(server, sink, push, f, stream);
        if (!h.inApp.includes(kind) || !h.mail.includes(kind) || !h.push.includes(kind)) return false;
      }
      return true;
    }, { timeout: 20000, what }),
    async close() {
      await server.cleanup();
      await sink.close();
      await push.close();
    },
  };
}

test('scheduled or moved inside the lead: one notice per fan and channel, then the go-live', async () => {
  const w = await world();
  let pub;
  try {
    const artist = await verifiedArtist(w.server, 'Soon Artist');
    const fans = [];
    for (let i = 0; i < 3; i++) fans.push(await fanOf(w.server, artist, w.push, `Fan ${i}`));

    // Five minutes ahead, the lead being 15: the notice names the time and is the reminder too.
    const soon = await createStream(w.server, artist, { title: 'Soon set', scheduledAt: Date.now() + 5 * MINUTE });
    await w.until(fans, soon, 'stream_scheduled', 'the scheduled notices');
    // Two hours ahead, then moved to five minutes ahead: the move stands for the reminder.
    const moved = await createStream(w.server, artist, { title: 'Moved set', scheduledAt: Date.now() + 120 * MINUTE });
    await w.until(fans, moved, 'stream_scheduled', 'the second stream\'s notices');
    await patch(w.server, artist, moved, { scheduledAt: Date.now() + 5 * MINUTE });
    await w.until(fans, moved, 'stream_rescheduled', 'the reschedule notices');
    // The reminders of both would be due at once (both times are inside the lead): nothing comes.
    await settle(2500);
    for (const f of fans) {
      assert.deepEqual(await w.heard(f, soon), { inApp: ['stream_scheduled'], mail: ['stream_scheduled'], push: ['stream_scheduled'] }, f.displayName);
      assert.deepEqual(await w.heard(f, moved),
        { inApp: ['stream_scheduled', 'stream_rescheduled'], mail: ['stream_scheduled', 'stream_rescheduled'], push: ['stream_scheduled', 'stream_rescheduled'] },
        f.displayName);
    }

    // It goes live ahead of its time: the fans hear that, and the reminder never comes.
    pub = publish(`${soon.rtmpUrl}/${soon.streamKey}`, { seconds: 600, size: '320x180', gop: 30 });
    await waitFor(async () => (await w.server.api('GET', `/api/livestream/${soon.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
    await w.until(fans, soon, 'stream_live', 'the go-live notices');
    await settle(1000);
    for (const f of fans) {
      assert.deepEqual(await w.heard(f, soon),
        { inApp: ['stream_scheduled', 'stream_live'], mail: ['stream_scheduled', 'stream_live'], push: ['stream_scheduled', 'stream_live'] },
        `${f.displayName}: one notice before the go-live`);
    }
    assert.equal(w.sink.mails.length, 3 * 4);
    assert.equal(w.push.requests.length, 3 * 4);
  } finally {
    if (pub) { pub.proc.kill('SIGKILL'); await pub.done.catch(() => {}); }
    await w.close();
  }
});

test('scheduled beyond the lead: the notice at once, the reminder at time - lead, once each', async (t) => {
  const LEAD_MS = 4000;
  const w = await world([`--notify.reminder_lead_ms=${LEAD_MS}`]);
  try {
    const artist = await verifiedArtist(w.server, 'Later Artist');
    const fans = [];
    for (let i = 0; i < 3; i++) fans.push(await fanOf(w.server, artist, w.push, `Fan ${i}`));
    const at = Date.now() + 10_000;
    const later = await createStream(w.server, artist, { title: 'Later set', scheduledAt: at });
    await w.until(fans, later, 'stream_scheduled', 'the scheduled notices');
    assert.ok(Date.now() < at - LEAD_MS, 'the notice came before the reminder was due');
    for (const f of fans) {
      assert.deepEqual(await w.heard(f, later), { inApp: ['stream_scheduled'], mail: ['stream_scheduled'], push: ['stream_scheduled'] });
    }
    let seenAt = 0;
    await waitFor(async () => {
      const r = await w.server.api('GET', '/api/notifications?limit=5', { token: fans[0].token });
      if (r.body.items.some((n) => n.kind === 'stream_reminder')) seenAt = Date.now();
      return seenAt > 0;
    }, { timeout: 15000, interval: 50, what: 'the reminder' });
    const due = at - LEAD_MS;
    t.diagnostic(`reminder seen in-app ${seenAt - due} ms after its due time`);
    assert.ok(seenAt >= due - 50, `reminder ${due - seenAt} ms early`);
    assert.ok(seenAt <= due + 1500, `reminder ${seenAt - due} ms late`);
    await w.until(fans, later, 'stream_reminder', 'the reminders by mail and push');
    await settle(Math.max(0, at + 1000 - Date.now()));  // past the time
    for (const f of fans) {
      assert.deepEqual(await w.heard(f, later),
        { inApp: ['stream_scheduled', 'stream_reminder'], mail: ['stream_scheduled', 'stream_reminder'], push: ['stream_scheduled', 'stream_reminder'] });
    }
    assert.equal(w.sink.mails.length, 6);
    assert.equal(w.push.requests.length, 6);
  } finally {
    await w.close();
  }
});

test('a cancel or a new time is told only to the fans who heard of the schedule, on those channels', async () => {
  const w = await world();
  try {
    const artist = await verifiedArtist(w.server, 'Fickle Artist');
    const told = await fanOf(w.server, artist, w.push, 'Told');
    const muted = await fanOf(w.server, artist, w.push, 'Muted then');
    const noMail = await fanOf(w.server, artist, w.push, 'Mail off then');
    await settings(w.server, muted, { mutedArtists: [artist.id] });
    await settings(w.server, noMail, { email: false });

    const off = await createStream(w.server, artist, { title: 'Called off', scheduledAt: Date.now() + 180 * MINUTE });
    await w.until([told], off, 'stream_scheduled', 'the scheduled notice');
    await waitFor(async () => (await w.heard(noMail, off)).push.length === 1, { timeout: 20000, what: 'the push to the fan without mail' });
    assert.deepEqual(await w.heard(noMail, off), { inApp: ['stream_scheduled'], mail: [], push: ['stream_scheduled'] });
    assert.deepEqual(await w.heard(muted, off), { inApp: [], mail: [], push: [] });

    // Since then: the mute lifted, mail turned on, and a new subscriber.
    await settings(w.server, muted, { mutedArtists: [] });
    await settings(w.server, noMail, { email: true });
    const newcomer = await fanOf(w.server, artist, w.push, 'Newcomer');
    const end = await w.server.api('POST', `/api/livestream/${off.id}/end`, { token: artist.token });
    assert.equal(end.status, 200, end.text);
    await w.until([told], off, 'stream_cancelled', 'the cancel');
    await waitFor(async () => (await w.heard(noMail, off)).push.length === 2, { timeout: 20000, what: 'the cancel push' });
    await settle(1500);
    assert.deepEqual(await w.heard(told, off),
      { inApp: ['stream_scheduled', 'stream_cancelled'], mail: ['stream_scheduled', 'stream_cancelled'], push: ['stream_scheduled', 'stream_cancelled'] });
    assert.deepEqual(await w.heard(noMail, off),
      { inApp: ['stream_scheduled', 'stream_cancelled'], mail: [], push: ['stream_scheduled', 'stream_cancelled'] }, 'no cancel by mail: no notice by mail');
    assert.deepEqual(await w.heard(muted, off), { inApp: [], mail: [], push: [] }, 'muted when it was scheduled: no cancel');
    assert.deepEqual(await w.heard(newcomer, off), { inApp: [], mail: [], push: [] }, 'subscribed since: no cancel');

    // A new time: a move for those who heard of the old one, the first notice for the others.
    await settings(w.server, muted, { mutedArtists: [artist.id] });
    const shifted = await createStream(w.server, artist, { title: 'Shifted', scheduledAt: Date.now() + 180 * MINUTE });
    await w.until([told, newcomer], shifted, 'stream_scheduled', 'the scheduled notices');
    await settings(w.server, muted, { mutedArtists: [] });
    const newAt = Date.now() + 240 * MINUTE;
    await patch(w.server, artist, shifted, { scheduledAt: newAt });
    await w.until([told, newcomer], shifted, 'stream_rescheduled', 'the moves');
    await w.until([muted], shifted, 'stream_scheduled', 'the late first notice');
    await settle(1500);
    for (const f of [told, newcomer, noMail]) {
      assert.deepEqual(await w.heard(f, shifted),
        { inApp: ['stream_scheduled', 'stream_rescheduled'], mail: ['stream_scheduled', 'stream_rescheduled'], push: ['stream_scheduled', 'stream_rescheduled'] }, f.displayName);
    }
    assert.deepEqual(await w.heard(muted, shifted), { inApp: ['stream_scheduled'], mail: ['stream_scheduled'], push: ['stream_scheduled'] });
    const r = await w.server.api('GET', '/api/notifications?limit=1', { token: muted.token });
    assert.equal(r.body.items[0].data.scheduledAt, newAt, 'the new time');
    assert.equal(r.body.items[0].data.previousScheduledAt, undefined, 'no "moved from" for a fan who never heard of it');
  } finally {
    await w.close();
  }
});
