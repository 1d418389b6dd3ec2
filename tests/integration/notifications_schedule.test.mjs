// Scheduled streams (docs/notifications.md, Scheduled streams) on the real binary: scheduledAt
// as RFC 3339 (bad or past times 422), "Coming up", the .ics entry read back by an independent
// iCalendar parser (ical.js), and the reminders: with notify.reminder_lead_ms=3000 a reminder
// reaches subscribers 3 s before the time (not earlier, and not much later), once; a cancelled
// stream sends none and says it was cancelled; a reschedule tells fans the new time; a fan who
// muted the artist hears nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { waitFor } from './lib/media.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

// The response matches docs/openapi.json.
function documented(method, path, r) {
  const schema = responseSchema(method, path, r.status);
  assert.ok(schema, `${method} ${path} ${r.status} is documented`);
  assert.deepEqual(validate(r.body, schema), [], `${method} ${path}: ${r.text}`);
}

const LEAD_MS = 3000;

async function subscribe(server, fan, artist) {
  const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(r.status, 200, r.text);
}

async function inApp(server, fan) {
  const r = await server.api('GET', '/api/notifications?limit=100', { token: fan.token });
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

test('scheduledAt: RFC 3339 or unix ms, in the future; bad input is 422', async () => {
  const server = await startServer({});
  try {
    const artist = await verifiedArtist(server, 'Sched Artist');
    const at = new Date(Date.now() + 2 * 3600_000);
    at.setUTCMilliseconds(0);
    const s = await createStream(server, artist, { title: 'Evening set', scheduledAt: at.toISOString().replace('.000Z', 'Z') });
    assert.equal(s.status, 'SCHEDULED');
    assert.equal(s.scheduledAt, at.getTime());
    // The same instant with an offset.
    const offset = new Date(at.getTime() + 3600_000).toISOString().slice(0, 19) + '+01:00';
    const p = await server.api('PATCH', `/api/livestream/${s.id}`, { token: artist.token, body: { scheduledAt: offset } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.scheduledAt, at.getTime());

    const past = new Date(Date.now() - 60_000).toISOString();
    for (const bad of ['tomorrow', '2030-01-01', '2030-01-01T18:00:00', '2030-02-30T18:00:00Z', '2030-01-01T18:00:00+2400',
      past, Date.now() - 1000, 1.5, true, { at: 1 }, new Date(Date.now() + 400 * 86400_000).toISOString()]) {
      const c = await server.api('POST', '/api/livestream', { token: artist.token, body: { title: 'Bad', scheduledAt: bad } });
      assert.equal(c.status, 422, `${JSON.stringify(bad)}: ${c.text}`);
      assert.equal(c.body.error.code, 'validation_failed');
      const q = await server.api('PATCH', `/api/livestream/${s.id}`, { token: artist.token, body: { scheduledAt: bad } });
      assert.equal(q.status, 422, `${JSON.stringify(bad)}: ${q.text}`);
    }
  } finally {
    await server.cleanup();
  }
});

test('"Coming up" lists scheduled streams soonest first with the artist; the .ics parses', async () => {
  const server = await startServer({});
  try {
    const artist = await verifiedArtist(server, 'Ann; the "Band"');
    const later = await createStream(server, artist, { title: 'Later, maybe', scheduledAt: Date.now() + 3 * 3600_000,
      description: 'Two lines\nof text' });
    const sooner = await createStream(server, artist, { title: 'Sooner', scheduledAt: Date.now() + 2 * 3600_000 });
    await createStream(server, artist, { title: 'Unscheduled' });
    const up = await server.api('GET', '/api/livestream/upcoming');
    assert.equal(up.status, 200, up.text);
    documented('GET', '/api/livestream/upcoming', up);
    assert.deepEqual(up.body.items.map((s) => s.id), [sooner.id, later.id]);
    assert.equal(up.body.items[0].artistName, 'Ann; the "Band"');
    assert.equal(up.body.items[0].calendarUrl, `${server.url}/api/livestream/${sooner.id}/calendar.ics`);
    assert.equal((await server.api('GET', '/api/livestream/upcoming?limit=0')).status, 422);

    const ics = await fetch(`${server.url}/api/livestream/${later.id}/calendar.ics`);
    assert.equal(ics.status, 200);
    assert.match(ics.headers.get('content-type'), /^text\/calendar/);
    const text = await ics.text();
    assert.ok(text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75), 'lines folded at 75 octets');
    const cal = new ICAL.Component(ICAL.parse(text));
    assert.equal(cal.getFirstPropertyValue('version'), '2.0');
    assert.ok(cal.getFirstPropertyValue('prodid'));
    const events = cal.getAllSubcomponents('vevent');
    assert.equal(events.length, 1);
    const ev = new ICAL.Event(events[0]);
    assert.equal(ev.uid, `${later.id}@127.0.0.1`);
    assert.equal(ev.startDate.toJSDate().getTime(), Math.floor(later.scheduledAt / 1000) * 1000);
    assert.equal(ev.startDate.zone.tzid, 'UTC');
    assert.equal(ev.summary, 'Ann; the "Band": Later, maybe');
    assert.equal(ev.description, `Two lines\nof text\n\nWatch: ${server.url}/watch/${later.id}`);
    assert.equal(events[0].getFirstPropertyValue('url'), `${server.url}/watch/${later.id}`);
    assert.ok(events[0].getFirstPropertyValue('dtstamp'));

    // Only a stream still waiting for its time has one.
    const unscheduled = await createStream(server, artist, { title: 'No time' });
    assert.equal((await server.api('GET', `/api/livestream/${unscheduled.id}/calendar.ics`)).status, 409);
    assert.equal((await server.api('GET', '/api/livestream/nope/calendar.ics')).status, 404);
  } finally {
    await server.cleanup();
  }
});

test('reminders fire lead before the time, once; cancel sends none; reschedule tells; mute silences', async (t) => {
  const server = await startServer({ args: [`--notify.reminder_lead_ms=${LEAD_MS}`] });
  try {
    const artist = await verifiedArtist(server, 'Timely');
    const fan = await register(server);
    const muter = await register(server);
    await subscribe(server, fan, artist);
    await subscribe(server, muter, artist);
    const m = await server.api('PUT', '/api/me/notification-settings', { token: muter.token, body: { mutedArtists: [artist.id] } });
    assert.equal(m.status, 200, m.text);
    documented('PUT', '/api/me/notification-settings', m);
    assert.deepEqual(m.body.mutedArtists, [artist.id]);
    assert.deepEqual(m.body.artists, [{ id: artist.id, displayName: 'Timely', subscribed: true, muted: true, emailMuted: false }]);
    const bad = await server.api('PUT', '/api/me/notification-settings', { token: muter.token, body: { mutedArtists: [fan.id] } });
    assert.equal(bad.status, 422, 'a fan is no artist');
    assert.equal((await server.api('PUT', '/api/me/notification-settings', { token: muter.token, body: { mutedArtists: 'x' } })).status, 422);

    const scheduledAt = Date.now() + 6000;
    const kept = await createStream(server, artist, { title: 'On time', scheduledAt });
    const cancelled = await createStream(server, artist, { title: 'Called off', scheduledAt: scheduledAt + 500 });
    const moved = await createStream(server, artist, { title: 'Moved', scheduledAt: Date.now() + 3600_000 });
    // The fans hear of the three first: a cancel or a new time is told only to those who heard
    // of the schedule (docs/notifications.md).
    await waitFor(async () => (await inApp(server, fan)).filter((n) => n.kind === 'stream_scheduled').length === 3,
      { timeout: 5000, what: 'the three scheduled notices' });
    const end = await server.api('POST', `/api/livestream/${cancelled.id}/end`, { token: artist.token });
    assert.equal(end.status, 200, end.text);
    const newAt = Date.now() + 7200_000;
    const p = await server.api('PATCH', `/api/livestream/${moved.id}`, { token: artist.token, body: { scheduledAt: newAt } });
    assert.equal(p.status, 200, p.text);

    // The cancel and the reschedule arrive at once.
    await waitFor(async () => {
      const kinds = (await inApp(server, fan)).map((n) => n.kind);
      return kinds.includes('stream_cancelled') && kinds.includes('stream_rescheduled');
    }, { timeout: 5000, what: 'cancel and reschedule notices' });
    const changes = await inApp(server, fan);
    const cancelNote = changes.find((n) => n.kind === 'stream_cancelled');
    assert.equal(cancelNote.streamId, cancelled.id);
    assert.equal(cancelNote.data.previousScheduledAt, scheduledAt + 500);
    const movedNote = changes.find((n) => n.kind === 'stream_rescheduled');
    assert.equal(movedNote.streamId, moved.id);
    assert.equal(movedNote.data.scheduledAt, newAt);
    assert.equal(movedNote.data.calendarPath, `/api/livestream/${moved.id}/calendar.ics`);
    assert.equal(changes.filter((n) => n.kind === 'stream_reminder').length, 0, 'no reminder before its time');

    // The reminder: due at scheduledAt - LEAD_MS.
    let seenAt = 0;
    await waitFor(async () => {
      const r = (await inApp(server, fan)).find((n) => n.kind === 'stream_reminder');
      if (r) seenAt = Date.now();
      return Boolean(r);
    }, { timeout: 10000, interval: 50, what: 'the reminder' });
    const due = scheduledAt - LEAD_MS;
    assert.ok(seenAt >= due - 50, `reminder ${due - seenAt} ms early`);
    assert.ok(seenAt <= due + 1500, `reminder ${seenAt - due} ms late`);
    t.diagnostic(`reminder seen ${seenAt - due} ms after its due time (polling every 50 ms)`);
    const reminder = (await inApp(server, fan)).find((n) => n.kind === 'stream_reminder');
    assert.equal(reminder.streamId, kept.id);
    assert.equal(reminder.data.scheduledAt, scheduledAt);

    // Past both times: still one reminder, none for the cancelled stream, nothing for the muter.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, scheduledAt + 1000 - Date.now())));
    const all = await inApp(server, fan);
    assert.deepEqual(all.filter((n) => n.kind === 'stream_reminder').map((n) => n.streamId), [kept.id]);
    assert.deepEqual(await inApp(server, muter), []);

    // Restarted on the same data: nothing is reminded again.
    await server.stop();
    await server.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal((await inApp(server, fan)).length, all.length);
  } finally {
    await server.cleanup();
  }
});
