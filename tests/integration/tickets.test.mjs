// Tickets to PAID streams through Stripe Connect, exactly once: the real binary against the local
// Stripe imitation the tips use (lib/fake_stripe.mjs), webhook signatures from Stripe's own Node
// library, and every surface a ticket opens (API, playback token on /hls, the WebSocket room).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { FakeStripe } from './lib/fake_stripe.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { ChatClient } from './lib/chat_client.mjs';
import { waitFor } from './lib/media.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

const WEBHOOK_SECRET = 'whsec_stagecast_tickets_0123456789';
const stripe = new Stripe('sk_test_unused_by_the_library');

let fake; let server; let artist; let stream;

before(async () => {
  fake = await new FakeStripe().start();
  server = await startServer({
    args: [
      '--payments.provider=stripe',
      `--payments.stripe_secret_key=${fake.secretKey}`,
      `--payments.stripe_webhook_secret=${WEBHOOK_SECRET}`,
      `--payments.stripe_api_base_url=${fake.url}`,
      '--payments.stripe_publishable_key=pk_test_stagecast',
      '--payments.max_ticket_cents=5000',
      '--streams.reconnect_grace_seconds=60',
    ],
  });
  artist = await verifiedArtist(server, 'Ticketed Artist');  // acct_1TestArtist
  stream = await liveStream(server, artist, { title: 'Paid show', visibility: 'PAID', priceCents: 1500 });
});

after(async () => {
  await stream?.stop();
  await server?.cleanup();
  await fake?.stop();
});

function sql(query) {
  return execFileSync('sqlite3', [join(server.dataDir, 'stagecast.db'), query], { encoding: 'utf8' }).trim();
}

function buy(fan, body, streamId = stream.id) {
  return server.api('POST', `/api/livestream/${streamId}/tickets`, { token: fan.token, body });
}

function webhook(payload, header) {
  const headers = { 'content-type': 'application/json' };
  if (header !== undefined) headers['stripe-signature'] = header;
  return server.api('POST', '/api/webhooks/stripe', { raw: payload, headers });
}

function signed(payload, opts = {}) {
  return stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, ...opts });
}

async function deliver(type, object) {
  const payload = fake.event(type, object);
  const r = await webhook(payload, signed(payload));
  assert.equal(r.status, 200, r.text);
  documented('POST', '/api/webhooks/stripe', r);
  return r.body;
}

function documented(method, path, r) {
  const schema = responseSchema(method, path, r.status);
  if (schema) assert.deepEqual(validate(r.body, schema), [], `${method} ${path} ${r.status}: ${r.text}`);
}

async function mine(fan) {
  const r = await server.api('GET', `/api/livestream/${stream.id}/tickets/me`, { token: fan.token });
  if (r.status === 200) documented('GET', '/api/livestream/{id}/tickets/me', r);
  return r.status === 200 ? r.body.status : r.status;
}

// A fan with a bought and webhook-confirmed ticket.
async function paidFan(name) {
  const fan = await register(server, { displayName: name });
  const r = await buy(fan);
  assert.equal(r.status, 201, r.text);
  const applied = await deliver('payment_intent.succeeded', fake.paymentIntentObject(r.body.paymentIntentId, 'succeeded'));
  assert.equal(applied.effect, 'paid');
  return { ...fan, pi: r.body.paymentIntentId, ticketId: r.body.ticketId };
}

// What every surface says about `fan`: the API's access, a playback grant and its playlist, and
// the WebSocket room's join.
async function surfaces(fan) {
  const view = await server.api('GET', `/api/livestream/${stream.id}`, { token: fan.token });
  const playback = await server.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token });
  let hls = null;
  if (playback.status === 200) hls = (await fetch(playback.body.url)).status;
  const ws = await ChatClient.connect(server);
  await ws.auth(fan.token);
  const requestId = `j${Math.random().toString(36).slice(2)}`;
  ws.send({ type: 'join', streamId: stream.id, requestId });
  const joined = await ws.reply((x) => (x.type === 'joined' || x.type === 'error') && x.requestId === requestId);
  await ws.close();
  return {
    api: view.body.access.watch ? 'ok' : view.body.access.reason,
    playback: playback.status === 200 ? 'ok' : playback.body.error.code,
    hls,
    ws: joined.type === 'joined' ? 'ok' : joined.error.code,
  };
}

