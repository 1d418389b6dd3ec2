// Tips through Stripe Connect, exactly once: the real binary against a local Stripe imitation
// (lib/fake_stripe.mjs) that records what the server asks for, with webhook signatures made by
// Stripe's official Node library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { FakeStripe } from './lib/fake_stripe.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { member } from './lib/chat_client.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

const WEBHOOK_SECRET = 'whsec_stagecast_integration_0123456789';
const stripe = new Stripe('sk_test_unused_by_the_library');

let fake; let server; let artist; let fan; let stream;

before(async () => {
  fake = await new FakeStripe().start();
  server = await startServer({
    args: [
      '--payments.provider=stripe',
      `--payments.stripe_secret_key=${fake.secretKey}`,
      `--payments.stripe_webhook_secret=${WEBHOOK_SECRET}`,
      `--payments.stripe_api_base_url=${fake.url}`,
      '--payments.stripe_publishable_key=pk_test_stagecast',
      '--streams.reconnect_grace_seconds=60',
    ],
  });
  artist = await verifiedArtist(server, 'Tipped Artist');  // acct_1TestArtist
  fan = await register(server, { displayName: 'Generous Fan' });
  stream = await liveStream(server, artist, { chat: { blockedWords: ['spoiler'] } });
});

after(async () => {
  await stream?.stop();
  await server?.cleanup();
  await fake?.stop();
});

// Rows of a table, read from the server's SQLite file behind its back.
function rows(table) {
  const out = execFileSync('sqlite3', [join(server.dataDir, 'stagecast.db'), `SELECT COUNT(*) FROM ${table}`], { encoding: 'utf8' });
  return Number(out.trim());
}

function tip(body, { token = fan.token, headers = {} } = {}) {
  return server.api('POST', `/api/livestream/${stream.id}/tips`, { token, body, headers });
}

function webhook(payload, header) {
  const headers = { 'content-type': 'application/json' };
  if (header !== undefined) headers['stripe-signature'] = header;
  return server.api('POST', '/api/webhooks/stripe', { raw: payload, headers });
}

function signed(payload, opts = {}) {
  return stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, ...opts });
}

// The response matches docs/openapi.json.
function documented(method, path, r) {
  const schema = responseSchema(method, path, r.status);
  if (schema) assert.deepEqual(validate(r.body, schema), [], `${method} ${path} ${r.status}: ${r.text}`);
}

async function totals() {
  const r = await server.api('GET', `/api/livestream/${stream.id}`, { token: artist.token });
  assert.equal(r.status, 200, r.text);
  return r.body.tips;
}

test('a tip creates a destination charge with the fee, the destination, metadata and an idempotency key', async () => {
  const before = fake.requestsTo('/v1/payment_intents').length;
  const r = await tip({ amountCents: 1000, currency: 'usd', message: 'great set!' });
  assert.equal(r.status, 201, r.text);
  documented('POST', '/api/livestream/{id}/tips', r);
  assert.equal(r.body.status, 'PENDING');
  assert.equal(r.body.amountCents, 1000);
  assert.equal(r.body.feeCents, 50);
  assert.equal(r.body.artistCents, 950);
  assert.equal(r.body.provider, 'stripe');
  assert.equal(r.body.publishableKey, 'pk_test_stagecast');
  const sent = fake.requestsTo('/v1/payment_intents');
  assert.equal(sent.length, before + 1);
  const req = sent.at(-1);
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(req.headers['idempotency-key'], `stagecast-tip-${r.body.tipId}`);
  assert.match(req.headers['stripe-version'], /^\d{4}-\d{2}-\d{2}/);
  assert.equal(req.params.amount, '1000');
  assert.equal(req.params.currency, 'usd');
  assert.equal(req.params.application_fee_amount, '50');
  assert.equal(req.params['transfer_data[destination]'], 'acct_1TestArtist');
  assert.equal(req.params['metadata[stream_id]'], stream.id);
  assert.equal(req.params['metadata[tip_id]'], r.body.tipId);
  assert.equal(req.params['metadata[fan_id]'], fan.id);
  const pi = fake.paymentIntents.get(r.body.paymentIntentId);
  assert.ok(pi, 'the PaymentIntent exists at "Stripe"');
  assert.equal(r.body.clientSecret, pi.client_secret);
  assert.ok(!server.log.includes(pi.client_secret), 'the client secret is never logged');
  assert.ok(!server.log.includes(fake.secretKey), 'the secret key is never logged');
});

