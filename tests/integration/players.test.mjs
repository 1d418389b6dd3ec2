// Players in CI: real players play one live LL-HLS stream at the same time, for 60 s each, and must
// show no stall and render frames at the source's rate, and print their latency:
// hls.js 1.5.20 (what the Viewer ships) and hls.js newest, both lowLatencyMode; Shaka Player 5 with
// its low-latency mode; GStreamer's playbin3 into fake sinks. One server with the ABR ladder on, one
// real-time ffmpeg publisher (OBS-like: x264 30 fps, GOP 2 s, AAC 48 kHz) for the whole test.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { launchBrowser } from './lib/browser.mjs';

const SANITIZED = process.env.SC_TEST_SANITIZED === '1';

const require = createRequire(import.meta.url);
const version = (pkg) => require(`${pkg}/package.json`).version;
const SOURCE_FPS = 30;
const WINDOW_S = 60;

// The browser players: the library each page loads, and its label.
const BROWSER_PLAYERS = {
  hls: { label: `hls.js ${version('hls.js')}`, lib: require.resolve('hls.js/dist/hls.min.js') },
  'hls-latest': { label: `hls.js ${version('hls.js-latest')}`, lib: require.resolve('hls.js-latest/dist/hls.min.js') },
  shaka: { label: `Shaka Player ${version('shaka-player')}`, lib: require.resolve('shaka-player/dist/shaka-player.compiled.js') },
};

