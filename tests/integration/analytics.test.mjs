// Analytics of a live stream (docs/analytics.md), with real viewers: three HLS-only viewers
// (ffmpeg reading the playlists, started and stopped at known times) and two signed-in fans in
// Chromium who watch and chat, one leaving early; one tip through the sandbox and a new
// subscriber. Checked: unique viewers 5, the peak in the right bucket, each watch time within 2 s
// of the truth, chat and the tip summed, the owner's live figures over the WebSocket, the final
// summary equal to the last live figures, a restart keeping them, the Studio chart with one
// point per bucket (screenshot in the artifacts), and who may read them.
//
// A "minute" is analytics.bucket_ms = 8 s here and an HLS session ends after 3 s of silence, so
// the whole story takes about half a minute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { startServer, StagecastProcess } from './lib/server.mjs';
import { register } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { member } from './lib/chat_client.mjs';
import { waitFor } from './lib/media.mjs';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

const BUCKET_MS = 8000;
const SILENCE_MS = 3000;
const ARGS = [`--analytics.bucket_ms=${BUCKET_MS}`, `--analytics.session_silence_ms=${SILENCE_MS}`,
  '--analytics.push_ms=1000', '--hls.segment_ms=1000', '--streams.reconnect_grace_seconds=60'];

let server; let browser; let artist; let stream; let owner;
const fans = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  server = await startServer({ args: ARGS });
  browser = await launchBrowser();
  artist = await register(server, { role: 'ARTIST', displayName: 'Counted Artist' });
  const onboard = await server.api('POST', '/api/artists/me/stripe/onboarding', { token: artist.token });
  assert.equal(onboard.status, 200, onboard.text);
  for (const name of ['Fan One', 'Fan Two', 'Fan Three']) fans.push(await register(server, { displayName: name }));
});