test("webhook headers from Stripe's library are accepted; the same event three times counts once", async () => {
  const r = await tip({ amountCents: 2000, message: 'encore' });
  assert.equal(r.status, 201, r.text);
  const start = await totals();
  const room = await member(server, artist, stream.id);
  const payload = fake.event('payment_intent.succeeded', fake.paymentIntentObject(r.body.paymentIntentId, 'succeeded'));
  const first = await webhook(payload, signed(payload));
  assert.equal(first.status, 200, first.text);
  documented('POST', '/api/webhooks/stripe', first);
  assert.equal(first.body.effect, 'succeeded');
  assert.equal(first.body.tipId, r.body.tipId);
  for (let i = 0; i < 2; i += 1) {
    const again = await webhook(payload, signed(payload));  // Stripe re-signs each delivery
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.duplicate, true);
  }
  // The artist sees it in the room's chat, once.
  const shown = await room.next('tip', 5000);
  assert.equal(shown.message.text, 'encore');
  assert.equal(shown.tip.amountCents, 2000);
  assert.deepEqual(await room.collect('tip', 300), []);
  await room.close();
  const end = await totals();
  assert.deepEqual(end, {
    count: start.count + 1,
    grossCents: start.grossCents + 2000,
    feeCents: start.feeCents + 100,
    artistCents: start.artistCents + 1900,
  });
  // Only the owner sees the money.
  const asFan = await server.api('GET', `/api/livestream/${stream.id}`, { token: fan.token });
  assert.equal(asFan.body.tips, undefined);

  // A failure arriving after the success changes nothing.
  const failed = fake.event('payment_intent.payment_failed', fake.paymentIntentObject(r.body.paymentIntentId, 'requires_payment_method'));
  const late = await webhook(failed, signed(failed));
  assert.equal(late.status, 200, late.text);
  assert.equal(late.body.effect, 'unchanged');
  assert.deepEqual(await totals(), end);
});

test('a wrong secret, a changed body, an old timestamp and a missing header are refused with 400 and change nothing', async () => {
  const r = await tip({ amountCents: 500 });
  assert.equal(r.status, 201, r.text);
  const start = await totals();
  const eventsBefore = rows('payment_events');
  const payload = fake.event('payment_intent.succeeded', fake.paymentIntentObject(r.body.paymentIntentId, 'succeeded'));
  const changed = payload.replace('"amount":500', '"amount":50000');
  assert.notEqual(changed, payload);
  const refusals = [
    [payload, stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' }), 'signature_mismatch'],
    [changed, signed(payload), 'signature_mismatch'],
    [payload, signed(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 }), 'signature_expired'],
    [payload, undefined, 'signature_missing'],
    [payload, 't=notatime,v1=00', 'signature_malformed'],
  ];
  for (const [body, header, code] of refusals) {
    const res = await webhook(body, header);
    assert.equal(res.status, 400, res.text);
    documented('POST', '/api/webhooks/stripe', res);
    assert.equal(res.body.error.code, code);
  }
  assert.deepEqual(await totals(), start);
  assert.equal(rows('payment_events'), eventsBefore, 'nothing recorded');
  // The genuine delivery is then the first one the server has seen.
  const genuine = await webhook(payload, signed(payload));
  assert.equal(genuine.body.effect, 'succeeded');
  assert.equal(genuine.body.duplicate, false);
  assert.equal((await totals()).grossCents, start.grossCents + 500);
});

