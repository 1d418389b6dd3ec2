// Chromium with hls.js plays a stream that ffmpeg publishes over RTMP, in low-latency mode.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { launchBrowser } from './lib/browser.mjs';

const require = createRequire(import.meta.url);
const hlsJs = readFileSync(require.resolve('hls.js/dist/hls.min.js'));

let server, page_server, browser;
before(async () => {
  server = await startServer();
  // A page on another origin, as a site embedding the player would be (exercises CORS too).
  page_server = http.createServer((req, res) => {
    if (req.url === '/hls.min.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(hlsJs); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><video id="v" muted autoplay playsinline></video><script src="/hls.min.js"></script>
<script>
  window.player = { errors: [] };
  const src = new URLSearchParams(location.search).get('src');
  const hls = new Hls({ lowLatencyMode: true });
  window.hls = hls;
  hls.on(Hls.Events.ERROR, (e, d) => window.player.errors.push(d.type + ':' + d.details + (d.fatal ? ':fatal' : '')));
  hls.loadSource(src);
  hls.attachMedia(document.getElementById('v'));
</script>`);
  });
  await new Promise((r) => page_server.listen(0, '127.0.0.1', r));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  page_server?.close();
  await server.cleanup();
});

test('hls.js in Chromium plays the live stream with low latency', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'browser' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 25 });
  try {
    await waitFor(async () => (await fetch(`${server.url}/hls/${stream.id}/master.m3u8`)).status === 200, { what: 'playlist' });
    const page = await (await browser.newContext()).newPage();
    const src = `${server.url}/hls/${stream.id}/master.m3u8`;
    await page.goto(`http://127.0.0.1:${page_server.address().port}/?src=${encodeURIComponent(src)}`);
    await page.waitForFunction(() => document.getElementById('v').currentTime > 1, null, { timeout: 20000 });
    const t1 = await page.evaluate(() => document.getElementById('v').currentTime);
    await page.waitForTimeout(6000);
    const state = await page.evaluate(() => ({
      t: document.getElementById('v').currentTime,
      latency: window.hls.latency,
      targetLatency: window.hls.targetLatency,
      lowLatency: window.hls.lowLatencyMode,
      errors: window.player.errors,
      width: document.getElementById('v').videoWidth,
    }));
    console.log(`hls.js: stalls ${state.errors.filter((e) => e.includes('STALL')).length}, currentTime ${t1.toFixed(2)} -> ${state.t.toFixed(2)} s, latency ${state.latency?.toFixed(2)} s (target ${state.targetLatency?.toFixed(2)} s), width ${state.width}`);
    // Six seconds of wall time on a shared, loaded machine: most of it must be playback.
    assert.ok(state.t - t1 > 3.5, `playback should advance: ${t1} -> ${state.t}`);
    assert.equal(state.width, 1280);
    assert.equal(state.lowLatency, true);
    assert.ok(state.latency > 0 && state.latency < 6, `latency ${state.latency}`);
    assert.deepEqual(state.errors.filter((e) => e.endsWith(':fatal')), []);
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
});