after(async () => {
  await owner?.close().catch(() => {});
  await stream?.stop().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

// An HLS-only viewer: ffmpeg reading the playback URL (its own session id) until killed.
async function hlsViewer() {
  const p = await server.api('POST', `/api/livestream/${stream.id}/playback`);
  assert.equal(p.status, 200, p.text);
  const sid = new URL(p.body.url).searchParams.get('sid');
  assert.match(sid, /^[A-Za-z0-9_-]{16,64}$/, 'the playback URL carries a session id');
  const started = Date.now();
  const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', p.body.url, '-c', 'copy', '-f', 'null', '-'], { stdio: 'ignore' });
  const done = new Promise((resolve) => proc.on('exit', resolve));
  return {
    sid, started,
    stop: async () => { const at = Date.now(); proc.kill('SIGKILL'); await done; return at; },
  };
}

// Its watch time runs from its first HLS request (the page's resource timing: opening a browser
// page on a loaded machine can take seconds before the Viewer asks for anything) to its close.
async function chromiumViewer(fan) {
  const seen = await openPage(browser, `${server.url}/watch/${stream.id}`, { user: fan });
  const viewer = {
    ...seen, fan, started: null,
    playing: () => until(seen.page, () => (document.querySelector('#screen video')?.currentTime ?? 0) > 0.3, null, { timeout: 30000, what: 'playback' }),
    say: async (text) => {
      await until(seen.page, () => !document.querySelector('#chat input[name=message]').disabled, null, { timeout: 15000 });
      await seen.page.fill('#chat input[name=message]', text);
      await seen.page.press('#chat input[name=message]', 'Enter');
    },
    stop: async () => {
      viewer.started = await seen.page.evaluate(() => performance.timeOrigin + Math.min(
        ...performance.getEntriesByType('resource').filter((e) => e.name.includes('/hls/')).map((e) => e.startTime)));
      const at = Date.now();
      await seen.page.context().close();
      return at;
    },
  };
  return viewer;
}

const analytics = async (token = artist.token) => server.api('GET', `/api/livestream/${stream.id}/analytics`, { token });
const bucketOf = (at, f) => Math.floor((at - f.startedAt) / f.bucketMs);
// The counters that make a summary (what the final one must keep of the last live one).
const counters = (f) => ({
  viewersNow: f.viewersNow, peakViewers: f.peakViewers, peakAt: f.peakAt, uniqueViewers: f.uniqueViewers,
  watchTimeMs: f.watchTimeMs, averageWatchTimeMs: f.averageWatchTimeMs, chatters: f.chatters, messages: f.messages,
  tips: f.tips, newSubscribers: f.newSubscribers, startedAt: f.startedAt, bucketMs: f.bucketMs,
});

let truth = {}; let lastLive; let finalFigures;

test('three HLS viewers and two fans in Chromium: viewers, watch time, chat and a tip are counted', async () => {
  stream = await liveStream(server, artist, { title: 'Counted' });
  const live = (await server.api('GET', `/api/livestream/${stream.id}`)).body;
  // The stream carries the artist's public profile (the seed's getStreamerInfo).
  assert.equal(live.artist.displayName, 'Counted Artist');
  assert.equal(live.artist.subscriberCount, 0);
  const startedAt = live.startedAt;
  owner = await member(server, artist, stream.id);  // the owner in the room is not a viewer

  // Everyone starts early in bucket 1, so the peak of 5 falls in bucket 1.
  await sleep(Math.max(0, startedAt + BUCKET_MS + 300 - Date.now()));
  const [h1, h2, h3] = [await hlsViewer(), await hlsViewer(), await hlsViewer()];
  const [c1, c2] = await Promise.all([chromiumViewer(fans[0]), chromiumViewer(fans[1])]);
  await Promise.all([c1.playing(), c2.playing()]);
  await waitFor(async () => (await analytics()).body.viewersNow === 5, { timeout: 5000, what: '5 watching' });
  const allIn = Date.now();
  assert.ok(allIn < startedAt + 2 * BUCKET_MS - 500, `all five watching within bucket 1 (${allIn - startedAt} ms in)`);

  await c1.say('first!');
  await c2.say('hello from fan two');
  // A tip from fan one, confirmed through the sandbox's webhook path.
  const tip = await server.api('POST', `/api/livestream/${stream.id}/tips`, { token: fans[0].token, body: { amountCents: 1000, currency: 'usd', message: 'for the set' } });
  assert.equal(tip.status, 201, tip.text);
  const ok = await server.api('POST', `/api/sandbox/payments/${tip.body.paymentIntentId}/confirm`, { token: fans[0].token, body: { outcome: 'succeeded' } });
  assert.equal(ok.status, 200, ok.text);
  // Fan three subscribes during the stream.
  const sub = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fans[2].id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(sub.status, 200, sub.text);

  // Bucket 2: one HLS viewer stops and fan two leaves early; a little later the second HLS viewer.
  await sleep(Math.max(0, startedAt + 2 * BUCKET_MS + 1000 - Date.now()));
  const h1End = await h1.stop();
  const c2End = await c2.stop();
  await sleep(3000);
  const h2End = await h2.stop();
  // Bucket 3: the rest leave.
  await sleep(Math.max(0, startedAt + 3 * BUCKET_MS + 1000 - Date.now()));
  const [h3End, c1End] = [await h3.stop(), await c1.stop()];
  truth = {
    [`hls:${h1.sid}`]: h1End - h1.started, [`hls:${h2.sid}`]: h2End - h2.started, [`hls:${h3.sid}`]: h3End - h3.started,
    [fans[0].id]: c1End - c1.started, [fans[1].id]: c2End - c2.started,
  };
  for (const c of [c1, c2]) assert.deepEqual(c.errors, [], 'no script errors on the Viewer');

  // Silence ends the HLS sessions; then nobody is watching.
  await waitFor(async () => (await analytics()).body.viewersNow === 0, { timeout: SILENCE_MS + 5000, what: 'everyone gone' });
  await sleep(1500);  // a tick after: figures as they stay
  const r = await analytics();
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(validate(r.body, responseSchema('GET', '/api/livestream/{id}/analytics', 200)), []);
  const f = r.body;
  lastLive = f;
  assert.equal(f.final, false);
  assert.equal(f.uniqueViewers, 5, JSON.stringify(f));
  assert.equal(f.peakViewers, 5);
  assert.equal(bucketOf(f.peakAt, f), 1, `peak at ${f.peakAt - f.startedAt} ms`);
  assert.equal(f.messages, 2);
  assert.equal(f.chatters, 2);
  assert.deepEqual(f.tips, { count: 1, grossCents: 1000, feeCents: 50, netCents: 950, currency: 'usd' });
  assert.equal(f.newSubscribers, 1);
  // One point per bucket so far: nobody in bucket 0, 5 at most in 1 and 2, 2 in bucket 3.
  assert.deepEqual(f.series.slice(0, 4).map((b) => b.viewers), [0, 5, 5, 2], JSON.stringify(f.series));
  assert.equal(f.series.reduce((n, b) => n + b.messages, 0), 2);
  assert.equal(f.series.reduce((n, b) => n + b.tipsCents, 0), 1000);

  // Each viewer's watch time within 2 s of the truth, one row each (one person, one visit).
  const rows = (await server.api('GET', `/api/livestream/${stream.id}/analytics/viewers`, { token: artist.token })).body.items;
  assert.equal(rows.length, 5, JSON.stringify(rows));
  let total = 0;
  for (const row of rows) {
    const key = row.userId ?? `hls:${row.sessionId}`;
    assert.ok(key in truth, `unexpected viewer ${key}`);
    assert.ok(Math.abs(row.watchMs - truth[key]) <= 2000, `${key}: counted ${row.watchMs} ms, watched ${truth[key]} ms`);
    assert.ok(row.leftAt !== null);
    assert.ok(row.rendition, 'the rendition watched');
    assert.equal(row.device, row.userId ? 'desktop' : 'other', 'HeadlessChrome on X11; ffmpeg (Lavf)');
    total += row.watchMs;
  }
  assert.equal(f.watchTimeMs, total);
  assert.equal(f.averageWatchTimeMs, Math.floor(total / 5));

  // The owner got the live figures over the WebSocket, every second here (analytics.push_ms).
  const pushed = owner.events.filter((e) => e.type === 'analytics');
  assert.ok(pushed.length >= 10, `analytics events: ${pushed.length}`);
  assert.ok(pushed.some((e) => e.analytics.uniqueViewers === 5 && e.streamId === stream.id));
  assert.deepEqual(counters(pushed.at(-1).analytics), counters(f), 'the last pushed figures are the API\'s');
});

test('the final summary equals the last live figures and survives a restart', async () => {
  const end = await server.api('POST', `/api/livestream/${stream.id}/end`, { token: artist.token });
  assert.equal(end.status, 200, end.text);
  await waitFor(async () => (await analytics()).body.final === true, { timeout: 5000, what: 'final summary' });
  finalFigures = (await analytics()).body;
  assert.deepEqual(counters(finalFigures), counters(lastLive));
  assert.ok(finalFigures.endedAt >= lastLive.updatedAt);
  // The series ends with the stream: the buckets seen live, then only empty ones.
  assert.deepEqual(finalFigures.series.slice(0, lastLive.series.length).map((b) => b.viewers), lastLive.series.map((b) => b.viewers));
  // Stored once: asking again gives the same.
  assert.deepEqual((await analytics()).body, finalFigures);

  const dataDir = server.dataDir;
  server.ownsDataDir = false;
  await server.stop();
  server = await new StagecastProcess({ dataDir, args: ARGS }).start();
  server.ownsDataDir = true;
  const again = await analytics();
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.body, finalFigures);
  const csv = await server.api('GET', `/api/livestream/${stream.id}/analytics.csv`, { token: artist.token });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = csv.text.trimEnd().split('\r\n');
  assert.equal(lines[0], 'bucket,start,viewers,messages,tips,tips_cents');
  assert.equal(lines.length, finalFigures.series.length + 1);
  assert.match(lines[2], /^1,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,5,/);
});

test('the Studio charts the stream: one point per bucket', async () => {
  const studio = await openPage(browser, `${server.url}/studio`, { user: artist, viewport: { width: 1366, height: 1100 } });
  const { page } = studio;
  await page.waitForSelector('#my-streams');
  await page.click(`#my-streams [data-analytics-stream="${stream.id}"]`);
  await until(page, () => globalThis.stagecastAnalytics?.points?.() > 0, null, { what: 'the chart drawn' });
  const points = await page.evaluate(() => globalThis.stagecastAnalytics.points());
  assert.equal(points, finalFigures.series.length);
  assert.equal(await page.textContent('#analytics-summary [data-figure=uniqueViewers]'), '5');
  assert.match(await page.textContent('#analytics-charts h2'), /^Summary/);
  // The CSV export downloads what the API gives.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#analytics-csv')]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.equal(csv.trimEnd().split('\r\n').length, finalFigures.series.length + 1);
  await page.locator('#analytics-charts').screenshot({ path: join(artifactsDir(), 'analytics-studio-chart.png') });
  assert.deepEqual(studio.errors, []);
  assert.deepEqual(studio.csp, []);
  await page.context().close();
});

test('only the owner (and admins) read a stream\'s analytics; unknown streams are 404', async () => {
  const other = await register(server, { role: 'ARTIST', displayName: 'Another Artist' });
  const fan = await register(server);
  assert.equal((await analytics(other.token)).status, 403);
  const r = await analytics(fan.token);
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'not_owner');
  assert.equal((await analytics(null)).status, 401);
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}/analytics.csv`, { token: fan.token })).status, 403);
  const unknown = await server.api('GET', '/api/livestream/0123456789abcdef0123456789abcdef/analytics.csv', { token: artist.token });
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal(unknown.body.error.code, 'not_found');
});