test('a ticket is a destination charge for the stream\'s price with the fee, the destination, metadata and an idempotency key', async () => {
  const fan = await register(server, { displayName: 'Buyer' });
  const before = fake.requestsTo('/v1/payment_intents').length;
  const r = await buy(fan);
  assert.equal(r.status, 201, r.text);
  documented('POST', '/api/livestream/{id}/tickets', r);
  assert.equal(r.body.status, 'PENDING');
  assert.equal(r.body.source, 'PURCHASE');
  assert.equal(r.body.admits, false);
  assert.equal(r.body.amountCents, 1500);
  assert.equal(r.body.feeCents, 75);
  assert.equal(r.body.artistCents, 1425);
  assert.equal(r.body.publishableKey, 'pk_test_stagecast');
  const sent = fake.requestsTo('/v1/payment_intents');
  assert.equal(sent.length, before + 1);
  const req = sent.at(-1);
  assert.equal(req.headers['idempotency-key'], `stagecast-ticket-${r.body.ticketId}-1`);
  assert.equal(req.params.amount, '1500');
  assert.equal(req.params.currency, 'usd');
  assert.equal(req.params.application_fee_amount, '75');
  assert.equal(req.params['transfer_data[destination]'], 'acct_1TestArtist');
  assert.equal(req.params['metadata[stream_id]'], stream.id);
  assert.equal(req.params['metadata[ticket_id]'], r.body.ticketId);
  assert.equal(req.params['metadata[fan_id]'], fan.id);
  const pi = fake.paymentIntents.get(r.body.paymentIntentId);
  assert.equal(r.body.clientSecret, pi.client_secret);
  assert.ok(!server.log.includes(pi.client_secret), 'the client secret is never logged');

  // Buying again: the same ticket and PaymentIntent; Stripe sees the same key (replayed).
  const again = await buy(fan);
  assert.equal(again.status, 201, again.text);
  assert.equal(again.body.ticketId, r.body.ticketId);
  assert.equal(again.body.clientSecret, r.body.clientSecret);
  assert.equal(fake.requestsTo('/v1/payment_intents').at(-1).headers['idempotency-key'], req.headers['idempotency-key']);
  assert.equal([...fake.paymentIntents.values()].filter((p) => p.metadata.ticket_id === r.body.ticketId).length, 1, 'one PaymentIntent');
  assert.equal(sql(`SELECT COUNT(*) FROM stream_tickets WHERE fan_id = '${fan.id}'`), '1');
  assert.equal(await mine(fan), 'PENDING');
  // Not yet paid: no surface lets the fan in.
  assert.deepEqual(await surfaces(fan), { api: 'ticket_required', playback: 'ticket_required', hls: null, ws: 'ticket_required' });
});

test("webhooks signed by Stripe's library: the same success three times pays once; forged or stale signatures change nothing", async () => {
  const fan = await register(server, { displayName: 'Payer' });
  const r = await buy(fan);
  const payload = fake.event('payment_intent.succeeded', fake.paymentIntentObject(r.body.paymentIntentId, 'succeeded'));
  for (const [header, code] of [
    [signed(payload, { secret: 'whsec_wrong' }), 'signature_mismatch'],
    [signed(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 }), 'signature_expired'],
    [undefined, 'signature_missing'],
  ]) {
    const refused = await webhook(payload, header);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.code, code);
  }
  assert.equal(await mine(fan), 'PENDING');
  const first = await webhook(payload, signed(payload));
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.effect, 'paid');
  assert.equal(first.body.ticketId, r.body.ticketId);
  assert.equal(first.body.tipId, null);
  for (let i = 0; i < 2; i += 1) assert.equal((await webhook(payload, signed(payload))).body.duplicate, true);
  assert.equal(await mine(fan), 'PAID');
  // A failure after the success changes nothing; buying again charges nothing (200, no secret).
  const failed = await deliver('payment_intent.payment_failed', fake.paymentIntentObject(r.body.paymentIntentId, 'requires_payment_method'));
  assert.equal(failed.effect, 'unchanged');
  const before = fake.requestsTo('/v1/payment_intents').length;
  const held = await buy(fan);
  assert.equal(held.status, 200, held.text);
  documented('POST', '/api/livestream/{id}/tickets', held);
  assert.equal(held.body.clientSecret, null);
  assert.equal(held.body.status, 'PAID');
  assert.equal(fake.requestsTo('/v1/payment_intents').length, before);
});

