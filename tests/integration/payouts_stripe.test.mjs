// Payout onboarding against the recording Stripe imitation (lib/fake_stripe.mjs), with webhook
// signatures made by Stripe's official Node library (docs/payments.md, "Payout verification"):
// the Account Link request carries the return and refresh URLs; account.updated with charges and
// payouts enabled verifies the artist, with them disabled takes it away (and the Studio says
// why); forged, stale and repeated events change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startServer } from './lib/server.mjs';
import { register } from './lib/fixtures.mjs';
import { FakeStripe } from './lib/fake_stripe.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

const WEBHOOK_SECRET = 'whsec_stagecast_payouts_0123456789';
const stripe = new Stripe('sk_test_unused_by_the_library');

let fake; let server; let artist; let accountId; let browser;
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  fake = await new FakeStripe().start();
  server = await startServer({
    args: [
      '--payments.provider=stripe',
      `--payments.stripe_secret_key=${fake.secretKey}`,
      `--payments.stripe_webhook_secret=${WEBHOOK_SECRET}`,
      `--payments.stripe_api_base_url=${fake.url}`,
      '--payments.stripe_publishable_key=pk_test_stagecast',
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
  await fake?.stop();
});

function accountUpdated(account, { enabled, created = now(), reason = null, id = `evt_${Math.random().toString(36).slice(2)}` }) {
  return JSON.stringify({
    id, object: 'event', api_version: '2024-06-20', created, type: 'account.updated', account,
    data: { object: { id: account, object: 'account', type: 'express', charges_enabled: enabled, payouts_enabled: enabled, details_submitted: true, requirements: { disabled_reason: reason } } },
  });
}

function deliver(payload, secret = WEBHOOK_SECRET) {
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret });
  return server.api('POST', '/api/webhooks/stripe', { raw: payload, headers: { 'content-type': 'application/json', 'stripe-signature': header } });
}

const me = async () => (await server.api('GET', '/api/me', { token: artist.token })).body;
const mayCreate = async () => (await server.api('POST', '/api/livestream', { token: artist.token, body: { title: 'check' } })).status;

test('connecting payouts: an Express account, an Account Link with return and refresh URLs, not verified yet', async () => {
  artist = await register(server, { role: 'ARTIST', displayName: 'Onboarding Artist' });
  const r = await server.api('POST', '/api/artists/me/stripe/onboarding', { token: artist.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(validate(r.body, responseSchema('POST', '/api/artists/me/stripe/onboarding', 200)), []);
  accountId = r.body.accountId;
  assert.equal(r.body.simulated, false);
  assert.equal(r.body.payoutsStatus, 'PENDING');
  const link = fake.requestsTo('/v1/account_links').at(-1);
  assert.equal(link.params.account, accountId);
  assert.equal(link.params.type, 'account_onboarding');
  assert.equal(link.params.return_url, `${server.url}/studio?stripe=return`);
  assert.equal(link.params.refresh_url, `${server.url}/studio?stripe=refresh`);
  const m = await me();
  assert.equal(m.verifiedArtist, false);
  assert.equal(m.payouts.status, 'PENDING');
  assert.equal(await mayCreate(), 403, 'no streaming before Stripe says the account can be paid');
});

test('account.updated with charges and payouts enabled verifies; the same event again changes nothing', async () => {
  const payload = accountUpdated(accountId, { enabled: true });
  const r = await deliver(payload);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.effect, 'payouts_enabled');
  const m = await me();
  assert.equal(m.verifiedArtist, true);
  assert.equal(m.payouts.status, 'ENABLED');
  assert.equal(m.payouts.simulated, false);
  assert.equal(await mayCreate(), 201);
  const again = await deliver(payload);
  assert.equal(again.body.effect, 'duplicate');
});

test('forged, stale and foreign events change nothing', async () => {
  // Signed with another secret: refused before anything is read.
  const forged = await deliver(accountUpdated(accountId, { enabled: false, reason: 'rejected.fraud' }), 'whsec_not_ours_at_all_0123456789');
  assert.equal(forged.status, 400, forged.text);
  assert.equal(forged.body.error.code, 'signature_mismatch');
  // A body changed after signing.
  const payload = accountUpdated(accountId, { enabled: true });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  const tampered = payload.replace('"charges_enabled":true', '"charges_enabled":false');
  const t = await server.api('POST', '/api/webhooks/stripe', { raw: tampered, headers: { 'content-type': 'application/json', 'stripe-signature': header } });
  assert.equal(t.status, 400);
  // Older than what was applied: arrives late, changes nothing.
  const stale = await deliver(accountUpdated(accountId, { enabled: false, created: now() - 3600, reason: 'requirements.past_due' }));
  assert.equal(stale.status, 200);
  assert.equal(stale.body.effect, 'stale');
  // Someone else's account.
  const foreign = await deliver(accountUpdated('acct_1NotOursAtAll', { enabled: false }));
  assert.equal(foreign.body.effect, 'unmatched');
  assert.equal((await me()).verifiedArtist, true);
});

test('account.updated with charges disabled takes verification away, and the Studio says why', async () => {
  const r = await deliver(accountUpdated(accountId, { enabled: false, created: now() + 1, reason: 'requirements.past_due' }));
  assert.equal(r.body.effect, 'payouts_disabled');
  const m = await me();
  assert.equal(m.verifiedArtist, false);
  assert.equal(m.payouts.status, 'DISABLED');
  assert.equal(m.payouts.reason, 'requirements.past_due');
  assert.equal(await mayCreate(), 403);
  const { page, errors } = await openPage(browser, `${server.url}/studio`, { user: artist });
  await page.waitForSelector('#payouts-state');
  assert.equal(await page.getAttribute('#payouts-state', 'data-status'), 'DISABLED');
  assert.match(await page.textContent('#verify-panel'), /Payouts are disabled/);
  assert.match(await page.textContent('#payouts-state'), /Stripe needs more information/);
  assert.equal(await page.textContent('#connect-payouts'), 'Update details with Stripe');
  // Enabled again later: verified again, and the Studio's panel goes.
  const back = await deliver(accountUpdated(accountId, { enabled: true, created: now() + 2 }));
  assert.equal(back.body.effect, 'payouts_enabled');
  await page.reload();
  await until(page, () => document.querySelector('#verify-panel').hidden && !document.querySelector('#streams-panel').hidden, null, { what: 'the onboarding panel to go' });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a refresh of an expired link makes a new one at once', async () => {
  const pending = await pendingArtist();
  const before = fake.requestsTo('/v1/account_links').length;
  // Stripe sends the artist back here when the link expired: the Studio asks for a new link and
  // follows it (to the imitation's URL, which a browser here cannot open: the request counts).
  const { page } = await openPage(browser, `${server.url}/studio?stripe=refresh`, { user: pending });
  const deadline = Date.now() + 15000;
  while (fake.requestsTo('/v1/account_links').length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const link = fake.requestsTo('/v1/account_links').at(-1);
  assert.equal(fake.requestsTo('/v1/account_links').length, before + 1, 'one new link');
  assert.equal(link.params.account, (await server.api('GET', '/api/me', { token: pending.token })).body.stripeAccountId);
  await page.context().close();
});

// An artist whose account exists but whom Stripe has not verified yet.
async function pendingArtist() {
  const a = await register(server, { role: 'ARTIST', displayName: 'Pending Artist' });
  const r = await server.api('POST', '/api/artists/me/stripe/onboarding', { token: a.token });
  assert.equal(r.status, 200, r.text);
  return a;
}
