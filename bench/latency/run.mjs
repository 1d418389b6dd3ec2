// Glass-to-glass latency, Stagecast (LL-HLS) against nginx-rtmp (classic HLS), in one run on the
// same load: one publisher (publisher.mjs: frames stamped with Date.now() as a block pattern,
// x264 + AAC, RTMP to both servers through ffmpeg's tee muxer) and two hls.js pages open at once
// in one headless Chromium (player.html), each reading the stamp back from every frame it shows.
// For each encoder profile: after a warm-up, --seconds of measurement; then p50/p90/p99/max of
// (shown - captured), stalls, frames, hls.js's own latency/targetLatency, and Stagecast/nginx.
//
//
// --versus-old: instead of nginx-rtmp, a second Stagecast on the old defaults (--old-sc-args) played
// with the old Viewer settings (--old-hls-config), against this build's defaults played with the
// Viewer's settings (web/static/js/hls_live_config.js): both fed the same packets, both pages open
// at once; hls.latency p50/p99/max and stalls for each, new / old.
//
// usage: node bench/latency/run.mjs [--seconds 180] [--warmup 20] [--join 10] [--profiles zerolatency,obs]
//          [--size 960x540] [--fps 30] [--hls-config '{...}'] [--bin build/src/app/stagecast] [--sc-args '--a=b ...']
//          [--nginx-fragment 1s] [--nginx-playlist 4s] [--json out.json] [--wait-idle] [--keep] [--no-audio]
//          [--versus-old [--old-sc-args '...'] [--old-hls-config '{...}']]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import http from 'node:http';
import { GOP_FRAMES } from './publisher.mjs';

const argv = process.argv.slice(2);
const arg = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const SECONDS = Number(arg('seconds', 180));
const WARMUP = Number(arg('warmup', 20));
const JOIN = Number(arg('join', 10));
const PROFILES = arg('profiles', 'zerolatency,obs').split(',');
for (const p of PROFILES) if (!GOP_FRAMES[p]) { console.error(`unknown profile ${p} (zerolatency, obs, obs2s)`); process.exit(2); }
const SIZE = arg('size', '960x540');
const FPS = Number(arg('fps', 30));
const NGINX_FRAGMENT = arg('nginx-fragment', '1s');
const NGINX_PLAYLIST = parseFloat(arg('nginx-playlist', '4s'));
// nginx-rtmp deletes a playlist not rewritten for hls_playlist_length (its cleanup: max age of a
// .m3u8 = playlist length) and rewrites it only when a fragment closes, at a key frame: with
// OBS's 250-frame GOP (8.3 s fragments) a 4 s playlist is deleted between updates and every
// player gets 404s. So each profile has its own application, the playlist at least 1.5 GOPs.
const nginxPlaylist = (profile) => Math.max(NGINX_PLAYLIST, Math.ceil(1.5 * GOP_FRAMES[profile] / FPS));
const HERE = new URL('.', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;
process.env.SC_TEST_BIN = arg('bin', process.env.SC_TEST_BIN ?? join(ROOT, 'build/src/app/stagecast'));
const VERSUS = argv.includes('--versus-old');
// The defaults before issue #18 (at c00b4dc): 250 ms parts, PART-HOLD-BACK of 3 part targets, and
// the Viewer's hls.js at lowLatencyMode + maxLiveSyncPlaybackRate 1.5. Flags that set them
// explicitly, so the old server stays old whatever this build's defaults become.
const OLD_SC_ARGS = arg('old-sc-args', '--hls.part_ms=250 --hls.part_hold_back_percent=300 --hls.delta_updates=false');
const OLD_HLS_CONFIG = arg('old-hls-config', '{"lowLatencyMode":true,"maxLiveSyncPlaybackRate":1.5,"backBufferLength":30}');
// The Viewer's settings, loaded as the module it is (web/ has no package.json "type").
const viewerConfigSource = readFileSync(join(ROOT, 'web/static/js/hls_live_config.js'), 'utf8');
const { HLS_LIVE_CONFIG } = await import(`data:text/javascript,${encodeURIComponent(viewerConfigSource)}`);

// The integration tests' helpers and packages (playwright-core, hls.js), reused by path.
const { StagecastProcess } = await import('../../tests/integration/lib/server.mjs');
const { verifiedArtist, createStream } = await import('../../tests/integration/lib/fixtures.mjs');
const requireIt = createRequire(join(ROOT, 'tests/integration/package.json'));
const { chromium } = requireIt('playwright-core');
const hlsJsPath = requireIt.resolve('hls.js/dist/hls.min.js');
const hlsVersion = JSON.parse(readFileSync(requireIt.resolve('hls.js/package.json'), 'utf8')).version;

// --- is the machine idle? (figures from a shared machine mean nothing) ---
const busy = () => ['ninja', 'node --test'].filter((p) => spawnSync('pgrep', p === 'ninja' ? ['-x', p] : ['-f', p]).status === 0);
for (;;) {
  const b = busy();
  if (!b.length) break;
  if (!argv.includes('--wait-idle')) { console.warn(`WARNING: ${b.join(', ')} running: the figures will not be those of an idle machine`); break; }
  console.log(`waiting for ${b.join(', ')} to finish...`);
  await sleep(30000);
}
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

const work = mkdtempSync(join(tmpdir(), 'stagecast-latency-'));
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });

