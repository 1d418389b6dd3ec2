// WHIP ingest against RTMP ingest, in one run on the same machine (issue 12's benchmark):
//
//  1. Cost and delay: the same 720p30 content (ffmpeg's testsrc2 and a tone, x264 veryfast
//     zerolatency at 2.5 Mb/s, a key frame every 2 s) published over RTMP (ffmpeg, AAC) and then
//     over WHIP (werift fed by ffmpeg, Opus, so the server's Opus to AAC is included), one at a
//     time for --seconds each: the server's CPU per publisher (from /proc), and for every LL-HLS
//     part, the time from the arrival of its media to the part being fetchable: a blocking
//     playlist reload waits for each new part, and its end on the wall clock is the playlist's
//     EXT-X-PROGRAM-DATE-TIME plus the durations before it (the date is anchored on the arrival
//     of the stream's first frame, and both publishers pace their media in real time).
//  2. Glass to glass: a Chromium page draws Date.now() as a block pattern into a canvas every
//     frame and publishes its captureStream() over WHIP; two pages play it at once, one over
//     WHEP (the Viewer's web/static/js/whep_player.js) and one over LL-HLS with hls.js
//     (bench/latency/player.html), and read the pattern back from every frame they show. Then an
//     RTMP publisher drawing the same pattern (bench/latency/publisher.mjs, x264 zerolatency) is
//     watched over WHEP.
//
// usage: node bench/webrtc/run.mjs [--seconds 30] [--g2g-seconds 60] [--g2g-only]
//                                  [--bin build/src/app/stagecast]
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';

const argv = process.argv.slice(2);
const arg = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const SECONDS = Number(arg('seconds', 30));
const G2G_SECONDS = Number(arg('g2g-seconds', 60));
const G2G_ONLY = argv.includes('--g2g-only');
const ROOT = new URL('../../', import.meta.url).pathname;
process.env.SC_TEST_BIN = arg('bin', process.env.SC_TEST_BIN ?? join(ROOT, 'build/src/app/stagecast'));

const { StagecastProcess } = await import('../../tests/integration/lib/server.mjs');
const { verifiedArtist, createStream } = await import('../../tests/integration/lib/fixtures.mjs');
const { weriftPublish } = await import('../../tests/integration/lib/werift_publisher.mjs');
const requireIt = createRequire(join(ROOT, 'tests/integration/package.json'));
const { chromium } = requireIt('playwright-core');

const busy = ['ninja', 'node --test'].filter((p) => spawnSync('pgrep', p === 'ninja' ? ['-x', p] : ['-f', p]).status === 0);
if (busy.length) console.warn(`WARNING: ${busy.join(', ')} running: the figures will not be those of an idle machine`);

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]; };
const fmt = (xs) => (xs.length ? `p50 ${pct(xs, 50).toFixed(0)} ms, p90 ${pct(xs, 90).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms (${xs.length} samples)` : 'no samples');

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // utime + stime, clock ticks of 10 ms
}

async function waitFor(fn, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try { if (await fn()) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// The wall-clock end of the newest part of a media playlist (see the header).
function newestPartEnd(text) {
  const pdt = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text);
  let seconds = 0; let trailing = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXTINF:')) { seconds += Number(line.slice(8).split(',')[0]); trailing = 0; }
    if (line.startsWith('#EXT-X-PART:')) trailing += Number(/DURATION=([\d.]+)/.exec(line)[1]);
  }
  return Date.parse(pdt[1]) + (seconds + trailing) * 1000;
}

// Follows a media playlist part by part with blocking reloads until `until`.
async function partDelays(url, until) {
  const delays = [];
  let text = await (await fetch(url)).text();
  while (Date.now() < until) {
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part(\d+)\.(\d+)\.m4s/.exec(text);
    if (!hint) { await sleep(100); text = await (await fetch(url)).text(); continue; }
    const res = await fetch(`${url}?_HLS_msn=${hint[1]}&_HLS_part=${hint[2]}`);
    const arrived = Date.now();
    text = await res.text();
    if (text.includes(`part${hint[1]}.${hint[2]}.m4s`)) delays.push(arrived - newestPartEnd(text));
  }
  return delays;
}

const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
  '-g', '60', '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k'];

const sc = await new StagecastProcess({ args: ['--transcode.enabled=false', '--webrtc.max_bitrate_kbps=4000', '--http.access_log=false'] }).start();
const artist = await verifiedArtist(sc);
const results = {};