// Runs inside each page (serialized into it): starts the player on the <video> and records what a
// viewer would notice. Stalls count only after the first 'playing'; a 250 ms sampler of the playhead
// also catches a frozen picture or a skip that no event reports.
function pagePlayer(kind, src, anchorMs) {
  const v = document.getElementById('v');
  const m = { errors: [], fatal: [], stalls: [], waiting: 0, gapJumps: 0, started: null, levels: [],
    maxFrozenMs: 0, jumps: [], latencies: [], played: [] };
  window.m = m;
  const startAt = performance.now();
  // Latency as a viewer lives it: wall clock minus the wall clock at which the frame shown reached
  // the server (PROGRAM-DATE-TIME, mapped to media time by `anchorMs`); and the player's own figure.
  const latency = () => (Date.now() - (anchorMs + v.currentTime * 1000)) / 1000;
  let ownLatency = () => NaN;
  let target = () => NaN;
  const stall = (what) => { if (m.started !== null) m.stalls.push(`${what}@${v.currentTime.toFixed(2)}`); };
  v.addEventListener('playing', () => { if (m.started === null) m.started = performance.now(); });
  v.addEventListener('waiting', () => { if (m.started !== null) m.waiting += 1; });
  if (kind === 'hls' || kind === 'hls-latest') {
    const hls = new Hls({ lowLatencyMode: true });
    window.hls = hls;
    hls.on(Hls.Events.ERROR, (e, d) => {
      const s = `${d.type}:${d.details}${d.fatal ? ':fatal' : ''}`;
      m.errors.push(s);
      if (d.fatal) m.fatal.push(s);
      if (d.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR) stall('BUFFER_STALLED_ERROR');
    });
    hls.on(Hls.Events.MANIFEST_PARSED, (e, d) => { m.levels = d.levels.map((l) => `${l.width}x${l.height}`); });
    hls.loadSource(src);
    hls.attachMedia(v);
    ownLatency = () => hls.latency;
    target = () => hls.targetLatency;
  } else {
    shaka.polyfill.installAll();
    const player = new shaka.Player();
    window.player = player;
    // Shaka 5 defaults streaming.lowLatencyMode to true; it is set here anyway, as a deployment pins
    // what it relies on. With it, Shaka uses the EXT-X-PARTs and PART-HOLD-BACK (without it, it
    // ignores the parts and stays HOLD-BACK, 6 s, behind the live edge) and, once the playlist shows
    // parts, applies its low-latency preset (player.getConfigurationForLowLatency()) over
    // configure(): so nothing the preset sets (prefetch, update interval, retry delays) is set
    // here. liveSync (playback-rate catch-up) stays off, as hls.js's maxLiveSyncPlaybackRate does.
    // Closed-caption detection keeps its default (on): a deployment does not know its streams
    // carry no 608/708, and the server can say so itself (CLOSED-CAPTIONS=NONE).
    // abr.defaultBandwidthEstimate: Shaka's default (1 Mb/s) starts it on the 360p rung, and its
    // estimate from short parts hardly climbs, so it would never play the source, the rendition
    // hls.js plays (it starts on the first variant); a deployment sets what it expects of its
    // viewers' networks (here: the source's BANDWIDTH fits).
    player.configure({ streaming: { lowLatencyMode: true }, abr: { defaultBandwidthEstimate: 5e6 } });
    const shakaError = (d) => (d?.code === undefined ? `shaka:${String(d?.message ?? d).slice(0, 200)}`
      : `shaka:${d.category}:${d.code}${d.severity === 2 ? ':fatal' : ''}` +
        (d.data?.length ? ` ${JSON.stringify(d.data).slice(0, 200)}` : ''));
    player.addEventListener('error', (e) => {
      const s = shakaError(e.detail);
      m.errors.push(s);
      if (e.detail.severity === 2) m.fatal.push(s);
    });
    player.addEventListener('buffering', (e) => { if (e.buffering) stall('buffering'); });
    player.addEventListener('gapjumped', () => { if (m.started !== null) m.gapJumps += 1; });
    player.addEventListener('stalldetected', () => stall('stalldetected'));
    (async () => {
      await player.attach(v);
      await player.load(src);
      m.levels = player.getVariantTracks().map((t) => `${t.width}x${t.height}`);
    })().catch((err) => m.fatal.push(`load failed: ${err.code ? shakaError(err) : String(err)}`));
    ownLatency = () => (Date.now() - player.getPlayheadTimeAsDate().getTime()) / 1000;
  }
  let last = null;
  let movedAt = null;
  setInterval(() => {
    if (m.started === null) return;
    const now = performance.now();
    const t = v.currentTime;
    const size = `${v.videoWidth}x${v.videoHeight}`;
    if (m.played.at(-1) !== size) m.played.push(size);
    if (last) {
      if (t !== last.t) movedAt = now;
      // Media time ran ahead of the wall clock (content skipped) or behind it (a hiccup too short
      // for a freeze, or a jump back), by more than half a second in one sample.
      const off = (t - last.t) - (now - last.now) / 1000;
      if (Math.abs(off) > 0.5) m.jumps.push(`${off > 0 ? '+' : ''}${off.toFixed(2)}@${t.toFixed(2)}`);
    }
    movedAt ??= now;
    if (!v.paused) m.maxFrozenMs = Math.max(m.maxFrozenMs, now - movedAt);
    last = { t, now };
  }, 250);
  setInterval(() => { if (m.started !== null) m.latencies.push([latency(), ownLatency(), target()]); }, 1000);
  window.snap = () => {
    const q = v.getVideoPlaybackQuality();
    return { now: performance.now(), t: v.currentTime, total: q.totalVideoFrames, dropped: q.droppedVideoFrames,
      started: m.started !== null, startedMs: m.started === null ? NaN : m.started - startAt,
      stalls: m.stalls.length, waiting: m.waiting, gapJumps: m.gapJumps,
      maxFrozenMs: m.maxFrozenMs, jumps: m.jumps.length, nLatencies: m.latencies.length,
      visibility: document.visibilityState };
  };
}

// The page loads its player library at once and starts the player when told (window.start).
function pageHtml(kind) {
  // A small element: the picture is decoded in full, but compositing it costs less of the 2 cores
  // (neither player sizes its choice of rendition to the element by default).
  return `<!doctype html><video id="v" width="320" muted autoplay playsinline></video><script src="/player.js?${kind}"></script>
<script>window.start = (src, anchorMs) => (${pagePlayer.toString()})(${JSON.stringify(kind)}, src, anchorMs);</script>`;
}