// --- CPU: this process's descendants by kind, and the whole machine, from /proc ---
const CLK_TCK = 100;
function procTable() {
  const rows = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      rows.push({ pid: Number(d), comm, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK });
    } catch { /* gone */ }
  }
  return rows;
}
function cpuByKind(kindOf) {
  const rows = procTable();
  const children = new Map();
  for (const r of rows) { if (!children.has(r.ppid)) children.set(r.ppid, []); children.get(r.ppid).push(r); }
  const out = {};
  const walk = (pid, kind) => {
    for (const r of children.get(pid) ?? []) {
      const k = kindOf(r) ?? kind;
      if (k) out[k] = (out[k] ?? 0) + r.cpu;
      walk(r.pid, k);
    }
  };
  walk(process.pid, null);
  return out;
}
function selfCpu() { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { busy: f.reduce((a, b) => a + b, 0) - idle, total: f.reduce((a, b) => a + b, 0) };
}

// --- nginx-rtmp: its own prefix and configuration, in the foreground, killed by pid ---
// (not started with --versus-old)
const nginxRtmp = await freePort();
const nginxHttp = await freePort();
const nginxDir = join(work, 'nginx');
for (const p of PROFILES) mkdirSync(join(nginxDir, 'hls', p), { recursive: true });
mkdirSync(join(nginxDir, 'logs'), { recursive: true });
writeFileSync(join(nginxDir, 'nginx.conf'), `
load_module modules/ngx_rtmp_module.so;
user root;
worker_processes 1;
daemon off;
error_log ${nginxDir}/logs/error.log info;
pid ${nginxDir}/nginx.pid;
events { worker_connections 1024; }
rtmp { server { listen 127.0.0.1:${nginxRtmp}; chunk_size 4096;
${PROFILES.map((p) => `  application ${p} { live on; record off; hls on; hls_path ${nginxDir}/hls/${p}; hls_fragment ${NGINX_FRAGMENT}; hls_playlist_length ${nginxPlaylist(p)}s; }`).join('\n')} } }
http { access_log off; client_body_temp_path ${nginxDir}; proxy_temp_path ${nginxDir}; fastcgi_temp_path ${nginxDir}; uwsgi_temp_path ${nginxDir}; scgi_temp_path ${nginxDir};
  server { listen 127.0.0.1:${nginxHttp};
    location /hls/ { alias ${nginxDir}/hls/; types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
      add_header Cache-Control no-cache; add_header Access-Control-Allow-Origin * always; } } }
`);
// `modules/` is relative to the prefix: link Debian's module directory into it.
spawnSync('ln', ['-s', '/usr/lib/nginx/modules', join(nginxDir, 'modules')]);
const nginx = VERSUS ? { exitCode: 0, pid: -1 } : spawn('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')], { stdio: 'inherit' });

