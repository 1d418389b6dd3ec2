// A fan who may not watch is told why (subscribe, upgrade the tier, buy a ticket, sign in) and gets
// no video at all: no <video> element, no request for the playlist, even while the stream is live.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { until, openPage as openWebPage } from './lib/web.mjs';

const DESKTOP = { width: 1366, height: 860 };
const PHONE = { width: 390, height: 844 };
const shots = artifactsDir();
let server, browser, artist;
const pages = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  artist = await verifiedArtist(server, 'Gated Artist');
});
after(async () => {
  await browser?.close();
  await server?.cleanup();
});

async function openPage(path, opts) {
  const seen = await openWebPage(browser, server.url + path, opts);
  pages.push(seen);
  return seen;
}

test('a fan without access sees why and gets no video', async () => {
  const members = await createStream(server, artist, { title: 'Members only', visibility: 'SUBSCRIBERS' });
  const tier = await createStream(server, artist, { title: 'Tier 3', visibility: 'TIER', minTier: 3 });
  const paid = await createStream(server, artist, { title: 'Paid show', visibility: 'PAID', priceCents: 1500 });
  const fan = await register(server, { displayName: 'Curious' });
  const subscribed = await register(server, { displayName: 'Tier one' });
  const s = await server.admin('PUT', '/api/admin/subscriptions', { fanId: subscribed.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(s.status, 200, s.text);
  const cases = [
    [members, fan, 'subscription_required', 'Subscribers only'],
    [members, null, 'login_required', 'Sign in to watch'],
    [tier, subscribed, 'tier_required', 'Upgrade your subscription'],
    [paid, subscribed, 'ticket_required', 'Ticket required'],
  ];
  for (const [target, user, reason, title] of cases) {
    const v = await openPage(`/watch/${target.id}`, { user, viewport: PHONE, mobile: true });
    await until(v.page, () => document.body.dataset.phase === 'denied', null, { timeout: 15000 });
    assert.equal(await v.page.getAttribute('#overlay', 'data-reason'), reason);
    assert.equal(await v.page.textContent('#overlay-title'), title);
    if (reason === 'ticket_required') assert.match(await v.page.textContent('#overlay-text'), /\$15\.00/);
    if (reason === 'tier_required') assert.match(await v.page.textContent('#overlay-text'), /tier 3/);
    assert.equal(await v.page.$('video'), null, `${reason}: no video element`);
    assert.equal(await v.page.isVisible('#tip'), false);
    if (reason === 'subscription_required') await v.page.screenshot({ path: join(shots, 'viewer-denied-phone.png') });
    await v.page.context().close();
  }
  // The same holds for a stream that is live: a fan refused never gets the playlist.
  const locked = await createStream(server, artist, { title: 'Locked live', visibility: 'SUBSCRIBERS' });
  const lockedPub = publish(`${locked.rtmpUrl}/${locked.streamKey}`, { seconds: 60, size: '320x180' });
  try {
    await waitFor(async () => (await server.api('GET', `/api/livestream/${locked.id}`, { token: artist.token })).body.status === 'LIVE', { timeout: 20000, what: 'live' });
    const v = await openPage(`/watch/${locked.id}`, { user: fan, viewport: DESKTOP });
    const hlsRequests = [];
    v.page.on('request', (r) => { if (r.url().includes('/hls/')) hlsRequests.push(r.url()); });
    await until(v.page, () => document.body.dataset.phase === 'denied', null, { timeout: 15000 });
    await v.page.waitForTimeout(1000);
    assert.equal(await v.page.textContent('#status'), 'LIVE');
    assert.equal(await v.page.$('video'), null);
    assert.deepEqual(hlsRequests, []);
    await v.page.context().close();
  } finally {
    lockedPub.proc.kill('SIGINT');
    await lockedPub.done;
  }
});

test('the refusal pages hit no CSP violation or script error', () => {
  for (const v of pages) {
    assert.deepEqual(v.csp, [], v.page.url());
    assert.deepEqual(v.errors, [], v.page.url());
  }
});