// gst-launch playbin3 into fake sinks that sync to the clock (so frames are rendered in real time);
// the video fakesink reports every buffer (-v, silent=false): its arrival and its pts. Each media
// time maps to a wall clock through `anchorMs` (PROGRAM-DATE-TIME minus the segment's tfdt).
function startGst(uri, anchorMs) {
  const g = { frames: 0, lastWall: null, lastPts: null, maxGapMs: 0, skippedS: 0, rebuffers: 0,
    problems: [], size: null, tail: [], exited: null, windowStarted: false };
  let firstFrame;
  const spawnedAt = Date.now();
  g.firstFrame = new Promise((resolve) => { firstFrame = resolve; });
  // stdbuf: line-buffered stdout, so a frame's line arrives when the frame is rendered.
  g.proc = spawn('stdbuf', ['-oL', 'gst-launch-1.0', '-v', 'playbin3', `uri=${uri}`,
    'video-sink=fakesink name=vsink sync=true silent=false', 'audio-sink=fakesink sync=true'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  g.done = new Promise((resolve) => g.proc.on('exit', (code, signal) => {
    g.exited = { code, signal };
    firstFrame();
    resolve();
  }));
  const onLine = (line) => {
    if (/^(ERROR|WARNING)\b/.test(line) || /^Got EOS/.test(line)) g.problems.push(line.slice(0, 300));
    if (g.frames > 0 && /Buffering, setting pipeline to PAUSED/.test(line)) g.rebuffers += 1;
    const size = /h264parse\d+\.GstPad:src: caps = .*width=\(int\)(\d+), height=\(int\)(\d+)/.exec(line);
    if (size) g.size = `${size[1]}x${size[2]}`;
    const f = /vsink: last-message = chain .* pts: (\d+):(\d+):([\d.]+)/.exec(line);
    if (!f) {
      if (line.trim() && !/ caps = |last-message = event/.test(line)) g.tail = [...g.tail.slice(-19), line.slice(0, 200)];
      return;
    }
    const now = Date.now();
    const pts = Number(f[1]) * 3600 + Number(f[2]) * 60 + Number(f[3]);
    if (g.lastWall !== null && g.windowStarted) {
      if (now - g.lastWall > g.maxGapMs) [g.maxGapMs, g.maxGapAt] = [now - g.lastWall, pts];
      if (Math.abs(pts - g.lastPts) > 0.5) g.skippedS += pts - g.lastPts;
    }
    g.frames += 1;
    g.startedS ??= (now - spawnedAt) / 1000;
    firstFrame();
    g.lastWall = now;
    g.lastPts = pts;
  };
  let buf = '';
  const feed = (d) => {
    buf += d;
    for (let i; (i = buf.search(/[\r\n]/)) >= 0; buf = buf.slice(i + 1)) onLine(buf.slice(0, i));
  };
  g.proc.stdout.on('data', feed);
  g.proc.stderr.on('data', feed);
  g.snap = () => ({ now: Date.now(), startedS: g.startedS, frames: g.frames, pts: g.lastPts, maxGapMs: g.maxGapMs,
    maxGapAt: g.maxGapAt, skippedS: g.skippedS, rebuffers: g.rebuffers,
    latency: g.lastPts === null ? NaN : (g.lastWall - (anchorMs + g.lastPts * 1000)) / 1000 });
  return g;
}

// Wall clock (unix ms) of media time 0 of the source rendition: the newest segment's
// PROGRAM-DATE-TIME minus its tfdt (video is track 1 at 90 kHz, docs/hls.md).
async function mediaTimeAnchor(mediaPlaylistUrl) {
  const text = await (await fetch(mediaPlaylistUrl)).text();
  const m = [...text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n(?:#EXT-X-PART:.*\n)*#EXTINF:.*\n(seg\d+\.m4s)/g)].at(-1);
  const seg = Buffer.from(await (await fetch(new URL(m[2], mediaPlaylistUrl))).arrayBuffer());
  const i = seg.indexOf('tfdt');
  const tfdt = seg[i + 4] === 1 ? Number(seg.readBigUInt64BE(i + 8)) : seg.readUInt32BE(i + 8);
  return Date.parse(m[1]) - (tfdt / 90000) * 1000;
}

// How far the live edge (end of the newest part) is behind the wall clock by PROGRAM-DATE-TIME: up
// to a part (0.5 s) normally; more when the publisher cannot keep real time on a busy machine, which
// then adds to every player's latency as measured here.
async function edgeLag(mediaPlaylistUrl) {
  const text = await (await fetch(mediaPlaylistUrl)).text();
  const tail = text.slice(text.lastIndexOf('#EXT-X-PROGRAM-DATE-TIME:'));
  const parts = [...tail.matchAll(/#EXT-X-PART:DURATION=([\d.]+)/g)].reduce((sum, p) => sum + Number(p[1]), 0);
  return (Date.now() - Date.parse(/^#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(tail)[1])) / 1000 - parts;
}

// Media sequence number -> PROGRAM-DATE-TIME (ms) of the complete segments of a media playlist.
const segmentDates = (text) => new Map([...text.matchAll(
  /#EXT-X-PROGRAM-DATE-TIME:(\S+)\n(?:#EXT-X-PART:.*\n)*#EXTINF:.*\nseg(\d+)\.m4s/g)].map((m) => [m[2], Date.parse(m[1])]));

function variants(master) {
  return [...master.matchAll(/#EXT-X-STREAM-INF:(.*)\n(.*)/g)].map(([, attrs, uri]) => ({
    resolution: /RESOLUTION=(\d+x\d+)/.exec(attrs)?.[1], frameRate: Number(/FRAME-RATE=([\d.]+)/.exec(attrs)?.[1]), uri }));
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const counts = (list) => JSON.stringify(list.reduce((o, e) => ({ ...o, [e]: (o[e] ?? 0) + 1 }), {}));

let server, pub, pageServer, browser, gst;
after(async () => {
  await browser?.close();
  pageServer?.close();
  if (gst && gst.exited === null) {
    gst.proc.kill('SIGINT');
    // gst-launch 1.22 can hang in its shutdown after hlsdemux2 lost sync: then it is killed.
    await Promise.race([gst.done, sleep(5000, undefined, { ref: false })]);
    if (gst.exited === null) { gst.proc.kill('SIGKILL'); await gst.done; }
  }
  if (pub) { pub.proc.kill('SIGINT'); await pub.done; }
  await server?.cleanup();
});

test('hls.js 1.5 and newest, Shaka 5 and GStreamer play one live stream for 60 s at once', async (t) => {
  const started = Date.now();
  server = await startServer({ args: ['--transcode.enabled=true', '--transcode.preset=superfast'] });
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'players' });
  const src = `${server.url}/hls/${stream.id}/master.m3u8`;

  // Chromium and the pages (libraries loaded) are ready before the stream starts: on 2 cores,
  // their start would otherwise cost the real-time publisher its pace.
  const libs = Object.fromEntries(Object.entries(BROWSER_PLAYERS).map(([k, p]) => [k, readFileSync(p.lib)]));
  // Pages on another origin, as a site embedding the player would be (exercises CORS too).
  pageServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const js = url.pathname === '/player.js';
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? libs[url.search.slice(1)] : pageHtml(url.searchParams.get('player')));
  });
  await new Promise((r) => pageServer.listen(0, '127.0.0.1', r));
  browser = await launchBrowser();
  const pages = {};
  await Promise.all(Object.keys(BROWSER_PLAYERS).map(async (kind) => {
    const page = await (await browser.newContext()).newPage();
    pages[kind] = { page, pageErrors: [] };
    page.on('pageerror', (e) => pages[kind].pageErrors.push(String(e)));
    await page.goto(`http://127.0.0.1:${pageServer.address().port}/?player=${kind}`);
  }));

  // Real time (-re) for longer than the test: the stream stays live until after() stops it.
  pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 600, size: '854x480', gop: 2 * SOURCE_FPS });
  // The players join once the ladder is complete (source + 360p) and each rung lists four complete
  // segments (8 s), as viewers of a stream that has been on a little while. GStreamer 1.22 needs
  // it: on a playlist of one segment it loses sync for good (gst_hls_media_playlist_sync_to_playlist
  // never compares the reference's first segment), and it starts 4 segments from the end and polls
  // every target duration, so on a shorter playlist it starts with too little buffered to outlast
  // a poll that just misses a segment.
  const master = await waitFor(async () => {
    const r = await fetch(src);
    const text = r.status === 200 ? await r.text() : '';
    if (variants(text).length !== 2) return false;
    for (const v of variants(text)) {
      const media = await (await fetch(new URL(v.uri, src))).text();
      if ((media.match(/#EXTINF/g) ?? []).length < 4) return false;
    }
    return text;
  }, { what: 'the source and the 360p rung with four segments each', timeout: 30000, interval: 250 });
  const sourceUrl = new URL(variants(master)[0].uri, src).href;
  const anchorMs = await mediaTimeAnchor(sourceUrl);
  gst = startGst(src, anchorMs);
  await Promise.all(Object.values(pages).map(({ page }) => page.evaluate(([s, a]) => window.start(s, a), [src, anchorMs])));

  // Every player gets up to 30 s to start; the 60 s window begins once all have (or timed out).
  const startedOk = await Promise.all([
    ...Object.values(pages).map(({ page }) => page.waitForFunction(
      () => window.m?.started != null && document.getElementById('v').currentTime > 0, null, { timeout: 30000 })
      .then(() => true, () => false)),
    Promise.race([gst.firstFrame, sleep(30000, undefined, { ref: false })]).then(() => gst.frames > 0),
  ]);
  const snapAll = async () => {
    const out = { gst: gst.snap(), edgeLag: await edgeLag(sourceUrl) };
    await Promise.all(Object.entries(pages).map(async ([kind, { page }]) => {
      out[kind] = await page.evaluate(() => window.snap());
    }));
    return out;
  };
  gst.windowStarted = true;
  const t0 = await snapAll();
  console.log(`# all players started (${startedOk.join(', ')}) ${fmt((Date.now() - started) / 1000, 1)} s into the test; ` +
    `${WINDOW_S} s of playback follow; live edge ${fmt(t0.edgeLag)} s behind the wall clock`);
  await sleep(WINDOW_S * 1000); // the 60 s of playback under test
  const t1 = await snapAll();
  console.log(`# live edge ${fmt(t1.edgeLag)} s behind the wall clock at the end`);
  const details = {};
  await Promise.all(Object.entries(pages).map(async ([kind, { page }]) => {
    details[kind] = await page.evaluate((n0) => ({ ...window.m, latencies: window.m.latencies.slice(n0) }), t0[kind].nLatencies);
  }));
  // Every condition a player broke, at once (not only the first), so a failure shows all of them.
  const verdict = (checks) => assert.deepEqual(checks.filter(([ok]) => !ok).map(([, what]) => what), []);
  // Under ASan+UBSan (a debug build several times slower) the server cannot keep a live ladder in
  // real time on two cores, so what is about time (real time, stalls, rates) is printed, not
  // asserted; what is about correctness still is. The release build asserts everything.
  const timed = (checks) => {
    if (!SANITIZED) return checks;
    for (const [ok, what] of checks) if (!ok) console.log(`# (sanitizer build, not asserted) ${what}`);
    return [];
  };

  const masterAfter = await (await fetch(src)).text();
  // Matching content carries matching dates in every rendition (RFC 8216bis 6.2.4); players that
  // map renditions by PROGRAM-DATE-TIME (Shaka) see gaps at a switch otherwise.
  const [sourceDates, rungDates] = await Promise.all(variants(master).map(
    async (v) => segmentDates(await (await fetch(new URL(v.uri, src))).text())));
  const dateDiffs = [...sourceDates].filter(([n]) => rungDates.has(n)).map(([n, d]) => rungDates.get(n) - d);
  // The server drops a rung when the transcoder falls behind (a busy machine): its playlist is then
  // a 404 and a player on it may fail; said here, so that a player failure can be read right.
  const droppedRungs = server.log.split('\n').filter((l) => /rung .* dropped|not transcoding/.test(l));
  if (droppedRungs.length) console.log(`# the server dropped a rung during the test: ${droppedRungs.join(' | ')}`);

  await t.test('the stream keeps real time with the ladder on: the 854x480 source and a 640x360 rung at 30 fps', () => {
    const list = variants(master);
    assert.deepEqual(list.map((v) => v.resolution), ['854x480', '640x360'], master);
    for (const v of list) assert.ok(Math.abs(v.frameRate - SOURCE_FPS) < 0.5, master);
    assert.deepEqual(droppedRungs, [], 'no rung dropped');
    assert.ok(dateDiffs.length > 0 && dateDiffs.every((d) => d === 0),
      `the same PROGRAM-DATE-TIME on both rungs for the same segment: 360p minus source ${JSON.stringify(dateDiffs)} ms`);
    // A live edge late on the wall clock means the publisher (or the server) lost real time, which
    // every player below then suffers: this machine was too busy for the test to say much.
    verdict(timed([[Math.max(t0.edgeLag, t1.edgeLag) < 1.5,
      `the live edge kept real time: ${fmt(t0.edgeLag)} s, ${fmt(t1.edgeLag)} s behind`]]));
    assert.deepEqual(variants(masterAfter).map((v) => v.resolution), ['854x480', '640x360'], masterAfter);
  });

  for (const [kind, { label }] of Object.entries(BROWSER_PLAYERS)) {
    await t.test(`${label} plays 60 s without a stall at 30 fps`, () => {
      const [a, b, d] = [t0[kind], t1[kind], details[kind]];
      const wallS = (b.now - a.now) / 1000;
      const decoded = b.total - a.total;
      const dropped = b.dropped - a.dropped;
      const fps = decoded / wallS;
      const played = b.t - a.t;
      const lat = d.latencies.map((l) => l[0]).filter(Number.isFinite);
      const latency = median(lat);
      const growth = median(lat.slice(-5)) - median(lat.slice(0, 5));
      console.log(`# ${label}: played ${d.played.join(' -> ') || 'nothing'} (levels ${d.levels.join(' ') || 'none'}), started ` +
        `${fmt(a.startedMs / 1000, 1)} s after it was started, ${fmt(fps, 1)} fps decoded (${decoded} frames, ${dropped} ` +
        `dropped in ${fmt(wallS, 1)} s), currentTime +${fmt(played, 1)} s, stalls ${b.stalls} [${d.stalls.slice(0, 6).join(' ')}], ` +
        `waiting ${b.waiting}, longest freeze ${fmt(b.maxFrozenMs / 1000)} s, playhead jumps [${d.jumps.join(' ')}], gap ` +
        `jumps ${b.gapJumps}, latency ${fmt(latency)} s (${fmt(Math.min(...lat))}..${fmt(Math.max(...lat))}, grew ` +
        `${fmt(growth)} s; the player's own ` +
        `figure ${fmt(median(d.latencies.map((l) => l[1])))} s, its target ${fmt(median(d.latencies.map((l) => l[2])))} s), ` +
        `errors ${counts(d.errors)}${b.visibility !== 'visible' ? `, page ${b.visibility}` : ''}` +
        (pages[kind].pageErrors.length ? `, page errors ${pages[kind].pageErrors.join(' | ')}` : ''));
      verdict([
        [d.fatal.length === 0, `no fatal player error: ${d.fatal.join(' | ')}`],
        [a.started, 'started playing within 30 s'],
        [[...d.levels].sort().join() === '640x360,854x480', `sees both rungs: ${d.levels}`],
        ...timed([
          [d.stalls.length === 0, `no stall after playback started: ${d.stalls.join(' ')}`],
          [b.waiting === 0, `no 'waiting' after playback started: ${b.waiting}`],
          [b.maxFrozenMs < 1000, `the playhead never stood still for 1 s: ${fmt(b.maxFrozenMs / 1000)} s`],
          [d.jumps.length === 0 && b.gapJumps === 0, `no playhead jump: [${d.jumps.join(' ')}], ${b.gapJumps} gap jumps`],
          [fps >= SOURCE_FPS * 0.9, `frames decoded at the source rate: ${fmt(fps, 1)} fps`],
          // Dropped = decoded but not composited in time: headless Chromium sharing 2 cores with the
          // server, the transcoder, ffmpeg and three other players drops a few percent (hls.js 1.5
          // remuxes on the page's main thread); what the server controls is the decoded rate above.
          [dropped <= decoded * 0.10, `few frames dropped (10% at most): ${dropped} of ${decoded}`],
          [played >= wallS * (55 / 60), `currentTime advanced ${fmt(played, 1)} s in ${fmt(wallS, 1)} s`],
        ]),
        // The latency is printed, not bounded: none of these players catches up by default, so it is
        // the target (PART-HOLD-BACK, 0.813 s at 30 fps) plus whatever the start took on a loaded machine; falling
        // behind during the window shows in currentTime above.
      ]);
    });
  }

  await t.test('GStreamer playbin3 plays 60 s without a stall at 30 fps', () => {
    const [a, b] = [t0.gst, t1.gst];
    const wallS = (b.now - a.now) / 1000;
    const frames = b.frames - a.frames;
    const fps = frames / wallS;
    const ptsAdvance = b.pts - a.pts;
    const skippedS = b.skippedS - a.skippedS;
    const rebuffers = b.rebuffers - a.rebuffers;
    // GStreamer 1.22's hlsdemux2 knows no EXT-X-PART: it plays whole segments, HOLD-BACK behind.
    console.log(`# GStreamer playbin3: ${gst.size}, started ${fmt(a.startedS, 1)} s after launch, ${fmt(fps, 1)} fps ` +
      `rendered (${frames} frames in ${fmt(wallS, 1)} s), pts ${fmt(a.pts, 1)} -> ${fmt(b.pts, 1)} s, rebuffers ${rebuffers}, ` +
      `longest gap between frames ${fmt(b.maxGapMs / 1000)} s (before pts ${fmt(b.maxGapAt, 1)} s), skipped ` +
      `${fmt(skippedS)} s, latency ${fmt(b.latency)} s ` +
      `(${fmt(a.latency)} s at the start), errors/warnings ${gst.problems.length}` +
      (gst.problems.length ? `: ${gst.problems.slice(0, 3).join(' | ')}` : ''));
    verdict([
      [gst.exited === null, `gst-launch kept running: ${JSON.stringify(gst.exited)}`],
      [a.frames > 0, `rendered frames within 30 s; its last lines:\n${gst.tail.join('\n')}`],
      [gst.problems.length === 0, `no ERROR, WARNING or EOS from the pipeline: ${gst.problems.join(' | ')}`],
      [rebuffers === 0, `no rebuffering after playback started: ${rebuffers}`],
      [b.maxGapMs < 1000, `no frame more than 1 s after the one before: ${fmt(b.maxGapMs / 1000)} s`],
      [Math.abs(skippedS) < 0.5, `no content skipped: ${fmt(skippedS)} s`],
      [fps >= SOURCE_FPS * 0.9, `frames rendered at the source rate: ${fmt(fps, 1)} fps`],
      [ptsAdvance >= wallS * (55 / 60), `media time advanced ${fmt(ptsAdvance, 1)} s in ${fmt(wallS, 1)} s`],
    ]);
  });
  console.log(`# players test wall time ${fmt((Date.now() - started) / 1000, 1)} s`);
});
