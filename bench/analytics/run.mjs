// bench/analytics: what counting viewers costs HLS delivery (docs/analytics.md). One run starts
// Stagecast with session tracking off (analytics.hls_sessions=false: no session id in playback
// URLs, no observer) and on, alternately (off, on, off, on), each time with the same live stream
// (ffmpeg publishing a looped file with -c copy) and the same load: VIEWERS simulated LL-HLS
// players (loadgen.cpp) doing blocking playlist reloads and part fetches. Prints requests per
// second for each and the ratio on/off (goal >= 0.95).
//
//   node bench/analytics/run.mjs           # 5,000 viewers, 2 rounds of 20 s measured each
//   VIEWERS=1000 SECONDS=10 ROUNDS=1 node bench/analytics/run.mjs
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const BIN = process.env.BENCH_BIN ?? join(ROOT, 'build/src/app/stagecast');
const VIEWERS = Number(process.env.VIEWERS ?? 5000);
const SECONDS = Number(process.env.SECONDS ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const IO_THREADS = Number(process.env.IO_THREADS ?? 1);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef0123';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const loadgen = join(HERE, 'loadgen');
const sources = [join(HERE, 'loadgen.cpp'), join(HERE, '..', 'common', 'llhls_client.h')];
if (!existsSync(loadgen) || sources.some((s) => statSync(s).mtimeMs > statSync(loadgen).mtimeMs)) {
  const r = spawnSync('g++', ['-O2', '-std=c++20', '-Wall', '-Wextra', join(HERE, 'loadgen.cpp'), '-o', loadgen, '-lpthread'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'bench-analytics-'));
const media = join(work, 'source.flv');
spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-bf', '0', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', media], { stdio: 'inherit' });

async function startServer(tracking) {
  const dataDir = mkdtempSync(join(work, 'data-'));
  const ports = join(dataDir, 'ports.json');
  const proc = spawn(BIN, ['--http.port=0', '--rtmp.port=0', '--webrtc.enabled=false', `--server.data_dir=${dataDir}`, `--ports-file=${ports}`,
    `--auth.admin_api_key=${ADMIN_KEY}`, '--transcode.enabled=false', '--record.enabled=false', `--threads.io=${IO_THREADS}`,
    `--analytics.hls_sessions=${tracking}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  while (!existsSync(ports)) await sleep(50);
  const p = JSON.parse(readFileSync(ports, 'utf8'));
  const url = `http://127.0.0.1:${p.http}`;
  const api = async (method, path, body, headers = {}) => {
    const r = await fetch(url + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body ? JSON.stringify(body) : undefined });
    return r.json();
  };
  const email = `bench-${Date.now()}@example.com`;
  await api('POST', '/api/auth/register', { email, password: 'bench password 1', displayName: 'Bench', role: 'ARTIST' });
  const login = await api('POST', '/api/auth/login', { email, password: 'bench password 1' });
  await api('PUT', `/api/admin/users/${login.user.id}`, { role: 'ARTIST', stripeAccountId: 'acct_bench' }, { 'x-api-key': ADMIN_KEY });
  const stream = await api('POST', '/api/livestream', { title: 'bench', visibility: 'PUBLIC' }, { authorization: `Bearer ${login.token}` });
  const pub = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', media, '-c', 'copy', '-f', 'flv',
    `rtmp://127.0.0.1:${p.rtmp}/live/${stream.streamKey}`], { stdio: 'ignore' });
  let playback;
  for (;;) {
    playback = await api('POST', `/api/livestream/${stream.id}/playback`);
    const m = await fetch(playback.url);
    if (m.status === 200) {
      const rendition = (await m.text()).split('\n').find((l) => l && !l.startsWith('#')).split('/')[0];
      const u = new URL(playback.url);
      return {
        proc, pub, port: p.http, hasSid: u.searchParams.has('sid'),
        playlist: `/hls/${stream.id}/${rendition}/index.m3u8`, token: encodeURIComponent(u.searchParams.get('token')),
        stop: async () => { pub.kill('SIGKILL'); proc.kill('SIGTERM'); await new Promise((r) => proc.on('exit', r)); },
      };
    }
    await sleep(200);
  }
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // utime + stime, clock ticks of 10 ms
}

const results = { off: [], on: [] };
for (let round = 0; round < ROUNDS; ++round) {
  for (const mode of ['off', 'on']) {
    const s = await startServer(mode === 'on');
    if (s.hasSid !== (mode === 'on')) throw new Error(`playback URL sid presence wrong in mode ${mode}`);
    await sleep(3000);  // a few segments in the window
    const cpu0 = cpuSeconds(s.proc.pid);
    const t0 = Date.now();
    const lg = spawnSync(loadgen, [`--port=${s.port}`, `--playlist=${s.playlist}`, `--token=${s.token}`, ...(mode === 'on' ? ['--sid'] : []),
      `--viewers=${VIEWERS}`, '--ramp-ms=5000', '--warmup=5', `--seconds=${SECONDS}`], { encoding: 'utf8' });
    const cpu = (cpuSeconds(s.proc.pid) - cpu0) / ((Date.now() - t0) / 1000);
    let metrics = '';
    try { metrics = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text(); } catch { /* gone */ }
    await s.stop();
    const line = JSON.parse(lg.stdout.trim().split('\n').pop());
    line.serverCores = Number(cpu.toFixed(2));
    results[mode].push(line);
    console.log(JSON.stringify({ round, mode, ...line }));
    if (lg.stderr) process.stderr.write(lg.stderr);
    void metrics;
  }
}
const mean = (xs, k) => xs.reduce((n, x) => n + x[k], 0) / xs.length;
const off = mean(results.off, 'requestsPerSecond');
const on = mean(results.on, 'requestsPerSecond');
console.log(JSON.stringify({
  viewers: VIEWERS, rounds: ROUNDS, seconds: SECONDS, ioThreads: IO_THREADS,
  offRequestsPerSecond: Number(off.toFixed(1)), onRequestsPerSecond: Number(on.toFixed(1)),
  ratio: Number((on / off).toFixed(3)), goal: 0.95,
  offServerCores: Number(mean(results.off, 'serverCores').toFixed(2)), onServerCores: Number(mean(results.on, 'serverCores').toFixed(2)),
  errors: { off: results.off.reduce((n, x) => n + x.errors, 0), on: results.on.reduce((n, x) => n + x.errors, 0) },
}));
rmSync(work, { recursive: true, force: true });