async function ingestPhase(kind) {
  const stream = await createStream(sc, artist, { title: `bench ${kind}` });
  let stop;
  if (kind === 'rtmp') {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', ...x264, '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
      '-f', 'flv', `${stream.rtmpUrl}/${stream.streamKey}`], { stdio: 'ignore' });
    stop = async () => { ff.kill('SIGKILL'); };
  } else {
    const pub = await weriftPublish(stream.whipUrl, stream.streamKey, { size: '1280x720', kbps: 2500 });
    if (pub.status !== 201) throw new Error(`WHIP ${pub.status} ${pub.body}`);
    stop = () => pub.stop();
  }
  await waitFor(async () => (await sc.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', 'LIVE');
  const media = `${sc.url}/hls/${stream.id}/source/index.m3u8`;
  await waitFor(async () => /#EXTINF/.test(await (await fetch(media)).text()), 'a segment');
  await sleep(5000);
  const cpu0 = cpuSeconds(sc.proc.pid); const t0 = Date.now();
  const delays = await partDelays(media, Date.now() + SECONDS * 1000);
  const cpu = (cpuSeconds(sc.proc.pid) - cpu0) / ((Date.now() - t0) / 1000);
  await stop();
  await sc.api('POST', `/api/livestream/${stream.id}/end`, { token: artist.token });
  results[kind] = { cpu, delays };
  console.log(`${kind.padEnd(4)}: server CPU ${(cpu * 100).toFixed(1)}% of a core; arrival to fetchable part ${fmt(delays)}`);
}

// One glass-to-glass player page: hls.js on LL-HLS, or the Viewer's WHEP client (?whep=).
async function openPlayer(origin, query) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${origin}/player.html?${query}`);
  await waitFor(() => page.evaluate(() => window.bench.started()), 'playback', 30000);
  return page;
}

function report(label, taken) {
  const g2g = taken.samples.map(([cap, shown]) => shown - cap);
  const hlsLatency = taken.latency.map((l) => l[1]).filter(Number.isFinite);
  console.log(`glass to glass, ${label} (${G2G_SECONDS} s): ${fmt(g2g)}, max ${g2g.length ? Math.max(...g2g) : '-'} ms; ` +
    `frames unreadable ${taken.unreadable}; stalls ${taken.waiting} (${taken.stallMs} ms)` +
    (hlsLatency.length ? `; hls.latency p50 ${pct(hlsLatency, 50)?.toFixed(2)} s` : ''));
  return g2g;
}

let browser;
try {
  if (!G2G_ONLY) {
    await ingestPhase('rtmp');
    await ingestPhase('whip');
    const r = results.rtmp; const w = results.whip;
    console.log(`WHIP/RTMP: CPU ${(w.cpu / r.cpu).toFixed(2)}x; part delay p50 ${(pct(w.delays, 50) - pct(r.delays, 50)).toFixed(0)} ms more, p99 ${(pct(w.delays, 99) - pct(r.delays, 99)).toFixed(0)} ms more (goal: < 100 ms)`);
  }

  // Glass to glass: one WHIP publisher watched at once over WHEP and over LL-HLS, then an RTMP
  // publisher (bench/latency/publisher.mjs, x264 zerolatency) watched over WHEP.
  const hlsJs = requireIt.resolve('hls.js/dist/hls.min.js');
  const files = {
    '/publisher.html': [join(ROOT, 'bench/webrtc/publisher.html'), 'text/html'],
    '/player.html': [join(ROOT, 'bench/latency/player.html'), 'text/html'],
    '/pattern.mjs': [join(ROOT, 'bench/latency/pattern.mjs'), 'text/javascript'],
    '/whep_player.js': [join(ROOT, 'web/static/js/whep_player.js'), 'text/javascript'],
    '/hls.min.js': [hlsJs, 'text/javascript'],
  };
  const pages = http.createServer((req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (!f) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': f[1] }).end(readFileSync(f[0]));
  });
  await new Promise((res) => pages.listen(0, '127.0.0.1', res));
  const origin = `http://127.0.0.1:${pages.address().port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'] });

  const stream = await createStream(sc, artist, { title: 'bench glass to glass' });
  const pub = await (await browser.newContext()).newPage();
  await pub.goto(`${origin}/publisher.html`);
  await pub.evaluate(([u, t]) => window.publish(u, t), [stream.whipUrl, stream.streamKey]);
  await waitFor(async () => (await sc.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', 'LIVE');
  const whepPlayer = await openPlayer(origin, `whep=${encodeURIComponent(`${sc.url}/whep/${stream.id}`)}`);
  const hlsPlayer = await openPlayer(origin, `src=${encodeURIComponent(`${sc.url}/hls/${stream.id}/master.m3u8`)}`);
  await sleep(15000);
  await Promise.all([whepPlayer.evaluate(() => window.bench.reset()), hlsPlayer.evaluate(() => window.bench.reset())]);
  await sleep(G2G_SECONDS * 1000);
  const whipWhep = report('WHIP into WHEP', await whepPlayer.evaluate(() => window.bench.take()));
  const whipHls = report('WHIP into LL-HLS (hls.js lowLatencyMode)', await hlsPlayer.evaluate(() => window.bench.take()));
  await whepPlayer.context().close();
  await hlsPlayer.context().close();
  await pub.context().close();
  await sc.api('POST', `/api/livestream/${stream.id}/end`, { token: artist.token });

  const rtmp = await createStream(sc, artist, { title: 'bench glass to glass RTMP' });
  const rtmpPub = spawn('node', [join(ROOT, 'bench/latency/publisher.mjs'), '--profile', 'zerolatency', '--size', '1280x720',
    '--url', `${rtmp.rtmpUrl}/${rtmp.streamKey}`, '--seconds', String(G2G_SECONDS + 60)], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitFor(async () => (await sc.api('GET', `/api/livestream/${rtmp.id}`)).body.status === 'LIVE', 'LIVE over RTMP');
    const rtmpWhep = await openPlayer(origin, `whep=${encodeURIComponent(`${sc.url}/whep/${rtmp.id}`)}`);
    await sleep(10000);
    await rtmpWhep.evaluate(() => window.bench.reset());
    await sleep(G2G_SECONDS * 1000);
    const rtmpG2g = report('RTMP (x264 zerolatency) into WHEP', await rtmpWhep.evaluate(() => window.bench.take()));
    await rtmpWhep.context().close();
    console.log(`WHIP->WHEP p50 ${pct(whipWhep, 50)?.toFixed(0)} ms (goal < 300 ms) vs WHIP->LL-HLS p50 ${pct(whipHls, 50)?.toFixed(0)} ms: ` +
      `${(pct(whipHls, 50) / pct(whipWhep, 50)).toFixed(1)}x lower; RTMP->WHEP p50 ${pct(rtmpG2g, 50)?.toFixed(0)} ms`);
  } finally {
    rtmpPub.kill('SIGKILL');
  }
  pages.close();
} finally {
  await browser?.close();
  await sc.cleanup();
}
