// Playback tokens expire (auth.playback_ttl_seconds); the Viewer renews its token before that and
// hls.js's requests carry the new one, so a members-only stream keeps playing across many
// lifetimes of a token, with no request refused.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { sessionOf } from './lib/web.mjs';

const TTL_SECONDS = 6;
let server, browser;
before(async () => {
  server = await startServer({ args: [`--auth.playback_ttl_seconds=${TTL_SECONDS}`] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server.cleanup();
});

test('a subscriber keeps watching while playback tokens expire and are renewed', async () => {
  const artist = await verifiedArtist(server);
  const fan = await register(server, { displayName: 'Subscriber' });
  const sub = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(sub.status, 200, sub.text);
  const stream = await createStream(server, artist, { title: 'Members', visibility: 'SUBSCRIBERS' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 90, size: '320x180' });
  try {
    await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`, { token: artist.token })).body.status === 'LIVE', { timeout: 20000, what: 'live' });
    const context = await browser.newContext();
    await context.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(fan));
    const page = await context.newPage();
    const tokens = new Set();
    const refused = [];
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/hls/')) return;
      if (u.searchParams.get('token')) tokens.add(u.searchParams.get('token'));
      if (r.status() === 401 || r.status() === 403) refused.push(`${r.status()} ${u.pathname}`);
    });
    await page.goto(`${server.url}/watch/${stream.id}`);
    const time = () => page.evaluate(() => document.querySelector('#screen video')?.currentTime ?? 0);
    await waitFor(async () => (await time()) > 0.5, { timeout: 40000, what: 'playback' });
    const start = await time();
    // Three token lifetimes of wall time and more of playback.
    await waitFor(async () => (await time()) > start + 3 * TTL_SECONDS, { timeout: 60000, interval: 250, what: 'playback across token renewals' });
    assert.deepEqual(refused, [], 'no request with an expired token');
    assert.ok(tokens.size >= 3, `tokens renewed: ${tokens.size} distinct`);
    assert.equal(await page.evaluate(() => globalThis.stagecastViewer.phase), 'playing');
    await context.close();
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
});
