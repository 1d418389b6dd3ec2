// What recording costs, side by side on the same load: K ffmpeg publishers (-re -stream_loop -1
// -c copy, 720p30 2.5 Mb/s + AAC) into each of four servers at once:
//   stagecast, record.enabled=false         (live LL-HLS only)
//   stagecast, record.enabled=true (local)  (live LL-HLS + segments, playlists and the MP4)
//   nginx-rtmp, record off                  (live HLS only)
//   nginx-rtmp, record all                  (live HLS + one FLV per stream)
// After --warmup seconds, --rounds consecutive windows of --seconds each: per window the CPU per
// stream of each server (cgroup run time in ns, see cpuMeter) and what recording adds to each;
// then the median over the windows, their spread, and the ratio. The four servers carry the same
// load at the same moments, so every window compares like with like. Also memory per stream
// and bytes written to disk (/proc/<pid>/io write_bytes) against the media bytes received.
//
// usage: node bench/recording/run.mjs [--streams K] [--rounds R] [--seconds S per round]
//          [--warmup W] [--perf FILE] [--bin path/to/stagecast]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, rmSync, existsSync, mkdirSync, rmdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { StagecastProcess } from '../../tests/integration/lib/server.mjs';
import { verifiedArtist, createStream } from '../../tests/integration/lib/fixtures.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const K = Number(arg('streams', 4));
const SECONDS = Number(arg('seconds', 40));   // per round
const ROUNDS = Number(arg('rounds', 1));
const WARMUP = Number(arg('warmup', 6));     // seconds of load before the first round counts
process.env.SC_TEST_BIN = arg('bin', new URL('../../build/src/app/stagecast', import.meta.url).pathname);
const work = mkdtempSync(join(tmpdir(), 'stagecast-recbench-'));
const PAGE = 4096;

const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
const childrenOf = (pid) => spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);

// CPU: each server's processes go into a cgroup of their own (cgroup v1 cpuacct, or v2), whose
// counter is the scheduler's run time in nanoseconds, summed over every thread, those that
// exited included. /proc/<pid>/stat's utime+stime are 10 ms ticks charged to whoever runs at a
// tick: a sample, too coarse for the 0.0x % of a core that recording adds. Without a writable
// cgroup the threads' own run times (/proc/<pid>/task/*/schedstat, ns) are summed instead, and
// a thread that exits between two readings is missed.
const CGROUP_ROOTS = ['/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'];
let cgroupSeq = 0;
function cpuMeter(pids) {
  for (const root of CGROUP_ROOTS) {
    const v1 = existsSync(join(root, 'cpuacct.usage'));
    if (!v1 && !existsSync(join(root, 'cpu.stat'))) continue;
    const dir = join(root, `stagecast-recbench-${process.pid}-${cgroupSeq++}`);
    try {
      mkdirSync(dir);
      for (const pid of pids) writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    } catch {
      try { rmdirSync(dir); } catch { /* not made */ }
      continue;
    }
    return {
      kind: 'cgroup',
      read: () => (v1 ? Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')) / 1e9
                      : Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))[1]) / 1e6),
      close: () => {
        try {
          for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
            writeFileSync(join(root, 'cgroup.procs'), pid);
          rmdirSync(dir);
        } catch { /* left for the next boot */ }
      },
    };
  }
  return { kind: 'schedstat', read: () => threadTime(pids), close: () => {} };
}
function threadTime(pids) {
  let ns = 0;
  for (const pid of pids) {
    let tasks = [];
    try { tasks = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const t of tasks) {
      try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* exited */ }
    }
  }
  return ns / 1e9;
}

function usage(pids) {
  let rss = 0; let written = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      rss += Number(f[21]) * PAGE;
      written += Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
    } catch { /* exited */ }
  }
  return { rss, written };
}

const source = join(work, 'source.flv');
spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-b:v', '2500k', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', source], { stdio: 'inherit' });
const sourceBytesPerSecond = statSync(source).size / 20;