// --- Stagecast, on its defaults (the test harness's start: ephemeral ports, own data dir,
// the ABR ladder off, as bench/ingest runs it; --sc-args adds or overrides flags) ---
const extra = arg('sc-args', '').split(' ').filter(Boolean);
const sc = new StagecastProcess({ args: ['--http.access_log=false', '--log.level=warn', ...extra] });
await sc.start();
const artist = await verifiedArtist(sc, 'Latency bench');
// --versus-old: the same binary on the old defaults.
const old = VERSUS ? new StagecastProcess({ args: ['--http.access_log=false', '--log.level=warn', ...OLD_SC_ARGS.split(' ').filter(Boolean)] }) : null;
if (old) await old.start();
const oldArtist = old ? await verifiedArtist(old, 'Latency bench') : null;

// --- the page: player.html, pattern.mjs and hls.js from another origin (CORS, as an embed) ---
const files = {
  '/': ['text/html', readFileSync(join(HERE, 'player.html'))],
  '/pattern.mjs': ['text/javascript', readFileSync(join(HERE, 'pattern.mjs'))],
  '/hls.min.js': ['text/javascript', readFileSync(hlsJsPath)],
  '/hls_live_config.js': ['text/javascript', readFileSync(join(ROOT, 'web/static/js/hls_live_config.js'))],
};
const pageServer = http.createServer((req, res) => {
  const f = files[new URL(req.url, 'http://x').pathname];
  if (!f) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': f[0] }); res.end(f[1]);
});
await new Promise((r) => pageServer.listen(0, '127.0.0.1', r));
// --hls-config '{"maxLiveSyncPlaybackRate":1.5}': more hls.js settings, for both players (not the default).
// With --versus-old the new page gets the Viewer's settings plus these, the old page --old-hls-config.
const HLS_CONFIG = arg('hls-config', '{}');
JSON.parse(HLS_CONFIG);
JSON.parse(OLD_HLS_CONFIG);
const NEW_HLS_CONFIG = VERSUS ? JSON.stringify({ ...HLS_LIVE_CONFIG, ...JSON.parse(HLS_CONFIG) }) : HLS_CONFIG;
const pageUrl = (src, config = NEW_HLS_CONFIG, viewer = VERSUS) => `http://127.0.0.1:${pageServer.address().port}/?src=${encodeURIComponent(src)}&hls=${encodeURIComponent(config)}${viewer ? '&viewer=1' : ''}`;

// lib/browser.mjs's flags, plus no throttling of the page that is not in front.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
  ],
});

