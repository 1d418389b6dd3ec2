// Chromium with hls.js plays a transcoded stream and switches rungs on demand without stalling.
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

let server, pageServer, browser;
before(async () => {
  server = await startServer({ args: ['--transcode.enabled=true', '--transcode.preset=superfast'] });
  pageServer = http.createServer((req, res) => {
    if (req.url === '/hls.min.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(hlsJs); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><video id="v" muted autoplay playsinline></video><script src="/hls.min.js"></script>
<script>
  window.player = { errors: [], switched: [] };
  const src = new URLSearchParams(location.search).get('src');
  const hls = new Hls({ lowLatencyMode: true });
  window.hls = hls;
  hls.on(Hls.Events.ERROR, (e, d) => window.player.errors.push(d.type + ':' + d.details + (d.fatal ? ':fatal' : '')));
  hls.on(Hls.Events.LEVEL_SWITCHED, (e, d) => window.player.switched.push(d.level));
  hls.loadSource(src);
  hls.attachMedia(document.getElementById('v'));
</script>`);
  });
  await new Promise((r) => pageServer.listen(0, '127.0.0.1', r));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  pageServer?.close();
  await server.cleanup();
});

test('hls.js switches between transcoded rungs mid-play without a stall', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'abr browser' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 40, size: '1280x720' });
  try {
    const src = `${server.url}/hls/${stream.id}/master.m3u8`;
    // All three rungs listed before the player loads the multivariant playlist.
    await waitFor(async () => {
      const r = await fetch(src);
      return r.status === 200 && ((await r.text()).match(/#EXT-X-STREAM-INF/g) ?? []).length === 3;
    }, { what: 'three renditions', timeout: 30000 });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${pageServer.address().port}/?src=${encodeURIComponent(src)}`);
    const video = () => page.evaluate(() => {
      const v = document.getElementById('v');
      return { t: v.currentTime, w: v.videoWidth, h: v.videoHeight, level: window.hls.currentLevel,
        levels: window.hls.levels.map((l) => l.height), errors: window.player.errors };
    });
    await page.waitForFunction(() => document.getElementById('v').currentTime > 1, null, { timeout: 30000 });
    const levels = (await video()).levels;
    assert.deepEqual([...levels].sort((a, b) => a - b), [360, 480, 720], `levels ${levels}`);

    // Force each rung in turn (down to 360p, then up to the 720p source) mid-play.
    for (const height of [360, 480, 720]) {
      const index = levels.indexOf(height);
      const before = await video();
      await page.evaluate((n) => { window.hls.currentLevel = n; }, index);
      await page.waitForFunction((h) => document.getElementById('v').videoHeight === h, height, { timeout: 20000 });
      await page.waitForTimeout(3000);
      const afterSwitch = await video();
      console.log(`switch to ${height}p: currentTime ${before.t.toFixed(2)} -> ${afterSwitch.t.toFixed(2)} s, ` +
        `${afterSwitch.w}x${afterSwitch.h}, errors ${JSON.stringify(afterSwitch.errors)}`);
      assert.equal(afterSwitch.h, height);
      assert.equal(afterSwitch.w, { 360: 640, 480: 854, 720: 1280 }[height]);
      // Playback kept going through the switch (3 s of wall time on a loaded machine, plus the
      // time the switch itself took).
      assert.ok(afterSwitch.t - before.t > 2, `playback advanced ${before.t} -> ${afterSwitch.t}`);
      assert.deepEqual(afterSwitch.errors.filter((e) => e.endsWith(':fatal')), []);
    }
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
});