async function startNginx(name, record) {
  const rtmp = await freePort();
  const dir = join(work, record ? 'nginx-record' : 'nginx-live');
  spawnSync('mkdir', ['-p', join(dir, 'hls'), join(dir, 'rec'), join(dir, 'logs')]);
  writeFileSync(join(dir, 'nginx.conf'), `
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
user root;
worker_processes 1;
daemon off;
error_log ${dir}/logs/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
rtmp { server { listen 127.0.0.1:${rtmp}; chunk_size 4096;
  application live { live on; ${record ? `record all; record_path ${dir}/rec; record_unique on;` : 'record off;'} hls on; hls_path ${dir}/hls; hls_fragment 2s; hls_playlist_length 12s; } } }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${await freePort()}; } }
`);
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
  await sleep(300);
  return { name, rtmpPort: rtmp, pids: () => [proc.pid, ...childrenOf(proc.pid)], urls: Array.from({ length: K }, (_, i) => `rtmp://127.0.0.1:${rtmp}/live/s${i}`), stop: () => proc.kill('SIGQUIT') };
}

async function startStagecast(name, record) {
  // Every publisher comes from 127.0.0.1 at the same moment: more than rtmp.max_pending_per_address
  // (8) handshakes at once from one address, which the server rightly refuses from a stranger.
  const sc = new StagecastProcess({ args: ['--http.access_log=false', '--log.level=warn', `--record.enabled=${record}`,
    `--rtmp.max_pending_per_address=${Math.max(8, K)}`] });
  await sc.start();
  const artist = await verifiedArtist(sc, 'Bench');
  const urls = [];
  const ids = [];
  for (let i = 0; i < K; i++) {
    const s = await createStream(sc, artist, { title: `bench ${i}` });
    urls.push(`${sc.rtmpUrl}/${s.streamKey}`);
    ids.push(s.id);
  }
  // How many of its streams the server has live.
  const live = async () => {
    let n = 0;
    for (const id of ids) {
      const r = await sc.api('GET', `/api/livestream/${id}`, { token: artist.token });
      if (/^live$/i.test(r.body?.status ?? '')) n++;
    }
    return n;
  };
  return { name, rtmpPort: sc.rtmpPort, pids: () => [sc.proc.pid], urls, live, stop: () => sc.cleanup(), sc };
}

const servers = [
  await startStagecast('stagecast, recording off', false),
  await startStagecast('stagecast, recording on', true),
  await startNginx('nginx-rtmp, record off', false),
  await startNginx('nginx-rtmp, record all', true),
];
const meters = servers.map((s) => cpuMeter(s.pids()));
// --perf FILE: perf record (call graphs) of the recording Stagecast for the whole run, to find its costs.
const perfOut = arg('perf', '');
const perf = perfOut ? spawn('perf', ['record', '-F', '499', '-g', '-o', perfOut, '-p', String(servers[1].sc.proc.pid)], { stdio: 'ignore' }) : null;
const publishers = [];
// One ffmpeg per stream feeds all four servers (tee): the same bytes at the same moments.
for (let i = 0; i < K; i++) {
  publishers.push(spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', source, '-c', 'copy', '-map', '0', '-f', 'tee',
    servers.map((s) => `[f=flv:onfail=ignore]${s.urls[i]}`).join('|')], { stdio: 'ignore' }));
}
// The streams start (connections, first headers, recordings opened) before anything counts.
await sleep(WARMUP * 1000);
// Every server must carry all K streams (the tee gives up on a server that refused one, silently).
const established = (port) => readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
  .filter((l) => { const f = l.trim().split(/\s+/); return f.length > 3 && f[3] === '01' && parseInt(f[1].split(':')[1], 16) === port; }).length;
