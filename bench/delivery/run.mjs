// bench/delivery: K simulated LL-HLS players of one ~500 kb/s rendition on loopback, Stagecast
// (blocking playlist reloads, parts from memory) against nginx serving the same playlist, parts
// and segments from files (its players poll), in one run. See README.md.
//
//   node bench/delivery/run.mjs                        # K = 1000 and 5000, 20 s measured each
//   VIEWERS=5000 SECONDS=30 node bench/delivery/run.mjs
//   HOLD=5000 VIEWERS= node bench/delivery/run.mjs     # only the held-request memory figure
// Environment: VIEWERS (comma list), SECONDS (20), WARMUP (5), RAMP_MS (5000), HOLD (5000, 0 to
// skip), LATE_MS (0 = one part target), SID (1: Stagecast's players carry the playback token and
// a session id like real playback URLs; each playlist is then that viewer's copy), IO_THREADS
// (Stagecast's threads.io; default one per core), NGINX_WORKERS (2), SC_ARGS (more server flags,
// space-separated), BENCH_BIN, LOADGEN_THREADS (2: one thread cannot keep up with 5,000 blocking
// players, whose requests all come in the burst after a part; README.md), JSON (write the results
// there).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const BIN = process.env.BENCH_BIN ?? join(ROOT, 'build/src/app/stagecast');
const env = (k, d) => (process.env[k] === undefined ? d : process.env[k]);
const VIEWERS = String(env('VIEWERS', '1000,5000')).split(',').filter(Boolean).map(Number);
const SECONDS = Number(env('SECONDS', 20));
const WARMUP = Number(env('WARMUP', 5));
const RAMP_MS = Number(env('RAMP_MS', 5000));
const HOLD = Number(env('HOLD', 5000));
const LATE_MS = Number(env('LATE_MS', 0));
const SID = env('SID', '0') === '1';
const IO_THREADS = env('IO_THREADS', '');
const NGINX_WORKERS = Number(env('NGINX_WORKERS', 2));
const SC_ARGS = String(env('SC_ARGS', '')).split(' ').filter(Boolean);
const LOADGEN_THREADS = Number(env('LOADGEN_THREADS', 2));
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef0123';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the load generator ---
const loadgen = join(HERE, 'loadgen');
const sources = [join(HERE, 'loadgen.cpp'), join(HERE, '..', 'common', 'llhls_client.h')];
if (!existsSync(loadgen) || sources.some((s) => statSync(s).mtimeMs > statSync(loadgen).mtimeMs)) {
  const r = spawnSync('g++', ['-O2', '-std=c++20', '-Wall', '-Wextra', sources[0], '-o', loadgen, '-lpthread'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const runLoadgen = (args) => new Promise((resolve, reject) => {
  const p = spawn(loadgen, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`loadgen exited ${code}: ${out}`))));
});

const work = mkdtempSync(join(tmpdir(), 'bench-delivery-'));
const children = [];
const stopAll = () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); };
process.on('exit', stopAll);

// --- the stream: about 500 kb/s (430k video, 64k audio), 2 s GOPs, real time from a looped file ---
const media = join(work, 'source.flv');
spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '430k', '-maxrate', '430k', '-bufsize', '860k', '-g', '60', '-bf', '0',
  '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', media], { stdio: 'inherit' });

// --- Stagecast ---
const dataDir = mkdtempSync(join(work, 'data-'));
const portsFile = join(dataDir, 'ports.json');
const sc = spawn(BIN, ['--http.port=0', '--rtmp.port=0', '--webrtc.enabled=false', `--server.data_dir=${dataDir}`, `--ports-file=${portsFile}`,
  `--auth.admin_api_key=${ADMIN_KEY}`, '--transcode.enabled=false', '--record.enabled=false', '--log.level=warn',
  ...(IO_THREADS ? [`--threads.io=${IO_THREADS}`] : []), ...SC_ARGS], { stdio: ['ignore', 'ignore', 'inherit'] });
children.push(sc);
while (!existsSync(portsFile)) await sleep(50);
const ports = JSON.parse(readFileSync(portsFile, 'utf8'));
const scUrl = `http://127.0.0.1:${ports.http}`;
const api = async (method, path, body, headers = {}) => {
  const r = await fetch(scUrl + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body ? JSON.stringify(body) : undefined });
  return r.json();
};
const email = `bench-${Date.now()}@example.com`;
await api('POST', '/api/auth/register', { email, password: 'bench password 1', displayName: 'Bench', role: 'ARTIST' });
const login = await api('POST', '/api/auth/login', { email, password: 'bench password 1' });
await api('PUT', `/api/admin/users/${login.user.id}`, { role: 'ARTIST', stripeAccountId: 'acct_bench' }, { 'x-api-key': ADMIN_KEY });
const stream = await api('POST', '/api/livestream', { title: 'bench delivery', visibility: 'PUBLIC' }, { authorization: `Bearer ${login.token}` });
const pub = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', media, '-c', 'copy', '-f', 'flv',
  `rtmp://127.0.0.1:${ports.rtmp}/live/${stream.streamKey}`], { stdio: 'ignore' });