test('out of order: a refund before its success, and a failure that the same payment later overcomes', async () => {
  const early = await register(server, { displayName: 'Early refund' });
  const r = await buy(early);
  assert.equal((await deliver('charge.refunded', fake.chargeObject(r.body.paymentIntentId))).effect, 'deferred');
  assert.equal(await mine(early), 'PENDING');
  assert.equal((await deliver('payment_intent.succeeded', fake.paymentIntentObject(r.body.paymentIntentId, 'succeeded'))).effect, 'paid');
  assert.equal(await mine(early), 'REFUNDED');  // the refund was applied right after

  const retry = await register(server, { displayName: 'Second card' });
  const t = await buy(retry);
  assert.equal((await deliver('payment_intent.payment_failed', fake.paymentIntentObject(t.body.paymentIntentId, 'requires_payment_method'))).effect, 'failed');
  assert.equal(await mine(retry), 'FAILED');
  const again = await buy(retry);
  assert.equal(again.body.paymentIntentId, t.body.paymentIntentId, 'the same PaymentIntent after a decline');
  assert.equal((await deliver('payment_intent.succeeded', fake.paymentIntentObject(t.body.paymentIntentId, 'succeeded'))).effect, 'paid');
  assert.equal(await mine(retry), 'PAID');
});

test('the access matrix on every surface: pending, paid, refunded, comped, granted', async () => {
  const pending = await register(server, { displayName: 'Pending' });
  assert.equal((await buy(pending)).status, 201);
  const paid = await paidFan('Paid');
  const refunded = await paidFan('Refunded');
  assert.equal((await deliver('charge.refunded', fake.chargeObject(refunded.pi))).effect, 'refunded');
  const comped = await register(server, { displayName: 'Comped' });
  const comp = await server.api('POST', `/api/livestream/${stream.id}/tickets/comps`, { token: artist.token, body: { fanId: comped.id } });
  assert.equal(comp.status, 200, comp.text);
  documented('POST', '/api/livestream/{id}/tickets/comps', comp);
  assert.equal(comp.body.source, 'COMP');
  const granted = await register(server, { displayName: 'Granted' });
  const grant = await server.admin('PUT', '/api/admin/tickets', { streamId: stream.id, fanId: granted.id, status: 'PAID' });
  assert.equal(grant.status, 200, grant.text);
  documented('PUT', '/api/admin/tickets', grant);
  // A fan may not comp; a bought ticket is not revoked as a grant.
  const notOwner = await server.api('POST', `/api/livestream/${stream.id}/tickets/comps`, { token: paid.token, body: { fanId: pending.id } });
  assert.equal(notOwner.status, 403, notOwner.text);
  const revokeBought = await server.admin('PUT', '/api/admin/tickets', { streamId: stream.id, fanId: paid.id, status: 'REVOKED' });
  assert.equal(revokeBought.status, 409, revokeBought.text);

  const denied = { api: 'ticket_required', playback: 'ticket_required', hls: null, ws: 'ticket_required' };
  const admitted = { api: 'ok', playback: 'ok', hls: 200, ws: 'ok' };
  for (const [who, want] of [[pending, denied], [paid, admitted], [refunded, denied], [comped, admitted], [granted, admitted]]) {
    const got = await waitFor(async () => {
      const s = await surfaces(who);
      return JSON.stringify(s) === JSON.stringify(want) ? s : null;
    }, { timeout: 15000, what: `${who.displayName}'s surfaces` }).catch(async () => surfaces(who));
    assert.deepEqual(got, want, who.displayName);
  }
});

test("a refund ends the fan's playback tokens and takes them out of the room at once", async () => {
  const fan = await paidFan('Soon refunded');
  const playback = await server.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token });
  assert.equal(playback.status, 200, playback.text);
  await waitFor(async () => (await fetch(playback.body.url)).status === 200, { timeout: 15000, what: 'the playlist' });
  const ws = await ChatClient.connect(server);
  await ws.auth(fan.token);
  await ws.join(stream.id);
  await ws.say('thanks for the show');
  // The owner's view of the room, to show the room is not told.
  const owner = await ChatClient.connect(server);
  await owner.auth(artist.token);
  await owner.join(stream.id);

  assert.equal((await deliver('charge.refunded', fake.chargeObject(fan.pi))).effect, 'refunded');
  const left = await ws.next('left', 5000);
  assert.equal(left.reason, 'ticket_revoked');
  assert.equal((await fetch(playback.body.url)).status, 403, 'the token issued while paid stops working');
  assert.equal((await server.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token })).status, 403);
  assert.deepEqual((await owner.collect('user_banned', 300)), []);
  await ws.close();
  await owner.close();

  // A lost dispute does the same; a won one restores access.
  const disputed = await paidFan('Disputed');
  assert.equal((await deliver('charge.dispute.created', fake.disputeObject(disputed.pi))).effect, 'disputed');
  assert.equal(await mine(disputed), 'DISPUTED');
  assert.equal((await surfaces(disputed)).api, 'ok', 'access is kept while the dispute is open');
  assert.equal((await deliver('charge.dispute.closed', fake.disputeObject(disputed.pi, 'lost'))).effect, 'dispute_lost');
  assert.equal(await mine(disputed), 'REFUNDED');
  assert.equal((await surfaces(disputed)).api, 'ticket_required');
});