function checkCarried(when) {
  const carried = servers.map((s) => established(s.rtmpPort));
  if (carried.some((n) => n !== K)) {
    console.error(`${when}, not every server carries ${K} streams (its figures are wrong): ${servers.map((s, i) => `${s.name} ${carried[i]}`).join(', ')}`);
    process.exitCode = 1;
  }
}
checkCarried('after the warm-up');
for (const s of servers) {
  if (!s.live) continue;
  const n = await s.live();
  if (n !== K) { console.error(`${s.name}: ${n} of ${K} streams live (its figures are wrong)`); process.exitCode = 1; }
}
const snapshot = () => ({ at: performance.now() / 1000, cpu: meters.map((m) => m.read()), io: servers.map((s) => usage(s.pids())) });
const marks = [snapshot()];
let peak = servers.map(() => 0);
for (let r = 0; r < ROUNDS; r++) {
  const until = marks[0].at + (r + 1) * SECONDS;
  while (performance.now() / 1000 < until) {
    await sleep(Math.min(1000, Math.max(0, (until - performance.now() / 1000) * 1000)));
    peak = servers.map((s, i) => Math.max(peak[i], usage(s.pids()).rss));
  }
  marks.push(snapshot());
}
checkCarried('at the end');
for (const p of publishers) p.kill('SIGKILL');
if (perf) { perf.kill('SIGINT'); await new Promise((r) => perf.on('exit', r)); }
const first = marks[0];
const last = marks[marks.length - 1];
const elapsed = last.at - first.at;
const received = sourceBytesPerSecond * elapsed * K;
const pct = (x) => `${(x * 100).toFixed(3)}%`;
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const m = Math.floor(v.length / 2); return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
// CPU per stream (fraction of a core) of each server between two marks.
const perStream = (a, b) => servers.map((_, i) => (b.cpu[i] - a.cpu[i]) / (b.at - a.at) / K);

console.log(`\n${K} streams into each server, ${ROUNDS} x ${SECONDS} s after ${WARMUP} s of warm-up, 720p30 H.264 2.5 Mb/s + AAC 128k, -re -c copy ` +
            `(${(received / 1048576).toFixed(0)} MiB of media per server); CPU from ${meters[0].kind} (ns)`);
const adds = [];
for (let r = 1; r < marks.length; r++) {
  const c = perStream(marks[r - 1], marks[r]);
  const a = { stagecast: c[1] - c[0], nginx: c[3] - c[2] };
  adds.push(a);
  console.log(`round ${r}: per stream, stagecast off ${pct(c[0])} on ${pct(c[1])} (adds ${pct(a.stagecast)}); ` +
              `nginx-rtmp off ${pct(c[2])} record all ${pct(c[3])} (adds ${pct(a.nginx)})`);
}
const whole = perStream(first, last);
console.log('');
servers.forEach((s, i) => {
  const written = last.io[i].written - first.io[i].written;
  console.log(`${s.name.padEnd(26)} cpu ${pct(whole[i])} of a core per stream   peak rss ${(peak[i] / 1048576).toFixed(1)} MiB (${(peak[i] / K / 1048576).toFixed(1)} per stream)   written ${(written / 1048576).toFixed(1)} MiB = ${(written / received).toFixed(2)} x received`);
});
const mStage = median(adds.map((a) => a.stagecast));
const mNginx = median(adds.map((a) => a.nginx));
console.log(`\nwhat recording adds per stream (median of ${adds.length} round${adds.length > 1 ? 's' : ''}, min..max): ` +
            `stagecast ${pct(mStage)} of a core (${pct(Math.min(...adds.map((a) => a.stagecast)))}..${pct(Math.max(...adds.map((a) => a.stagecast)))}), ` +
            `${((peak[1] - peak[0]) / K / 1048576).toFixed(1)} MiB; ` +
            `nginx-rtmp record all ${pct(mNginx)} (${pct(Math.min(...adds.map((a) => a.nginx)))}..${pct(Math.max(...adds.map((a) => a.nginx)))}), ` +
            `${((peak[3] - peak[2]) / K / 1048576).toFixed(1)} MiB`);
console.log(`ratio stagecast / nginx-rtmp of what recording adds: ${(mStage / mNginx).toFixed(2)}` +
            `; rounds where stagecast adds less: ${adds.filter((a) => a.stagecast < a.nginx).length} of ${adds.length}`);
// Stagecast writes segments for every rendition plus the MP4 of the source: about 2 x received
// with the source alone (no transcoding here); nginx-rtmp writes the FLV once (its HLS goes to disk too).
for (const s of servers) await s.stop();
for (const m of meters) m.close();
await sleep(500);
rmSync(work, { recursive: true, force: true });
process.exit(process.exitCode ?? 0);
