// Web Push (docs/notifications.md) against a push service imitation on loopback (the test switch
// notify.push_allow_http_loopback lets its http:// endpoints in): every push carries a VAPID JWT
// (RFC 8292) that verifies with the server's public key, and a body that decrypts (RFC 8291,
// npm http_ece) with the subscriber's private key to the title, body and watch URL; TTL,
// Urgency: high, Topic. A 410 removes the subscription; 429 (with Retry-After) and 500 are
// retried; malformed subscriptions get 422. Also: /sw.js is served for the whole site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { PushService, subscriberKeys, subscriptionJson, decryptPush, verifyVapid } from './lib/push_service.mjs';

const pushArgs = ['--notify.push_allow_http_loopback=true', '--notify.push_retry_base_ms=300',
  '--notify.push_retry_max_ms=5000', '--notify.push_max_attempts=4', '--notify.push_subject=mailto:ops@stagecast.test'];

async function subscribe(server, fan, endpoint, keys) {
  const r = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: subscriptionJson(endpoint, keys) });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

test('pushes are VAPID-signed, decrypt for their subscriber, 410 removes, 429 and 500 are retried', async () => {
  const push = await new PushService().listen();
  // Delivery in the server's own threads (notify.delivery = threads); every other test of
  // notifications runs the default, the delivery agent process.
  const server = await startServer({ args: [...pushArgs, '--notify.delivery=threads'] });
  try {
    assert.doesNotMatch(server.log, /delivery agent started/);
    const key = await server.api('GET', '/api/push/vapid-public-key');
    assert.equal(key.status, 200);
    const publicKey = key.body.publicKey;
    assert.equal(Buffer.from(publicKey, 'base64url').length, 65);

    const artist = await verifiedArtist(server, 'Push Artist');
    const names = ['ok', 'gone', 'busy', 'broken'];
    const fans = {};
    for (const name of names) {
      const fan = await register(server);
      const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
      assert.equal(r.status, 200, r.text);
      const keys = subscriberKeys();
      const id = `${name}-${fan.id}`;
      await subscribe(server, fan, push.endpoint(id), keys);
      fans[name] = { ...fan, keys, id };
    }
    push.scripts.set(fans.gone.id, [{ status: 410 }]);
    push.scripts.set(fans.busy.id, [{ status: 429, retryAfter: 2 }, { status: 201 }]);
    push.scripts.set(fans.broken.id, [{ status: 500 }, { status: 503 }, { status: 201 }]);

    const live = await liveStream(server, artist, { title: 'Pushed set' });
    try {
      await push.until((p) => p.accepted().length >= 3 && p.requests.some((r) => r.id === fans.gone.id), 30000);
      await new Promise((resolve) => setTimeout(resolve, 1500));  // nothing more comes
      const per = (id) => push.requests.filter((r) => r.id === id);
      assert.deepEqual(per(fans.ok.id).map((r) => r.status), [201]);
      assert.deepEqual(per(fans.gone.id).map((r) => r.status), [410], 'a 410 is never retried');
      assert.deepEqual(per(fans.busy.id).map((r) => r.status), [429, 201]);
      assert.deepEqual(per(fans.broken.id).map((r) => r.status), [500, 503, 201]);
      const [first, second] = per(fans.busy.id);
      assert.ok(second.at - first.at >= 1900, `Retry-After: 2 honoured (${second.at - first.at} ms)`);

      for (const name of names) {
        const fan = fans[name];
        for (const r of per(fan.id)) {
          verifyVapid(r.headers.authorization, { audience: push.origin, publicKey });
          assert.equal(r.headers['content-encoding'], 'aes128gcm');
          assert.equal(r.headers['content-type'], 'application/octet-stream');
          assert.equal(r.headers.urgency, 'high');
          assert.equal(r.headers.ttl, '3600');
          assert.equal(r.headers.topic, live.id);
          const message = JSON.parse(decryptPush(r.body, fan.keys));
          assert.deepEqual(message, {
            title: 'Push Artist is live', body: 'Pushed set', url: `${server.url}/watch/${live.id}`,
            tag: `stream_live:${live.id}`, streamId: live.id,
          });
          assert.throws(() => decryptPush(r.body, subscriberKeys()), 'another key does not decrypt it');
        }
      }
      // The 410 removed the subscription: deleting it finds nothing.
      const gone = await server.api('DELETE', '/api/push/subscriptions', { token: fans.gone.token, body: { endpoint: push.endpoint(fans.gone.id) } });
      assert.equal(gone.status, 404, gone.text);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const later = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(later, /^stagecast_notify_outbox_rows\{channel="push",status="sent"\} 3$/m, metrics);
      assert.match(later, /^stagecast_notify_outbox_rows\{channel="push",status="failed"\} 1$/m);
      assert.match(later, /^stagecast_notify_outbox_rows\{channel="push",status="pending"\} 0$/m);
    } finally {
      await live.stop();
    }
    // A fan turning push off: 204, then nothing left to delete.
    const del = await server.api('DELETE', '/api/push/subscriptions', { token: fans.ok.token, body: { endpoint: push.endpoint(fans.ok.id) } });
    assert.equal(del.status, 204, del.text);
    const again = await server.api('DELETE', '/api/push/subscriptions', { token: fans.ok.token, body: { endpoint: push.endpoint(fans.ok.id) } });
    assert.equal(again.status, 404);
    // Someone else's endpoint cannot be deleted.
    const foreign = await server.api('DELETE', '/api/push/subscriptions', { token: fans.ok.token, body: { endpoint: push.endpoint(fans.busy.id) } });
    assert.equal(foreign.status, 404);
  } finally {
    await server.cleanup();
    await push.close();
  }
});