test('amounts below the minimum, above the maximum, negative, fractional or of the wrong type are 422 and write nothing', async () => {
  const tipsBefore = rows('stream_tips');
  const calls = fake.requestsTo('/v1/payment_intents').length;
  const bodies = [
    '{"amountCents": 99}', '{"amountCents": 100001}', '{"amountCents": -5}', '{"amountCents": 0}',
    '{"amountCents": 10.5}', '{"amountCents": "1000"}', '{"amountCents": 1e3}', '{"amountCents": 1000.0}',
    '{"amountCents": null}', '{"amountCents": true}', '{"amountCents": [1000]}', '{}',
    '{"amountCents": 99999999999999999999}', '{"amountCents": 1000, "currency": "eur"}',
    '{"amountCents": 1000, "currency": 5}', '{"amountCents": 1000, "tip": 1}',
    '{"amountCents": 1000, "message": "no spoiler please"}', '{"amountCents": 1000, "message": "two\\nlines"}',
    `{"amountCents": 1000, "message": "${'x'.repeat(501)}"}`, '{"amountCents": 1000, "message": 7}',
  ];
  for (const raw of bodies) {
    const r = await server.api('POST', `/api/livestream/${stream.id}/tips`, { token: fan.token, raw, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 422, `${raw} -> ${r.status} ${r.text}`);
    documented('POST', '/api/livestream/{id}/tips', r);
    assert.equal(r.body.error.code, 'validation_failed');
  }
  assert.equal(rows('stream_tips'), tipsBefore, 'no tip row written');
  assert.equal(fake.requestsTo('/v1/payment_intents').length, calls, 'Stripe never asked');
  // The edges themselves are fine.
  assert.equal((await tip({ amountCents: 100 })).status, 201);
  assert.equal((await tip({ amountCents: 100000 })).status, 201);
});

test('who may tip is the access policy: not anonymous, not the owner', async () => {
  const anonymous = await server.api('POST', `/api/livestream/${stream.id}/tips`, { body: { amountCents: 1000 } });
  assert.equal(anonymous.status, 401);
  const self = await tip({ amountCents: 1000 }, { token: artist.token });
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, 'cannot_tip_self');
  const missing = await server.api('POST', '/api/livestream/doesnotexist/tips', { token: fan.token, body: { amountCents: 1000 } });
  assert.equal(missing.status, 404);
});

test('a retried request with the same Idempotency-Key never charges twice', async () => {
  const headers = { 'idempotency-key': `retry-${Date.now()}` };
  const first = await tip({ amountCents: 1500, message: 'once' }, { headers });
  const second = await tip({ amountCents: 1500, message: 'once' }, { headers });
  assert.equal(first.status, 201, first.text);
  assert.equal(second.status, 201, second.text);
  assert.equal(second.body.tipId, first.body.tipId);
  assert.equal(second.body.paymentIntentId, first.body.paymentIntentId);
  assert.equal(second.body.clientSecret, first.body.clientSecret);
  const sent = fake.requestsTo('/v1/payment_intents').filter((r) => r.params['metadata[tip_id]'] === first.body.tipId);
  assert.equal(sent.length, 2);
  assert.equal(sent[0].headers['idempotency-key'], sent[1].headers['idempotency-key']);
  assert.equal(sent[1].params.amount, '1500');
  const other = await tip({ amountCents: 2500, message: 'once' }, { headers });
  assert.equal(other.status, 409, other.text);
});

test('refunds and disputes are recorded against the tip and leave the totals', async () => {
  const a = await tip({ amountCents: 3000 });
  const b = await tip({ amountCents: 4000 });
  for (const t of [a, b]) {
    const p = fake.event('payment_intent.succeeded', fake.paymentIntentObject(t.body.paymentIntentId, 'succeeded'));
    assert.equal((await webhook(p, signed(p))).body.effect, 'succeeded');
  }
  const start = await totals();
  const refund = fake.event('charge.refunded', fake.chargeObject(a.body.paymentIntentId));
  const refunded = await webhook(refund, signed(refund));
  assert.equal(refunded.body.effect, 'refunded');
  assert.equal(refunded.body.tipId, a.body.tipId);
  const dispute = fake.event('charge.dispute.created', fake.disputeObject(b.body.paymentIntentId));
  const disputed = await webhook(dispute, signed(dispute));
  assert.equal(disputed.body.effect, 'disputed');
  assert.equal(disputed.body.tipId, b.body.tipId);
  const end = await totals();
  assert.equal(end.count, start.count - 2);
  assert.equal(end.grossCents, start.grossCents - 7000);
  assert.equal(end.feeCents, start.feeCents - 350);
  // The same refund again, and a success arriving late, change nothing.
  assert.equal((await webhook(refund, signed(refund))).body.duplicate, true);
  const late = fake.event('payment_intent.succeeded', fake.paymentIntentObject(a.body.paymentIntentId, 'succeeded'));
  assert.equal((await webhook(late, signed(late))).body.effect, 'unchanged');
  assert.deepEqual(await totals(), end);
});

