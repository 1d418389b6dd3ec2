// The embedded default's sandbox payments: an artist onboards, a fan tips and confirms the
// payment, the sandbox's signed event goes through the webhook path, the owner sees the money;
// and the sandbox provider is refused when the server runs in production mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, StagecastProcess, BIN } from './lib/server.mjs';
import { register } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { member } from './lib/chat_client.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

let server; let artist; let fan; let stream;

before(async () => {
  server = await startServer({ args: ['--streams.reconnect_grace_seconds=60'] });
  artist = await register(server, { role: 'ARTIST', displayName: 'Sandbox Artist' });
  fan = await register(server, { displayName: 'Sandbox Fan' });
});

after(async () => {
  await stream?.stop();
  await server?.cleanup();
});

test('an artist onboards in the sandbox and can then go live', async () => {
  assert.equal((await server.api('POST', '/api/livestream', { token: artist.token, body: { title: 'x' } })).status, 403);
  const r = await server.api('POST', '/api/artists/me/stripe/onboarding', { token: artist.token });
  assert.equal(r.status, 200, r.text);
  assert.match(r.body.accountId, /^acct_sandbox/);
  assert.match(r.body.url, /\/studio\?stripe=return$/);
  const me = await server.api('GET', '/api/me', { token: artist.token });
  assert.equal(me.body.verifiedArtist, true);
  stream = await liveStream(server, artist);
});

test('a fan tips $10 with a message and the sandbox confirms it through the webhook path', async () => {
  // The artist and a viewer sit in the room's chat (Node's ws).
  const room = await member(server, artist, stream.id);
  const viewer = await member(server, null, stream.id);
  const r = await server.api('POST', `/api/livestream/${stream.id}/tips`, { token: fan.token, body: { amountCents: 1000, currency: 'usd', message: 'from the sandbox' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.provider, 'sandbox');
  assert.equal(r.body.publishableKey, null);
  assert.match(r.body.paymentIntentId, /^pi_sandbox_/);
  assert.ok(r.body.clientSecret.startsWith(`${r.body.paymentIntentId}_secret_`));

  const stranger = await register(server);
  const notYours = await server.api('POST', `/api/sandbox/payments/${r.body.paymentIntentId}/confirm`, { token: stranger.token });
  assert.equal(notYours.status, 403, notYours.text);
  assert.equal((await server.api('POST', `/api/sandbox/payments/${r.body.paymentIntentId}/confirm`)).status, 401);

  const confirmed = await server.api('POST', `/api/sandbox/payments/${r.body.paymentIntentId}/confirm`, { token: fan.token, body: { outcome: 'succeeded' } });
  assert.equal(confirmed.status, 200, confirmed.text);
  assert.deepEqual(validate(confirmed.body, responseSchema('POST', '/api/sandbox/payments/{id}/confirm', 200)), []);
  assert.equal(confirmed.body.effect, 'succeeded');
  assert.equal(confirmed.body.tipId, r.body.tipId);
  assert.match(confirmed.body.eventId, /^evt_sandbox_/);
  // The tip appears in the room's chat once confirmed, for everyone in it, once.
  for (const c of [room, viewer]) {
    const e = await c.next('tip', 5000);
    assert.equal(e.message.kind, 'TIP');
    assert.equal(e.message.text, 'from the sandbox');
    assert.equal(e.message.userId, fan.id);
    assert.equal(e.message.displayName, 'Sandbox Fan');
    assert.equal(e.message.id, r.body.tipId);
    assert.deepEqual(e.tip, { id: r.body.tipId, amountCents: 1000, currency: 'usd', fanId: fan.id });
  }
  // Confirming again (a double click) changes nothing.
  const again = await server.api('POST', `/api/sandbox/payments/${r.body.paymentIntentId}/confirm`, { token: fan.token });
  assert.equal(again.body.effect, 'unchanged');

  assert.deepEqual(await room.collect('tip', 500), [], 'one tip event, not two');
  // A later joiner finds the TIP line in the history.
  const late = await member(server, fan, stream.id);
  assert.ok(late.joined.history.some((m) => m.kind === 'TIP' && m.id === r.body.tipId), JSON.stringify(late.joined.history));
  for (const c of [room, viewer, late]) await c.close();

  const owner = await server.api('GET', `/api/livestream/${stream.id}`, { token: artist.token });
  assert.deepEqual(owner.body.tips, { count: 1, grossCents: 1000, feeCents: 50, artistCents: 950 });

  // A declined sandbox payment stays out of the totals.
  const second = await server.api('POST', `/api/livestream/${stream.id}/tips`, { token: fan.token, body: { amountCents: 700 } });
  const declined = await server.api('POST', `/api/sandbox/payments/${second.body.paymentIntentId}/confirm`, { token: fan.token, body: { outcome: 'failed' } });
  assert.equal(declined.body.effect, 'failed');
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`, { token: artist.token })).body.tips.count, 1);
  const bad = await server.api('POST', `/api/sandbox/payments/${second.body.paymentIntentId}/confirm`, { token: fan.token, body: { outcome: 'maybe' } });
  assert.equal(bad.status, 422);
});

test('the sandbox provider is refused in production mode', async () => {
  const prod = new StagecastProcess({
    args: [
      '--server.production=true',
      '--auth.jwt_secret=production-jwt-secret-0123456789abcdef0123',
      '--auth.playback_secret=production-playback-secret-0123456789abcd',
    ],
  });
  await assert.rejects(prod.start(), /exited early[\s\S]*sandbox[\s\S]*production/);
  const { code } = await prod.exited;
  assert.notEqual(code, 0);
  await prod.cleanup();

  // Stripe in production without its webhook secret is refused as well.
  const noSecret = new StagecastProcess({
    args: [
      '--server.production=true', '--payments.provider=stripe', '--payments.stripe_secret_key=sk_live_x',
      '--auth.jwt_secret=production-jwt-secret-0123456789abcdef0123',
      '--auth.playback_secret=production-playback-secret-0123456789abcd',
    ],
  });
  await assert.rejects(noSecret.start(), /stripe_webhook_secret/);
  await noSecret.cleanup();
});

test('--print-config masks the Stripe secrets', () => {
  const r = spawnSync(BIN, ['--print-config', '--payments.provider=stripe', '--payments.stripe_secret_key=sk_test_never_shown',
    '--payments.stripe_webhook_secret=whsec_never_shown', '--payments.stripe_publishable_key=pk_test_shown'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[payments\][\s\S]*provider = 'stripe'/);
  assert.match(r.stdout, /stripe_secret_key = "\*\*\*"/);
  assert.ok(!r.stdout.includes('never_shown'));
  assert.ok(r.stdout.includes('pk_test_shown'));
  assert.match(r.stdout, /fee_basis_points = 500/);
});