children.push(pub);
let playlist, scQuery = '';
for (;;) {
  const playback = await api('POST', `/api/livestream/${stream.id}/playback`);
  const m = await fetch(playback.url);
  if (m.status === 200) {
    const rendition = (await m.text()).split('\n').find((l) => l && !l.startsWith('#')).split('/')[0];
    playlist = `/hls/${stream.id}/${rendition}/index.m3u8`;
    if (SID) scQuery = new URL(playback.url).search.slice(1);
    break;
  }
  await sleep(200);
}

// --- nginx: the same files, written by the mirror ---
const nginxDir = join(work, 'nginx');
const www = join(nginxDir, 'www');
mkdirSync(join(nginxDir, 'logs'), { recursive: true });
mkdirSync(www, { recursive: true });
const nginxPort = await new Promise((resolve) => {
  import('node:net').then(({ createServer }) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
});
writeFileSync(join(nginxDir, 'nginx.conf'), `
user root;
worker_processes ${NGINX_WORKERS};
worker_rlimit_nofile 40000;
daemon off;
error_log ${nginxDir}/logs/error.log warn;
pid ${nginxDir}/nginx.pid;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${nginxDir}; proxy_temp_path ${nginxDir}; fastcgi_temp_path ${nginxDir}; uwsgi_temp_path ${nginxDir}; scgi_temp_path ${nginxDir};
  sendfile on; tcp_nopush off; tcp_nodelay on;
  keepalive_timeout 120s; keepalive_requests 1000000;
  types { application/vnd.apple.mpegurl m3u8; video/mp4 mp4 m4s; }
  server {
    listen 127.0.0.1:${nginxPort} backlog=4096;
    root ${www};
    add_header Access-Control-Allow-Origin * always;
    # Parts and segments never change once written: their descriptors are cached. The playlist
    # is replaced (renamed over) every part, so it is opened afresh for every request.
    location ~ \\.m3u8$ { add_header Cache-Control "max-age=1"; add_header Access-Control-Allow-Origin * always; }
    location ~ \\.(m4s|mp4)$ { open_file_cache max=2000 inactive=20s; open_file_cache_valid 60s;
      add_header Cache-Control "max-age=31536000, immutable"; add_header Access-Control-Allow-Origin * always; }
  }
}
`);
const nginx = spawn('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')], { stdio: 'inherit' });
children.push(nginx);

const mirror = spawn(loadgen, ['--mode=mirror', `--port=${ports.http}`, `--playlist=${playlist}`, `--mirror-root=${www}`], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(mirror);
let mirrorOut = '';
mirror.stdout.on('data', (d) => { mirrorOut += d; });

for (;;) {
  try {
    if ((await fetch(`http://127.0.0.1:${nginxPort}${playlist}`)).status === 200) break;
  } catch { /* not yet */ }
  await sleep(200);
}
await sleep(4000);  // a few segments in the window on both
const nginxPids = () => [nginx.pid, ...readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
  try { return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(nginx.pid); } catch { return false; }
}).map(Number)];

const common = [`--playlist=${playlist}`, `--seconds=${SECONDS}`, `--warmup=${WARMUP}`, `--ramp-ms=${RAMP_MS}`, `--threads=${LOADGEN_THREADS}`,
  ...(LATE_MS ? [`--late-ms=${LATE_MS}`] : [])];
let hold = null;
// First, on the fresh server: memory freed by a load would be reused by the held requests.
if (HOLD > 0) {
  hold = await runLoadgen(['--mode=hold', `--port=${ports.http}`, `--pids=${sc.pid}`, `--viewers=${HOLD}`, `--playlist=${playlist}`]);
  console.log(JSON.stringify({ server: 'stagecast', ...hold }));
}

// Completion, as the clock of the playlist's dates shows it: what a lone player of an idle
// Stagecast sees (its held reload answered as the part is published, then the part fetched),
// measured before the load. Every delay below is taken relative to it (README.md).
const calibration = await runLoadgen(['--mode=blocking', `--port=${ports.http}`, '--viewers=1', `--playlist=${playlist}`, '--seconds=6', '--warmup=1', '--ramp-ms=0']);
const offset = calibration.delayMs.p50;
console.log(JSON.stringify({ calibration: calibration.delayMs, parts: calibration.parts }));
const shift = (x) => { for (const k of Object.keys(x.delayMs)) x.delayMs[k] -= offset; return x; };