test("Stripe's errors are mapped: declined 402, unavailable 503 after retries, rejected 502", async () => {
  fake.failNext({ status: 402, type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });
  const declined = await tip({ amountCents: 1000 });
  assert.equal(declined.status, 402, declined.text);
  documented('POST', '/api/livestream/{id}/tips', declined);
  assert.equal(declined.body.error.code, 'payment_declined');

  const before = fake.requestsTo('/v1/payment_intents').length;
  fake.failNext({ status: 500, message: 'boom', times: 3 });
  const down = await tip({ amountCents: 1000 });
  assert.equal(down.status, 503, down.text);
  documented('POST', '/api/livestream/{id}/tips', down);
  assert.equal(down.body.error.code, 'payment_provider_unavailable');
  const tries = fake.requestsTo('/v1/payment_intents').slice(before);
  assert.equal(tries.length, 3, 'one call and two retries');
  assert.equal(new Set(tries.map((r) => r.headers['idempotency-key'])).size, 1, 'retries reuse the key');

  fake.failNext({ status: 400, type: 'invalid_request_error', message: "No such destination: 'acct_x'" });
  const rejected = await tip({ amountCents: 1000 });
  assert.equal(rejected.status, 502, rejected.text);
  documented('POST', '/api/livestream/{id}/tips', rejected);
  assert.equal(rejected.body.error.code, 'payment_provider_rejected');
});

test('an artist onboards: an Express account is created once, saved, and an account link returned', async () => {
  const newcomer = await register(server, { role: 'ARTIST', displayName: 'Newcomer' });
  const r = await server.api('POST', '/api/artists/me/stripe/onboarding', { token: newcomer.token });
  assert.equal(r.status, 200, r.text);
  documented('POST', '/api/artists/me/stripe/onboarding', r);
  assert.match(r.body.accountId, /^acct_/);
  assert.equal(r.body.accountCreated, true);
  assert.match(r.body.url, /^https:\/\/connect\.stripe\.test\//);
  const created = fake.requestsTo('/v1/accounts').at(-1);
  assert.equal(created.params.type, 'express');
  assert.equal(created.params['capabilities[transfers][requested]'], 'true');
  assert.equal(created.params['metadata[user_id]'], newcomer.id);
  assert.equal(created.headers['idempotency-key'], `stagecast-account-${newcomer.id}`);
  const link = fake.requestsTo('/v1/account_links').at(-1);
  assert.equal(link.params.account, r.body.accountId);
  assert.equal(link.params.type, 'account_onboarding');
  assert.match(link.params.return_url, /\/studio\?stripe=return$/);
  assert.match(link.params.refresh_url, /\/studio\?stripe=refresh$/);

  const me = await server.api('GET', '/api/me', { token: newcomer.token });
  assert.equal(me.body.stripeAccountId, r.body.accountId);
  // Verified only once Stripe says charges and payouts are enabled (payouts_stripe.test.mjs).
  assert.equal(me.body.verifiedArtist, false);
  assert.equal(me.body.payouts.status, 'PENDING');
  const again = await server.api('POST', '/api/artists/me/stripe/onboarding', { token: newcomer.token, body: {} });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.accountId, r.body.accountId);
  assert.equal(again.body.accountCreated, false);

  assert.equal((await server.api('POST', '/api/artists/me/stripe/onboarding', { token: fan.token })).status, 403);
  assert.equal((await server.api('POST', '/api/artists/me/stripe/onboarding')).status, 401);
  // No sandbox with Stripe configured.
  const sandbox = await server.api('POST', '/api/sandbox/payments/pi_x/confirm', { token: fan.token });
  assert.equal(sandbox.status, 404);
});
