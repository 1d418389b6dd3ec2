// Push endpoints must not lead the server into its own network (docs/notifications.md, Web Push):
// address literals of loopback, private, link-local, ULA and multicast ranges (in every form a
// resolver accepts) are refused when subscribing (422); a host NAME is checked when the push
// worker resolves it, against the very address it is about to connect to: here the machine's own
// host name (it resolves to a loopback or private address wherever these tests run) passes the
// subscription check, then its delivery is refused before any connection (a listener on that
// port counts none), the row ends FAILED with the reason, and the subscription is kept. The
// server runs without the test switch that lets loopback http in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import dns from 'node:dns/promises';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { subscriberKeys, subscriptionJson } from './lib/push_service.mjs';
import { waitFor } from './lib/media.mjs';

// Loopback, RFC 1918, link-local, CGNAT, ULA (the ranges of src/notify/address_policy.cpp).
function internal(address) {
  if (net.isIPv4(address)) {
    const [a, b] = address.split('.').map(Number);
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) ||
      (a === 169 && b === 254) || (a === 100 && b >= 64 && b < 128) || a >= 224;
  }
  const v = address.toLowerCase();
  return v === '::1' || v.startsWith('fc') || v.startsWith('fd') || v.startsWith('fe8') || v.startsWith('ff') ||
    v.startsWith('::ffff:127.') || v.startsWith('::ffff:10.') || v.startsWith('::ffff:192.168.');
}

test('address literals of internal ranges are refused at subscribe time, in every spelling', async () => {
  const server = await startServer({});
  try {
    const fan = await register(server);
    const keys = subscriberKeys();
    for (const endpoint of ['https://127.0.0.1/x', 'https://127.1/x', 'https://0x7f.1/x', 'https://2130706433/x',
      'https://10.0.0.7/x', 'https://172.20.1.1/x', 'https://192.168.1.1:8443/x', 'https://169.254.169.254/latest',
      'https://100.64.0.1/x', 'https://0.0.0.0/x', 'https://224.0.0.1/x', 'https://[::1]/x', 'https://[::]/x',
      'https://[fd00::1]/x', 'https://[fe80::1]/x', 'https://[fe80::1%25eth0]/x', 'https://[ff02::1]/x',
      'https://[::ffff:10.0.0.1]/x', 'https://[64:ff9b::a00:1]/x', 'https://localhost/x', 'https://LOCALHOST:443/x',
      'https://push.localhost/x']) {
      const r = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: subscriptionJson(endpoint, keys) });
      assert.equal(r.status, 422, `${endpoint} -> ${r.status} ${r.text}`);
      assert.equal(r.body.error.code, 'validation_failed');
      assert.match(r.body.error.message, /loopback or private/, endpoint);
    }
    for (const endpoint of ['https://push.example.net/x', 'https://8.8.8.8/x', 'https://[2001:db8::1]/x']) {
      const r = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: subscriptionJson(endpoint, keys) });
      assert.equal(r.status, 201, `${endpoint} -> ${r.status} ${r.text}`);
    }
  } finally {
    await server.cleanup();
  }
});

test('a host name that resolves to an internal address is refused at delivery, before any connection', async () => {
  const host = os.hostname();
  const resolved = (await dns.lookup(host, { all: true })).map((a) => a.address);
  assert.ok(resolved.length > 0 && resolved.every(internal),
    `this test needs the machine's host name (${host}) to resolve to internal addresses; it resolves to ${resolved}`);
  let connections = 0;
  const listener = net.createServer((s) => { connections += 1; s.destroy(); });
  await new Promise((resolve) => listener.listen(0, '0.0.0.0', resolve));
  const port = listener.address().port;
  const server = await startServer({ args: ['--notify.push_retry_base_ms=200', '--notify.push_max_attempts=3'] });
  try {
    const artist = await verifiedArtist(server, 'Rebinder');
    const fan = await register(server);
    const r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
    assert.equal(r.status, 200, r.text);
    const endpoint = `https://${host}:${port}/push/inside`;
    const sub = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: subscriptionJson(endpoint, subscriberKeys()) });
    assert.equal(sub.status, 201, `a host name passes the subscription check: ${sub.text}`);

    // Scheduling a stream pushes a notice to the fan.
    await createStream(server, artist, { title: 'Inside job', scheduledAt: Date.now() + 3600_000 });
    let metrics = '';
    await waitFor(async () => {
      metrics = await (await fetch(`${server.url}/metrics`)).text();
      return /^stagecast_notify_outbox_rows\{channel="push",status="failed"\} 1$/m.test(metrics);
    }, { timeout: 15000, what: 'the push row FAILED' });
    assert.match(metrics, /^stagecast_notify_outbox_rows\{channel="push",status="pending"\} 0$/m);
    assert.match(metrics, /^stagecast_notify_outbox_rows\{channel="push",status="sent"\} 0$/m);
    // Failed for good at the first attempt (not retried), with the reason.
    const line = server.log.split('\n').find((l) => /push \S+ failed for good after 1 attempts/.test(l));
    assert.ok(line, server.log.split('\n').filter((l) => l.includes('push')).join('\n'));
    assert.match(line, /resolves to .*(127\.|10\.|172\.|192\.168\.|\[).*: refused/);
    assert.equal(connections, 0, 'no connection reached the refused address');
    // The subscription is kept (only the row failed): its owner can still remove it.
    const del = await server.api('DELETE', '/api/push/subscriptions', { token: fan.token, body: { endpoint } });
    assert.equal(del.status, 204, del.text);
  } finally {
    await server.cleanup();
    await new Promise((resolve) => listener.close(resolve));
  }
});