test('bad input is a clear 4xx and charges nothing', async () => {
  const fan = await register(server, { displayName: 'Careful' });
  const free = await createStream(server, artist, { title: 'Free', visibility: 'PUBLIC' });
  const ended = await createStream(server, artist, { title: 'Over', visibility: 'PAID', priceCents: 1000 });
  assert.equal((await server.api('POST', `/api/livestream/${ended.id}/end`, { token: artist.token })).status, 200);
  const requests = fake.requestsTo('/v1/payment_intents').length;
  const rows = sql('SELECT COUNT(*) FROM stream_tickets');
  const cases = [
    [free.id, undefined, 409, 'not_a_paid_stream'],
    [ended.id, undefined, 409, 'stream_ended'],
    ['doesnotexist', undefined, 404, 'not_found'],
    [stream.id, { amountCents: 0 }, 422, 'validation_failed'],
    [stream.id, { amountCents: 5001 }, 422, 'validation_failed'],
    [stream.id, { amountCents: 15.5 }, 422, 'validation_failed'],
    [stream.id, { amountCents: '1500' }, 422, 'validation_failed'],
    [stream.id, { currency: 'eur' }, 422, 'validation_failed'],
    [stream.id, { amountCents: 1000 }, 409, 'price_changed'],
    [stream.id, { extra: true }, 422, 'validation_failed'],
  ];
  for (const [id, body, status, code] of cases) {
    const r = await buy(fan, body, id);
    assert.equal(r.status, status, `${id} ${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.body.error.code, code, r.text);
  }
  const owner = await buy(artist);
  assert.equal(owner.status, 403, owner.text);
  assert.equal(owner.body.error.code, 'cannot_buy_own_ticket');
  const anonymous = await server.api('POST', `/api/livestream/${stream.id}/tickets`, { body: {} });
  assert.equal(anonymous.status, 401);
  assert.equal(fake.requestsTo('/v1/payment_intents').length, requests, 'nothing was asked of Stripe');
  assert.equal(sql('SELECT COUNT(*) FROM stream_tickets'), rows, 'nothing was written');

  // A PAID stream's price is held to the limits and the currency when it is set.
  for (const body of [{ priceCents: 0 }, { priceCents: 5001 }, { priceCents: 1000, currency: 'eur' }]) {
    const r = await server.api('POST', '/api/livestream', { token: artist.token, body: { title: 'Bad price', visibility: 'PAID', ...body } });
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
  }
});

test('the owner sees tickets sold, gross, fee and net; a price change applies to new buyers', async () => {
  const show = await createStream(server, artist, { title: 'Later show', visibility: 'PAID', priceCents: 2000 });
  const early = await register(server, { displayName: 'Early bird' });
  const r = await buy(early, undefined, show.id);
  await deliver('payment_intent.succeeded', fake.paymentIntentObject(r.body.paymentIntentId, 'succeeded'));
  const patched = await server.api('PATCH', `/api/livestream/${show.id}`, { token: artist.token, body: { priceCents: 3000 } });
  assert.equal(patched.status, 200, patched.text);
  const late = await register(server, { displayName: 'Late' });
  const l = await buy(late, { amountCents: 3000, currency: 'usd' }, show.id);
  assert.equal(l.status, 201, l.text);
  assert.equal(l.body.amountCents, 3000);
  await deliver('payment_intent.succeeded', fake.paymentIntentObject(l.body.paymentIntentId, 'succeeded'));
  const view = await server.api('GET', `/api/livestream/${show.id}`, { token: artist.token });
  documented('GET', '/api/livestream/{id}', view);
  assert.deepEqual(view.body.tickets, { sold: 2, grossCents: 5000, feeCents: 250, artistCents: 4750, given: 0 });
  const early2 = await server.api('GET', `/api/livestream/${show.id}/tickets/me`, { token: early.token });
  assert.equal(early2.body.amountCents, 2000, 'the early buyer keeps the price paid');
  const asFan = await server.api('GET', `/api/livestream/${show.id}`, { token: early.token });
  assert.equal(asFan.body.tickets, undefined);
});
