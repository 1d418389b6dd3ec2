// The operator page (docs/web.md, "Operator page") against a server whose operator is the first
// account created, with requests to become an artist waiting for the operator
// (accounts.artist_approval = operator): a fan gets 403 from every operator call and a page with
// no data; the operator, in Chromium, approves a request, changes a role and a subscription tier,
// and the access matrix follows at once (the fan's access to a tier-2 stream, the new artist's
// right to create streams).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { join } from 'node:path';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';

let server, browser, operator, artist, fan, stream;
before(async () => {
  server = await startServer({ args: ['--accounts.artist_approval=operator'] });
  browser = await launchBrowser();
  operator = await register(server, { displayName: 'The Operator' });  // the first account
  artist = await verifiedArtist(server, 'Tiered Artist');
  fan = await register(server, { displayName: 'Tier Fan' });
  stream = await createStream(server, artist, { title: 'Tier two only', visibility: 'TIER', minTier: 2 });
});
after(async () => {
  await browser?.close();
  await server.cleanup();
});

const OPERATOR_GETS = ['/api/operator/users', '/api/operator/subscriptions', '/api/operator/streams', '/api/operator/moderation', '/api/operator/tips', '/api/operator/payment-events'];

test('only the operator: /api/me says who, a fan gets 403 from every operator call', async () => {
  assert.equal((await server.api('GET', '/api/me', { token: operator.token })).body.operator, true);
  assert.equal((await server.api('GET', '/api/me', { token: fan.token })).body.operator, false);
  for (const path of OPERATOR_GETS) {
    const r = await server.api('GET', path, { token: fan.token });
    assert.equal(r.status, 403, `${path}: ${r.text}`);
    assert.equal(r.body.error.code, 'forbidden');
    assert.equal((await server.api('GET', path)).status, 401, path);
    assert.equal((await server.api('GET', path, { token: operator.token })).status, 200, path);
  }
  const writes = [
    ['PUT', `/api/operator/users/${fan.id}/role`, { role: 'ADMIN' }],
    ['PUT', '/api/operator/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 5, status: 'ACTIVE' }],
    ['POST', `/api/operator/streams/${stream.id}/end`, undefined],
    ['POST', `/api/operator/streams/${stream.id}/key`, undefined],
    ['POST', `/api/operator/users/${fan.id}/artist-request`, { approve: true }],
  ];
  for (const [method, path, body] of writes) {
    const r = await server.api(method, path, { token: fan.token, body });
    assert.equal(r.status, 403, `${method} ${path}`);
  }
  // Nothing changed.
  assert.equal((await server.api('GET', '/api/me', { token: fan.token })).body.role, 'FAN');
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`)).body.status, 'CREATED');
  // Bad input is a clear 422.
  const bad = await server.api('PUT', `/api/operator/users/${fan.id}/role`, { token: operator.token, body: { role: 'KING' } });
  assert.equal(bad.status, 422, bad.text);
  const badTier = await server.api('PUT', '/api/operator/subscriptions', { token: operator.token, body: { fanId: fan.id, artistId: artist.id, tier: 0, status: 'ACTIVE' } });
  assert.equal(badTier.status, 422);
  assert.equal((await server.api('GET', '/api/operator/users?after=nonsense', { token: operator.token })).status, 422);
});

test('a fan opening the operator page sees no data', async () => {
  const { page, errors } = await openPage(browser, `${server.url}/operator`, { user: fan });
  await page.waitForSelector('#operator-refused');
  assert.equal(await page.isVisible('#console'), false);
  assert.equal(await page.locator('table').count(), 0);
  const html = await page.content();
  assert.ok(!html.includes(artist.email) && !html.includes(operator.email), 'no account of anyone else in the page');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the operator approves a request, changes a role and a tier; access follows at once', async () => {
  // A fan asks to become an artist: with approval by the operator, it waits.
  const hopeful = await register(server, { displayName: 'Hopeful' });
  const asked = await server.api('POST', '/api/me/artist-request', { token: hopeful.token });
  assert.equal(asked.status, 200, asked.text);
  assert.equal(asked.body.granted, false);
  assert.equal(asked.body.user.role, 'FAN');
  assert.ok(asked.body.user.artistRequestedAt > 0);

  // The operator finds the page from the top bar of any page.
  const { page, errors, csp } = await openPage(browser, `${server.url}/`);
  await page.click('#account button');
  await page.fill('dialog input[name=email]', operator.email);
  await page.fill('dialog input[name=password]', operator.password);
  await page.click('dialog button[type=submit]');
  await page.click('#operator-link');
  await page.waitForSelector('#console:not([hidden])');
  // Their own role is not changed here.
  assert.equal(await page.locator(`#users tr[data-user-id="${operator.id}"] select`).count(), 0);
  // The request is listed; approving it makes the fan an artist.
  await page.click(`#requests tr[data-user-id="${hopeful.id}"] button.primary`);
  await until(page, (id) => !document.querySelector(`#requests tr[data-user-id="${id}"]`), hopeful.id, { what: 'the request to be answered' });
  assert.equal((await server.api('GET', '/api/me', { token: hopeful.token })).body.role, 'ARTIST');

  // The fan cannot watch the tier-2 stream with a tier-1 subscription set on the page...
  const access = async () => (await server.api('GET', `/api/livestream/${stream.id}`, { token: fan.token })).body.access;
  assert.equal((await access()).reason, 'tier_required');
  const form = '#subscription-form';
  await page.selectOption(`${form} select[name=fanId]`, fan.id);
  await page.selectOption(`${form} select[name=artistId]`, artist.id);
  await page.fill(`${form} input[name=tier]`, '1');
  await page.click(`${form} button[type=submit]`);
  await until(page, (ids) => document.querySelector(`#subscription-list tr[data-fan-id="${ids[0]}"][data-artist-id="${ids[1]}"]`)?.children[2]?.textContent === '1', [fan.id, artist.id], { what: 'the subscription listed' });
  assert.deepEqual(await access(), { watch: false, reason: 'tier_required' });
  // ... and can once the operator raises the tier to 2.
  await page.fill(`${form} input[name=tier]`, '2');
  await page.click(`${form} button[type=submit]`);
  await until(page, (ids) => document.querySelector(`#subscription-list tr[data-fan-id="${ids[0]}"][data-artist-id="${ids[1]}"]`)?.children[2]?.textContent === '2', [fan.id, artist.id], { what: 'tier 2 listed' });
  assert.deepEqual(await access(), { watch: true, reason: null });

  // A role change: the fan made ADMIN can manage the stream; back to FAN, they cannot.
  const manage = async () => (await server.api('PATCH', `/api/livestream/${stream.id}`, { token: fan.token, body: { description: 'by the fan' } })).status;
  assert.equal(await manage(), 403);
  const row = `#users tr[data-user-id="${fan.id}"]`;
  // Each row carries the role the server last listed (data-role): the page re-renders after a save.
  await page.selectOption(`${row} select`, 'ADMIN');
  await page.click(`${row} button`);
  await page.waitForSelector(`${row}[data-role="ADMIN"]`);
  assert.equal(await manage(), 200);
  await page.selectOption(`${row} select`, 'FAN');
  await page.click(`${row} button`);
  await page.waitForSelector(`${row}[data-role="FAN"]`);
  await page.screenshot({ path: join(artifactsDir(), 'operator-page.png'), fullPage: true });
  assert.equal(await manage(), 403);
  assert.deepEqual(errors, []);
  assert.deepEqual(csp, []);
  await page.context().close();
});

test('the operator ends a live stream and rotates its key through the same services', async () => {
  const s = await createStream(server, artist, { title: 'To be rotated' });
  const rotated = await server.api('POST', `/api/operator/streams/${s.id}/key`, { token: operator.token });
  assert.equal(rotated.status, 200, rotated.text);
  assert.notEqual(rotated.body.streamKey, s.streamKey);
  const ended = await server.api('POST', `/api/operator/streams/${s.id}/end`, { token: operator.token });
  assert.equal(ended.status, 200, ended.text);
  assert.equal(ended.body.status, 'ENDED');
  assert.equal((await server.api('POST', `/api/operator/streams/${s.id}/end`, { token: operator.token })).status, 409);
  const trail = await server.api('GET', '/api/operator/payment-events', { token: operator.token });
  assert.ok(Array.isArray(trail.body.items));
});
