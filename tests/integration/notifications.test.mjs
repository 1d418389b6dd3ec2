// In-app notifications (docs/notifications.md): an artist going live writes one notification per
// active subscriber who allows them; a signed-in subscriber's open WebSocket hears it at once;
// the list, read marks and settings work over REST as docs/openapi.json says; a restart keeps
// them and adds none.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, StagecastProcess } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { ChatClient } from './lib/chat_client.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

function check(method, path, r) {
  const schema = responseSchema(method, path, r.status);
  assert.ok(schema !== undefined || r.status === 204, `${method} ${path} ${r.status} is documented`);
  if (schema) assert.deepEqual(validate(r.body, schema), [], `${method} ${path} ${r.status}: ${r.text}`);
}

async function subscribe(fan, artist) {
  const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(r.status, 200, r.text);
}

test('going live notifies each subscriber once, in the list and on an open WebSocket', async () => {
  const artist = await verifiedArtist(server, 'Night Owl');
  const [online, offline, muted, stranger] = [await register(server), await register(server), await register(server), await register(server)];
  for (const fan of [online, offline, muted]) await subscribe(fan, artist);

  // Settings: defaults, strict body, and the muted fan turns in-app off.
  let r = await server.api('GET', '/api/me/notification-settings', { token: muted.token });
  check('GET', '/api/me/notification-settings', r);
  assert.deepEqual({ inApp: r.body.inApp, email: r.body.email, updatedAt: r.body.updatedAt, mutedArtists: r.body.mutedArtists },
    { inApp: true, email: true, updatedAt: null, mutedArtists: [] });
  assert.deepEqual(r.body.artists, [{ id: artist.id, displayName: artist.displayName, subscribed: true, muted: false, emailMuted: false }]);
  assert.equal(r.body.emailAvailable, false, 'no mail server configured here');
  r = await server.api('PUT', '/api/me/notification-settings', { token: muted.token, body: { inApp: 'no' } });
  assert.equal(r.status, 422, r.text);
  r = await server.api('PUT', '/api/me/notification-settings', { token: muted.token, body: { inapp: false } });
  assert.equal(r.status, 422, r.text);
  r = await server.api('PUT', '/api/me/notification-settings', { token: muted.token, body: { inApp: false } });
  check('PUT', '/api/me/notification-settings', r);
  assert.equal(r.body.inApp, false);
  assert.equal((await server.api('GET', '/api/notifications')).status, 401);

  // The online fan is on the site (signed in on /ws, in no stream's room).
  const ws = await ChatClient.connect(server);
  await ws.auth(online.token);

  const live = await liveStream(server, artist, { title: 'Owl hours' });
  try {
    const event = await ws.next('notification', 10000);
    assert.equal(event.notification.kind, 'stream_live');
    assert.equal(event.notification.streamId, live.id);
    assert.equal(event.notification.read, false);
    assert.deepEqual(event.notification.data, { streamId: live.id, artistId: artist.id, artistName: 'Night Owl', title: 'Owl hours', watchPath: `/watch/${live.id}` });

    r = await server.api('GET', '/api/notifications', { token: online.token });
    check('GET', '/api/notifications', r);
    assert.equal(r.body.items.length, 1);
    assert.equal(r.body.unreadCount, 1);
    assert.deepEqual(r.body.items[0], event.notification);
    const id = r.body.items[0].id;

    // The fan who was not connected finds it in the list; the muted fan and a stranger have none.
    r = await server.api('GET', '/api/notifications', { token: offline.token });
    assert.equal(r.body.items.length, 1);
    for (const fan of [muted, stranger]) {
      r = await server.api('GET', '/api/notifications', { token: fan.token });
      assert.deepEqual(r.body, { items: [], unreadCount: 0, nextBefore: null });
    }

    // Only the owner marks it read; twice is fine.
    r = await server.api('POST', `/api/notifications/${id}/read`, { token: offline.token });
    assert.equal(r.status, 404, r.text);
    check('POST', '/api/notifications/{id}/read', r);
    for (let i = 0; i < 2; i++) {
      r = await server.api('POST', `/api/notifications/${id}/read`, { token: online.token });
      assert.equal(r.status, 204, r.text);
    }
    r = await server.api('GET', '/api/notifications?unread=true', { token: online.token });
    assert.deepEqual(r.body, { items: [], unreadCount: 0, nextBefore: null });
    r = await server.api('GET', '/api/notifications?limit=0', { token: online.token });
    assert.equal(r.status, 422);
    check('GET', '/api/notifications', r);
    assert.equal((await ws.collect('notification', 300)).length, 0, 'one event per notification');
  } finally {
    await live.stop();
    await ws.close();
  }

  // A restart (the stream is ended as interrupted) keeps the notifications and adds none.
  const dataDir = server.dataDir;
  await server.stop();
  server = await new StagecastProcess({ dataDir }).start();
  server.ownsDataDir = true;
  r = await server.api('GET', '/api/notifications', { token: online.token });
  assert.equal(r.body.items.length, 1);
  assert.equal(r.body.items[0].read, true);
  r = await server.api('GET', '/api/notifications', { token: offline.token });
  assert.equal(r.body.items.length, 1);
});