test('malformed subscriptions get 422 naming the field; http endpoints need the test switch', async () => {
  const server = await startServer({ args: ['--notify.push_subject=mailto:ops@stagecast.test'] });
  try {
    const fan = await register(server);
    const keys = subscriberKeys();
    const anon = await server.api('POST', '/api/push/subscriptions', { body: subscriptionJson('https://push.example.net/x', keys) });
    assert.equal(anon.status, 401);
    const ok = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: subscriptionJson('https://push.example.net/x', keys) });
    assert.equal(ok.status, 201, ok.text);
    const offCurve = Buffer.from(keys.p256dh, 'base64url');
    offCurve[64] ^= 1;
    const cases = [
      [subscriptionJson('http://127.0.0.1:9/push/x', keys), /https/],
      [subscriptionJson('http://push.example.net/x', keys), /https/],
      [subscriptionJson('https://10.0.0.7/x', keys), /private/],
      [subscriptionJson('ftp://push.example.net/x', keys), /https/],
      [{ ...subscriptionJson('https://push.example.net/x', keys), keys: { p256dh: offCurve.toString('base64url'), auth: keys.authB64 } }, /p256dh/],
      [{ ...subscriptionJson('https://push.example.net/x', keys), keys: { p256dh: keys.p256dh.slice(0, 40), auth: keys.authB64 } }, /p256dh/],
      [{ ...subscriptionJson('https://push.example.net/x', keys), keys: { p256dh: keys.p256dh, auth: 'AAAA' } }, /auth/],
      [{ ...subscriptionJson('https://push.example.net/x', keys), keys: { p256dh: keys.p256dh } }, /auth/],
      [{ endpoint: 'https://push.example.net/x' }, /keys/],
      [{ keys: { p256dh: keys.p256dh, auth: keys.authB64 } }, /endpoint/],
      [{ ...subscriptionJson('https://push.example.net/x', keys), expirationTime: 'later' }, /expirationTime/],
      [{ ...subscriptionJson('https://push.example.net/x', keys), extra: true }, /extra/],
    ];
    for (const [body, says] of cases) {
      const r = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body });
      assert.equal(r.status, 422, `${JSON.stringify(body)} -> ${r.status} ${r.text}`);
      assert.equal(r.body.error.code, 'validation_failed');
      assert.match(r.body.error.message, says);
    }
    const notJson = await server.api('POST', '/api/push/subscriptions', { token: fan.token, raw: '{"endpoint":', headers: { 'content-type': 'application/json' } });
    assert.ok(notJson.status === 400 || notJson.status === 422, notJson.text);

    // The service worker is served at the root (its scope is the whole site) as JavaScript.
    const sw = await fetch(`${server.url}/sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type'), /javascript/);
    assert.match(await sw.text(), /addEventListener\('push'/);
  } finally {
    await server.cleanup();
  }
});