let publisher = null;
async function shutdown() {
  try { publisher?.kill('SIGTERM'); } catch { /* gone */ }
  await browser.close().catch(() => {});
  pageServer.close();
  await sc.cleanup();
  await old?.cleanup();
  if (nginx.exitCode === null) {
    const gone = new Promise((r) => nginx.on('exit', r));
    nginx.kill('SIGTERM');
    if (await Promise.race([gone.then(() => true), sleep(5000).then(() => false)]) === false) nginx.kill('SIGKILL');
  }
  if (!ok) console.error(`stagecast log:\n${sc.log.slice(-3000)}`);
  if (!ok && old) console.error(`old stagecast log:\n${old.log.slice(-3000)}`);
  // nginx-rtmp's own account of the publishes (info level: publish, disconnects, errors).
  try {
    const log = readFileSync(join(nginxDir, 'logs/error.log'), 'utf8').split('\n')
      .filter((l) => /\[(error|crit|alert|emerg|warn)\]|publish:|disconnect/.test(l) && !/open\(\) .* failed \(2: No such file/.test(l));
    if (log.length) console.log(`nginx error.log (publishes, disconnects, errors; 404s left out):\n  ${log.slice(-30).join('\n  ')}`);
  } catch { /* none */ }
  if (argv.includes('--keep')) console.log(`work directory kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
let ok = false;
process.on('SIGINT', async () => { await shutdown(); process.exit(130); });

async function waitFor(fn, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try { if (await fn()) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const median = (xs) => { const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b); return s.length ? pct(s, 50) : NaN; };

function summarize(name, last, samples, latency, seconds) {
  const lat = samples.map(([cap, shown]) => shown - cap).sort((a, b) => a - b);
  const disp = samples.map(([cap, , d]) => d - cap).sort((a, b) => a - b);
  // Frames the publisher made that this player never showed (gaps in the stamps), and frames shown twice.
  const caps = samples.map((s) => s[0]);
  let skipped = 0; let repeated = 0; const period = 1000 / FPS;
  for (let i = 1; i < caps.length; i++) {
    const d = caps[i] - caps[i - 1];
    if (d <= 0) repeated++;
    else if (d > 1.5 * period) skipped += Math.round(d / period) - 1;
  }
  // Every 10 s of the window: p50 glass-to-glass, and hls.js's latency, buffer and rate (--json).
  const series = [];
  const start = samples.length ? samples[0][1] : 0;
  for (let t = 0; t < seconds; t += 10) {
    const inBucket = (ms) => ms >= start + t * 1000 && ms < start + (t + 10) * 1000;
    const l = samples.filter((x) => inBucket(x[1])).map(([c, sh]) => sh - c);
    const h = latency.filter((x) => inBucket(x[0]));
    series.push({ t, p50: median(l), hlsLatency: median(h.map((x) => x[1])), targetLatency: median(h.map((x) => x[2])), playbackRate: median(h.map((x) => x[3])), bufferAhead: median(h.map((x) => x[4])) });
  }
  // Where a drift of the latency comes from: the player's clock (media seconds per wall second)
  // or the stream's timeline (capture ms per media ms: > 1 when the encoder's timestamps run slow).
  const first = samples[0]; const lastS = samples[samples.length - 1];
  const mediaClock = latency.length > 1 ? (latency[latency.length - 1][5] - latency[0][5]) * 1000 / (latency[latency.length - 1][0] - latency[0][0]) : NaN;
  const stampsPerMedia = samples.length > 1 ? (lastS[0] - first[0]) / ((lastS[3] - first[3]) * 1000) : NaN;
  const drift = samples.length > 1 ? ((lastS[1] - lastS[0]) - (first[1] - first[0])) / 1000 : NaN;
  return {
    series, mediaClock, stampsPerMedia, drift,
    server: name, frames: lat.length, expectedFrames: Math.round(seconds * FPS), skipped, repeated,
    unreadable: last.unreadable, marginal: last.marginal, reader: last.reader, readerError: last.readerError,
    p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: lat[lat.length - 1], min: lat[0],
    mean: lat.reduce((a, b) => a + b, 0) / lat.length, p50Display: pct(disp, 50),
    waiting: last.waiting, stalledErrors: last.stalledErrors, stallMs: last.stallMs, fatal: last.fatal, otherErrors: last.otherErrors,
    hlsLatency: median(latency.map((l) => l[1])), hlsTargetLatency: median(latency.map((l) => l[2])),
    hlsLatencyMax: Math.max(...latency.map((l) => l[1]).filter(Number.isFinite)),
    ...hlsLatencyPercentiles(latency),
    bufferAhead: median(latency.map((l) => l[4])),
  };
}

// hls.latency (the player's distance to the live edge, sampled once a second) over the window.
function hlsLatencyPercentiles(latency) {
  const xs = latency.map((l) => l[1]).filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  if (!xs.length) return { hlsLatencyP50: NaN, hlsLatencyP99: NaN, hlsLatencySamples: 0 };
  return { hlsLatencyP50: pct(xs, 50), hlsLatencyP99: pct(xs, 99), hlsLatencySamples: xs.length };
}

async function runProfile(profile) {
  const stream = await createStream(sc, artist, { title: `latency ${profile}` });
  const nginxName = `lat-${profile}`;
  const scSrc = `${sc.url}/hls/${stream.id}/master.m3u8`;
  const oldStream = old ? await createStream(old, oldArtist, { title: `latency ${profile}` }) : null;
  // The second player: the old Stagecast (--versus-old) or nginx-rtmp.
  const otherName = old ? 'old' : 'nginx-rtmp';
  const otherSrc = old ? `${old.url}/hls/${oldStream.id}/master.m3u8` : `http://127.0.0.1:${nginxHttp}/hls/${profile}/${nginxName}.m3u8`;
  const otherRtmp = old ? `${old.rtmpUrl}/${oldStream.streamKey}` : `rtmp://127.0.0.1:${nginxRtmp}/${profile}/${nginxName}`;
  const nginxSrc = otherSrc;
  publisher = spawn(process.execPath, [join(HERE, 'publisher.mjs'), '--profile', profile, '--size', SIZE, '--fps', String(FPS), ...(argv.includes('--no-audio') ? ['--no-audio'] : []),
    '--url', `${sc.rtmpUrl}/${stream.streamKey}`, '--url', otherRtmp], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pubStats = null;
  let pubBuf = '';
  publisher.stdout.on('data', (d) => {
    pubBuf += d;
    let i;
    while ((i = pubBuf.indexOf('\n')) >= 0) { try { pubStats = JSON.parse(pubBuf.slice(0, i)); } catch { /* partial */ } pubBuf = pubBuf.slice(i + 1); }
  });
  const pubExit = new Promise((r) => publisher.on('exit', r));

  await waitFor(async () => (await fetch(scSrc)).status === 200, 'the Stagecast playlist');
  await waitFor(async () => (await fetch(nginxSrc)).status === 200, `the ${otherName} playlist`);
  // Fans join a stream that is already live: the pages open once both servers have some of it
  // (a player opened on the first part starts from the stream's first second, whatever hold-back).
  await sleep(JOIN * 1000);
  const players = [];
  const firstName = old ? 'new' : 'stagecast';
  for (const [name, src] of [[firstName, scSrc], [otherName, nginxSrc]]) {
    const context = await browser.newContext({ viewport: { width: 400, height: 300 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`${name} page: ${e.message}`));
    players.push({ name, context, page, samples: [], latency: [], last: null });
  }
  // Both pages open at the same moment.
  await Promise.all(players.map((p) => p.page.goto(p.name === firstName ? pageUrl(scSrc) : pageUrl(nginxSrc, old ? OLD_HLS_CONFIG : HLS_CONFIG, false))));
  const startT = Date.now();
  await Promise.all(players.map((p) => p.page.waitForFunction(() => window.bench?.started(), null, { timeout: 60000, polling: 200 })
    .then(() => { p.startup = (Date.now() - startT) / 1000; })));
  console.log(`[${profile}] playing (first frame read after ${players.map((p) => `${p.name} ${p.startup.toFixed(1)} s`).join(', ')}); warm-up ${WARMUP} s`);
  await sleep(WARMUP * 1000);

  const cpu0 = { kinds: cpuByKind(kindOf), machine: machineCpu(), self: selfCpu(), t: Date.now() };
  // What the warm-up saw (startup and the first seconds), then counting starts from zero.
  await Promise.all(players.map(async (p) => {
    const w = await p.page.evaluate(() => { const r = window.bench.take(); window.bench.reset(); return r; });
    p.warmup = { waiting: w.waiting, stalledErrors: w.stalledErrors, fatal: w.fatal.length };
  }));
  const t0 = Date.now();
  const pubAtStart = pubStats;
  const take = async (p) => {
    const r = await p.page.evaluate(() => window.bench.take());
    p.samples.push(...r.samples); p.latency.push(...r.latency); p.last = r;
  };
  let nextReport = t0 + 30000;
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(Math.min(5000, t0 + SECONDS * 1000 - Date.now()));
    await Promise.all(players.map(take));
    if (Date.now() >= nextReport || Date.now() - t0 >= SECONDS * 1000) {
      nextReport += 30000;
      const recent = (p) => median(p.samples.slice(-150).map(([c, s]) => s - c));
      const recentHls = (p) => median(p.latency.slice(-5).map((l) => l[1]));
      console.log(`[${profile}] ${((Date.now() - t0) / 1000).toFixed(0)} s: ` + players.map((p) =>
        `${p.name} ${p.samples.length} frames, last 5 s p50 ${(recent(p) / 1000).toFixed(2)} s (hls.latency ${recentHls(p).toFixed(2)} s), stalls ${p.last.waiting}/${p.last.stalledErrors}`).join('; ') +
        (pubStats ? `; publisher late frames ${pubStats.late}, backlog ${pubStats.backlogFrames?.toFixed(1)}` : ''));
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const cpu1 = { kinds: cpuByKind(kindOf), machine: machineCpu(), self: selfCpu(), t: Date.now() };
  const results = players.map((p) => ({ ...summarize(p.name, p.last, p.samples, p.latency, seconds), startup: p.startup, warmup: p.warmup }));
  for (const p of players) await p.context.close();
  publisher.kill('SIGTERM');
  await Promise.race([pubExit, sleep(5000)]);
  publisher = null;

  const wall = (cpu1.t - cpu0.t) / 1000;
  const cpu = Object.fromEntries(Object.keys(cpu1.kinds).map((k) => [k, (cpu1.kinds[k] - (cpu0.kinds[k] ?? 0)) / wall]));
  const machine = (cpu1.machine.busy - cpu0.machine.busy) / (cpu1.machine.total - cpu0.machine.total);
  // Everything not this run's (other people's builds and tests): the machine's busy cores less ours.
  const own = Object.values(cpu).reduce((a, b) => a + b, 0) + (cpu1.self - cpu0.self) / wall;
  cpu.others = Math.max(0, machine * cpus().length - own);
  // Frames the publisher made more than a frame period late during the window (5 s resolution).
  const lateInWindow = (pubStats?.late ?? 0) - (pubAtStart?.late ?? 0);
  return { profile, seconds, results, cpu, machineBusy: machine, publisher: { ...pubStats, lateInWindow } };
}

function kindOf(r) {
  if (r.pid === sc.proc.pid) return 'stagecast';
  if (old && r.pid === old.proc.pid) return 'stagecast-old';
  if (r.pid === nginx.pid) return 'nginx';
  if (r.comm === 'ffmpeg') return 'ffmpeg';
  if (r.pid === publisher?.pid) return 'publisher';
  if (/chrom/i.test(r.comm)) {
    let type = 'browser';
    try { type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${r.pid}/cmdline`, 'utf8'))?.[1] ?? 'browser'; } catch { /* gone */ }
    return `chromium-${type}`;
  }
  return null;
}

const s = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const out = [];
try {
  for (const profile of PROFILES) {
    console.log(`\n== ${profile}: ${SIZE}@${FPS}, warm-up ${WARMUP} s, measure ${SECONDS} s`);
    out.push(await runProfile(profile));
    await sleep(3000);
  }
  ok = true;
} finally {
  await shutdown();
}

console.log(`\nglass-to-glass: frame made at the publisher (Date.now() in its picture) -> the same frame given to`);
console.log(`the compositor in Chromium (requestVideoFrameCallback); hls.js ${hlsVersion} lowLatencyMode${HLS_CONFIG !== '{}' ? ` + ${HLS_CONFIG}` : ''}, nginx-rtmp hls_fragment ${NGINX_FRAGMENT}, hls_playlist_length ${PROFILES.map((p) => `${nginxPlaylist(p)}s (${p})`).join(', ')}`);
for (const r of out) {
  console.log(`\n${r.profile} (${r.seconds.toFixed(0)} s measured, machine ${(r.machineBusy * 100).toFixed(0)}% busy; cpu in % of a core: ` +
    Object.entries(r.cpu).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(', ') +
    `; publisher: frames more than 1/${FPS} s late ${r.publisher.lateInWindow} in the window, ${r.publisher.late ?? '-'} of ${r.publisher.frames ?? '-'} in all, stdin backlog at most ${r.publisher.maxBacklogFrames?.toFixed(0) ?? '-'} frames)`);
  console.log('server        frames  p50     p90     p99     max    | stalls (waiting / BUFFER_STALLED_ERROR, time) | hls.latency target | not shown, twice, unreadable');
  for (const x of r.results) {
    console.log(`${x.server.padEnd(12)} ${String(x.frames).padStart(6)}  ${s(x.p50).padStart(5)} s ${s(x.p90).padStart(5)} s ${s(x.p99).padStart(5)} s ${s(x.max).padStart(5)} s | ` +
      `${String(x.waiting).padStart(3)} / ${String(x.stalledErrors).padStart(3)}, ${s(x.stallMs)} s${' '.repeat(22)}| ${s(x.hlsLatency * 1000).padStart(5)} s ${s(x.hlsTargetLatency * 1000).padStart(5)} s | ` +
      `${String(x.skipped).padStart(5)} ${String(x.repeated).padStart(5)} ${String(x.unreadable).padStart(5)}` +
      (x.fatal.length ? `  FATAL: ${x.fatal.join(', ')}` : '') +
      (Object.keys(x.otherErrors).length ? `  errors: ${Object.entries(x.otherErrors).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''));
  }
  console.log(`  warm-up (not counted above): ${r.results.map((x) => `${x.server} first frame after ${x.startup.toFixed(1)} s, stalls ${x.warmup.waiting} / ${x.warmup.stalledErrors}`).join('; ')}`);
  console.log(`  drift over the window: ${r.results.map((x) => `${x.server} ${x.drift >= 0 ? '+' : ''}${x.drift.toFixed(2)} s (player clock ${x.mediaClock.toFixed(4)} media s per s, stream ${x.stampsPerMedia.toFixed(4)} capture ms per media ms)`).join('; ')}`);
  console.log(`  stamp read with ${r.results.map((x) => `${x.server}: ${x.reader}${x.readerError ? ` (${x.readerError})` : ''}`).join(', ')}`);
  console.log(`  p50 to expectedDisplayTime instead of the callback's Date.now(): ${r.results.map((x) => `${x.server} ${s(x.p50Display)} s`).join(', ')}`);
  const [a, b] = r.results;
  console.log(`ratio ${a.server}/${b.server}: p50 ${(a.p50 / b.p50).toFixed(2)}, p90 ${(a.p90 / b.p90).toFixed(2)}, p99 ${(a.p99 / b.p99).toFixed(2)}, max ${(a.max / b.max).toFixed(2)}`);
  console.log('hls.latency over the window (once a second): player   p50     p99     max    | stalls (waiting / BUFFER_STALLED_ERROR) | target');
  for (const x of r.results) {
    console.log(`${' '.repeat(46)}${x.server.padEnd(8)} ${s(x.hlsLatencyP50 * 1000).padStart(5)} s ${s(x.hlsLatencyP99 * 1000).padStart(5)} s ${s(x.hlsLatencyMax * 1000).padStart(5)} s | ` +
      `${String(x.waiting).padStart(3)} / ${String(x.stalledErrors).padStart(3)}${' '.repeat(28)} | ${s(x.hlsTargetLatency * 1000)} s`);
  }
  console.log(`  hls.latency ratio ${a.server}/${b.server}: p50 ${(a.hlsLatencyP50 / b.hlsLatencyP50).toFixed(2)}, p99 ${(a.hlsLatencyP99 / b.hlsLatencyP99).toFixed(2)}`);
}
if (VERSUS) {
  console.log(`\nnew: this build's defaults ${extra.length ? `+ ${extra.join(' ')} ` : ''}and the Viewer's hls.js settings ${NEW_HLS_CONFIG}`);
  console.log(`old: ${OLD_SC_ARGS} and hls.js ${OLD_HLS_CONFIG}`);
  for (const r of out) {
    const x = r.results[0];
    const stalls = x.waiting + x.stalledErrors;
    console.log(`goal (${r.profile}: hls.latency <= 1.5 s at p99, no stall): new p99 ${s(x.hlsLatencyP99 * 1000)} s, stalls ${stalls} -> ${x.hlsLatencyP99 <= 1.5 && stalls === 0 ? 'MET' : 'NOT MET'}`);
  }
}
const obs = out.find((r) => r.profile === 'obs');
if (obs && !VERSUS) {
  const x = obs.results[0];
  const stalls = x.waiting + x.stalledErrors;
  console.log(`\ngoal (OBS defaults: Stagecast p50 < 2.0 s, no stall): p50 ${s(x.p50)} s, stalls ${stalls} -> ${x.p50 < 2000 && stalls === 0 ? 'MET' : 'NOT MET'}`);
}
const json = arg('json');
if (json) writeFileSync(json, JSON.stringify({ size: SIZE, fps: FPS, warmup: WARMUP, join: JOIN, hlsJs: hlsVersion, hlsConfig: JSON.parse(NEW_HLS_CONFIG), ...(VERSUS ? { old: { scArgs: OLD_SC_ARGS, hlsConfig: JSON.parse(OLD_HLS_CONFIG) } } : {}), runs: out }, null, 2));
process.exit(0);