const results = [];
for (const k of VIEWERS) {
  // PERF=file: a CPU profile of Stagecast over its measured window (perf record -g).
  const perf = process.env.PERF && setTimeout(() => {
    children.push(spawn('perf', ['record', '-F', String(process.env.PERF_FREQ ?? 199), '--call-graph', 'dwarf,16384', '-o', process.env.PERF, '-p', String(sc.pid), '--', 'sleep', String(Math.min(5, SECONDS))], { stdio: 'ignore' }));
  }, RAMP_MS + WARMUP * 1000);
  const s = await runLoadgen(['--mode=blocking', `--port=${ports.http}`, `--pids=${sc.pid}`, `--viewers=${k}`, ...(scQuery ? [`--query=${scQuery}`] : []), ...common]);
  console.log(JSON.stringify({ server: 'stagecast', ...s }));
  await sleep(3000);  // the closed connections' sockets drain
  const n = await runLoadgen(['--mode=poll', `--port=${nginxPort}`, `--pids=${nginxPids().join(',')}`, `--viewers=${k}`, ...common]);
  console.log(JSON.stringify({ server: 'nginx', ...n }));
  results.push({ k, stagecast: shift(s), nginx: shift(n) });
  await sleep(3000);
}

mirror.kill('SIGTERM');
await new Promise((r) => mirror.on('exit', r));
const mirrorStats = mirrorOut.trim() ? JSON.parse(mirrorOut.trim().split('\n').pop()) : null;
nginx.kill('SIGTERM');
pub.kill('SIGKILL');
sc.kill('SIGTERM');
await Promise.all([nginx, sc].map((p) => new Promise((r) => (p.exitCode !== null ? r() : p.on('exit', r)))));

// --- the table ---
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const ratio = (a, b) => (b ? (a / b).toFixed(2) : '-');
console.log(`\nbench/delivery: one ${f(results[0]?.stagecast.partTargetMs ?? 0, 0)} ms-part rendition (~500 kb/s), ${SECONDS} s measured after ${RAMP_MS / 1000} s ramp + ${WARMUP} s warm-up; ` +
  `on time = within ${f(results[0]?.stagecast.lateMs ?? 0, 0)} ms of completion; Stagecast players block (${SID ? 'token+sid in every URL' : 'no query'}), nginx players poll every part target`);
console.log('| K | server | held on time | parts/s | CPU cores | CPU/viewer (µs/s) | RSS/viewer (KB) | p50 ms | p99 ms | max ms | errors |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  for (const [name, x] of [['Stagecast', r.stagecast], ['nginx', r.nginx]]) {
    console.log(`| ${r.k} | ${name} | ${x.held}/${x.viewers} | ${f(x.partsPerSecond, 0)} | ${f(x.serverCores, 2)} | ${f(x.cpuPerViewerUs)} | ${f(x.rssPerViewerKb, 2)} | ${f(x.delayMs.p50)} | ${f(x.delayMs.p99)} | ${f(x.delayMs.max)} | ${x.errors + x.missing} |`);
  }
  const a = r.stagecast, b = r.nginx;
  console.log(`| ${r.k} | ratio S/n | ${ratio(a.held, b.held)} | ${ratio(a.partsPerSecond, b.partsPerSecond)} | ${ratio(a.serverCores, b.serverCores)} | ${ratio(a.cpuPerViewerUs, b.cpuPerViewerUs)} | ${ratio(a.rssPerViewerKb, b.rssPerViewerKb)} | ${ratio(a.delayMs.p50, b.delayMs.p50)} | ${ratio(a.delayMs.p99, b.delayMs.p99)} | ${ratio(a.delayMs.max, b.delayMs.max)} | |`);
}
console.log(`completion: a lone player of the idle Stagecast received parts ${f(offset)} ms after the end their playlist dates give (p50; max ${f(calibration.delayMs.max)}); delays above are from that point`);
if (mirrorStats) console.log(`mirror (Stagecast → nginx's files): ${mirrorStats.parts} parts, written ${f(mirrorStats.delayMs.p50 - offset)} ms (p50) / ${f(mirrorStats.delayMs.p99 - offset)} ms (p99) after completion (over the whole run, loads included)`);
if (hold) {
  console.log(`held playlist requests: ${hold.connections} connections, RSS ${hold.rssKb.none} KB → ${hold.rssKb.idle} KB idle → ${hold.rssKb.held} KB with ${hold.sent} held ` +
    `(${hold.answeredWhenSampled} answered when sampled; ${hold.ok} answered 200 after ${f(hold.heldSeconds, 1)} s): ` +
    `${f(hold.bytesPerConnection / 1024, 2)} KB per idle connection, ${f(hold.bytesPerHeldRequest / 1024, 2)} KB per held request; threads ${hold.threads.none} → ${hold.threads.held}`);
}
const out = { viewers: VIEWERS, seconds: SECONDS, sid: SID, completionOffsetMs: offset, calibration, results, hold, mirror: mirrorStats };
if (process.env.JSON) writeFileSync(process.env.JSON, JSON.stringify(out, null, 2));
rmSync(work, { recursive: true, force: true });
