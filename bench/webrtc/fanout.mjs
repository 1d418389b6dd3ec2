// Fan-out over WebRTC, Stagecast (WHEP) against Janus's streaming plugin, in one run on the same
// machine (issue #17's fan-out benchmark). See bench/webrtc/README.md.
//
//  - One source, the same encoded bytes to both servers: a 720p30 H.264 clip (x264 veryfast,
//    baseline, no B-frames, 2.5 Mb/s, a key frame every 2 s) with AAC and Opus of the same tone,
//    encoded once and looped by one ffmpeg in real time (-re, -c copy) through the tee muxer:
//    H.264 + AAC over RTMP to Stagecast (which packetises to RTP and encodes the AAC to Opus once),
//    H.264 and Opus as RTP to the ports of a Janus RTP mountpoint.
//  - Each server pinned to one core (taskset -c 1), the generator and ffmpeg on the other (0).
//  - bench/webrtc/fanout_viewers (C++, built by CMake) adds viewers in steps against one server at
//    a time and measures each step: the server's CPU, CPU per viewer, packets, losses, late
//    packets, its own CPU. The most viewers a server holds is the largest step with every viewer
//    receiving, nothing lost and nothing late.
//
// usage: node bench/webrtc/fanout.mjs [--steps-whep 100,200,...] [--steps-janus 50,100,...]
//        [--steps N,N,... (both)] [--measure-s 6] [--settle-s 2] [--late-ms 100]
//        [--janus-event-loops 0,1] [--only whep|janus] [--bin build/src/app/stagecast]
//        [--perf FILE --perf-after S --perf-seconds S]
//        [--viewers-bin build/bench/webrtc/webrtc_fanout_viewers] [--json out.json]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import dgram from 'node:dgram';
import net from 'node:net';

const argv = process.argv.slice(2);
const arg = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const ROOT = new URL('../../', import.meta.url).pathname;
// Steps of viewers per server (stepping stops at the first that does not hold): finer where
// each server's limit has been.
const STEPS_WHEP = arg('steps-whep', arg('steps', '100,200,250,275,300,325,350,400,450'));
const STEPS_JANUS = arg('steps-janus', arg('steps', '50,100,125,150,175,200,225,250,275,300'));
const MEASURE_S = Number(arg('measure-s', 6));
const SETTLE_S = Number(arg('settle-s', 2));
const LATE_MS = Number(arg('late-ms', 100));
const ONLY = arg('only', '');
const JSON_OUT = arg('json', '');
const VIEWERS_BIN = arg('viewers-bin', join(ROOT, 'build/bench/webrtc/webrtc_fanout_viewers'));
process.env.SC_TEST_BIN = arg('bin', process.env.SC_TEST_BIN ?? join(ROOT, 'build/src/app/stagecast'));
const SERVER_CORE = arg('server-core', '1');
// Janus's event_loops (janus.jcfg): 0 is its default, a thread and GLib loop per handle; N > 0
// shares N loops between all handles (what Janus suggests for many viewers).
const JANUS_EVENT_LOOPS = arg('janus-event-loops', '0,1').split(',').map(Number);
// --perf FILE: `perf record -g` of the server under test for --perf-seconds, --perf-after seconds
// after its generator started (to look at the busiest step; see README).
const PERF = arg('perf', '');
const PERF_AFTER = Number(arg('perf-after', 20));
const PERF_SECONDS = Number(arg('perf-seconds', 5));
const LOAD_CORE = arg('load-core', '0');

const { StagecastProcess } = await import('../../tests/integration/lib/server.mjs');
const { verifiedArtist, createStream } = await import('../../tests/integration/lib/fixtures.mjs');

if (!existsSync(VIEWERS_BIN)) throw new Error(`${VIEWERS_BIN} missing: ninja -C build webrtc_fanout_viewers`);
// (pgrep -f '^node --test': a helper queued behind flock has 'node --test' in its flock's arguments)
const busy = ['ninja', 'node --test'].filter((p) => spawnSync('pgrep', p === 'ninja' ? ['-x', p] : ['-f', `^${p}`]).status === 0);
if (busy.length) console.warn(`WARNING: ${busy.join(', ')} running: the figures will not be those of an idle machine`);

const cleanups = [];
async function cleanup() { for (const c of cleanups.reverse()) { try { await c(); } catch { /* going */ } } }
process.on('SIGINT', async () => { await cleanup(); process.exit(130); });

async function freePort(type) {
  if (type === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise((r) => s.bind(0, '127.0.0.1', r));
    const { port } = s.address();
    s.close();
    return port;
  }
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor(fn, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try { if (await fn()) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// 1. The clip, encoded once (cached in the temp folder).
const CLIP = join(tmpdir(), 'stagecast-fanout-720p30-2500k.mkv');
if (!existsSync(CLIP)) {
  console.log('encoding the 20 s source clip (once) ...');
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '20', '-map', '0:v', '-map', '1:a', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-bf', '0',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
    '-x264-params', 'repeat-headers=1', '-pix_fmt', 'yuv420p',
    '-c:a:0', 'aac', '-b:a:0', '128k', '-c:a:1', 'libopus', '-b:a:1', '64k', '-ac', '2', CLIP], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('encoding the clip failed');
}

// 2. Stagecast, pinned to the server core; a public stream.
const sc = await new StagecastProcess({ args: ['--webrtc.host=127.0.0.1', '--http.access_log=false', '--webrtc.max_viewers=5000'] }).start();
cleanups.push(() => sc.cleanup());
spawnSync('taskset', ['-a', '-p', '-c', SERVER_CORE, String(sc.proc.pid)], { stdio: 'ignore' });
const artist = await verifiedArtist(sc);
const stream = await createStream(sc, artist, { title: 'fan-out bench' });

// 3. Janus with a temporary configuration: HTTP API on 127.0.0.1, one RTP mountpoint (H.264 pt 96,
// Opus pt 111) on loopback ports. libnice never gathers loopback addresses, so its candidates
// are restricted to the machine's first IPv4 interface (traffic to it stays in the kernel's
// local delivery, as loopback's does) and the viewers bind the same address.
const ifaceEntry = Object.entries(networkInterfaces()).map(([name, list]) => [name, list.find((a) => a.family === 'IPv4' && !a.internal)]).find(([, a]) => a);
if (!ifaceEntry) throw new Error('no non-loopback IPv4 interface for Janus\'s ICE candidates');
const [IFACE, { address: IFACE_IP }] = ifaceEntry;
// One Janus per configuration compared (--janus-event-loops, e.g. "0,1"), each with its own
// folder, HTTP port and mountpoint ports, all fed at once; the ones not under test idle.
async function startJanus(loops) {
  const dir = mkdtempSync(join(tmpdir(), 'janus-fanout-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'none'));
  const httpPort = await freePort('tcp');
  const videoPort = await freePort('udp');
  const audioPort = await freePort('udp');
  writeFileSync(join(dir, 'janus.jcfg'), `general: {
  configs_folder = "${dir}"
  plugins_folder = "/usr/lib/x86_64-linux-gnu/janus/plugins"
  transports_folder = "/usr/lib/x86_64-linux-gnu/janus/transports"
  events_folder = "${dir}/none"
  loggers_folder = "${dir}/none"
  debug_level = 3
  session_timeout = 0
  ${loops > 0 ? `event_loops = ${loops}` : ''}
}
media: { rtp_port_range = "40000-60000" }
nat: { nice_debug = false, ice_enforce_list = "${IFACE}" }
plugins: { disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_videoroom.so,libjanus_voicemail.so" }
transports: { disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so" }
`);
  writeFileSync(join(dir, 'janus.transport.http.jcfg'), `general: { json = "plain", base_path = "/janus", http = true, port = ${httpPort}, ip = "127.0.0.1", https = false }
admin: { admin_http = false }
`);
  writeFileSync(join(dir, 'janus.plugin.streaming.jcfg'), `general: { }
bench: {
  type = "rtp"
  id = 1
  description = "fan-out bench"
  media = (
    { type = "video", mid = "v", port = ${videoPort}, iface = "127.0.0.1", pt = 96, codec = "h264", fmtp = "profile-level-id=42e01f;packetization-mode=1" },
    { type = "audio", mid = "a", port = ${audioPort}, iface = "127.0.0.1", pt = 111, codec = "opus" }
  )
}
`);
  const proc = spawn('taskset', ['-c', SERVER_CORE, 'janus', '-F', dir, '-C', join(dir, 'janus.jcfg')], { stdio: ['ignore', 'ignore', 'ignore'] });
  cleanups.push(async () => { if (proc.exitCode === null) { proc.kill('SIGTERM'); await sleep(500); if (proc.exitCode === null) proc.kill('SIGKILL'); } });
  const url = `http://127.0.0.1:${httpPort}/janus`;
  await waitFor(async () => (await fetch(`${url}/info`)).ok, 'Janus to answer', 15000);
  const version = (await (await fetch(`${url}/info`)).json()).version_string;
  return { loops, proc, url, videoPort, audioPort, version, name: loops > 0 ? `janus (event_loops ${loops})` : 'janus (default)' };
}
const janusList = [];
for (const loops of JANUS_EVENT_LOOPS) janusList.push(await startJanus(loops));
const janusVersion = janusList[0]?.version;

// 4. One ffmpeg, the same bytes to both.
const rtmp = `${sc.rtmpUrl}/${stream.streamKey}`;
const tee = [
  `[select=\\'v,a:0\\':f=flv:onfail=abort]${rtmp}`,
  ...janusList.flatMap((j) => [
    `[select=v:f=rtp:payload_type=96]rtp://127.0.0.1:${j.videoPort}?pkt_size=1200`,
    `[select=a\\:1:f=rtp:payload_type=111]rtp://127.0.0.1:${j.audioPort}?pkt_size=1200`,
  ]),
].join('|');
let ffLog = '';
const ff = spawn('taskset', ['-c', LOAD_CORE, 'ffmpeg', '-hide_banner', '-loglevel', 'warning', '-re', '-stream_loop', '-1', '-i', CLIP,
  '-map', '0:v', '-map', '0:a:0', '-map', '0:a:1', '-c', 'copy', '-f', 'tee', tee], { stdio: ['ignore', 'ignore', 'pipe'] });
ff.stderr.on('data', (d) => { ffLog = (ffLog + d).slice(-4000); });
cleanups.push(() => ff.kill('SIGKILL'));
await waitFor(async () => (await sc.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', 'the stream to go live');
await sleep(3000);  // a key frame or two into the stream

// 5. The generator against each server, one after the other.
function runViewers(target, extra, serverPid) {
  return new Promise((resolve, reject) => {
    const args = ['-c', LOAD_CORE, VIEWERS_BIN, '--target', target, '--steps', target === 'whep' ? STEPS_WHEP : STEPS_JANUS, '--measure-s', String(MEASURE_S),
      '--settle-s', String(SETTLE_S), '--late-ms', String(LATE_MS), '--server-pid', String(serverPid),
      '--baseline-s', String(Math.min(5, MEASURE_S)), '--stop-on-fail', ...extra];
    const p = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    if (PERF) {
      const timer = setTimeout(() => {
        spawn('perf', ['record', '-F', '499', '-g', '-p', String(serverPid), '-o', `${PERF}.${target}`, '--', 'sleep', String(PERF_SECONDS)], { stdio: 'ignore' });
      }, PERF_AFTER * 1000);
      p.on('exit', () => clearTimeout(timer));
    }
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => {
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      if (code !== 0 && !lines.length) reject(new Error(`${target} generator exited ${code}`));
      else resolve(lines);
    });
  });
}

const results = {};
try {
  if (ONLY !== 'janus') {
    results.stagecast = await runViewers('whep', ['--whep-url', `${sc.url}/whep/${stream.id}`, '--local-ip', '127.0.0.1'], sc.proc.pid);
    await sleep(2000);
  }
  if (ONLY !== 'whep') {
    for (const j of janusList) {
      results[j.name] = await runViewers('janus', ['--janus-url', j.url, '--mountpoint', '1', '--local-ip', IFACE_IP], j.proc.pid);
      await sleep(2000);
    }
  }
} finally {
  if (ff.exitCode !== null) console.error(`ffmpeg exited early: ${ffLog}`);
  await cleanup();
}

// 6. The table and the ratio.
function summary(lines) {
  const base = lines.find((l) => l.viewers === 0);
  const steps = lines.filter((l) => l.viewers > 0);
  const held = steps.filter((l) => l.holds).map((l) => l.viewers);
  const best = held.length ? Math.max(...held) : 0;
  const top = steps.filter((l) => l.holds).at(-1);
  const marginal = top ? (top.server_cpu_pct - (base?.server_cpu_pct ?? 0)) / top.viewers : NaN;
  return { base, steps, best, perViewer: top ? top.server_cpu_pct / top.viewers : NaN, marginal };
}
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
console.log(`\nFan-out of one 2.5 Mb/s stream (720p30 H.264 + Opus), server on core ${SERVER_CORE}, viewers and ffmpeg on core ${LOAD_CORE}; late = over ${LATE_MS} ms behind the viewer's best delay`);
console.log(`Janus: ${janusVersion}; default: a thread and loop per handle; event_loops N: N loops shared by all handles`);
console.log('| server | viewers | server CPU | CPU/viewer | lost | late | lateness p99 / max | Mb/s per viewer | generator CPU | holds |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const sums = {};
for (const [name, lines] of Object.entries(results)) {
  sums[name] = summary(lines);
  for (const l of lines) {
    console.log(`| ${name} | ${l.viewers} | ${f1(l.server_cpu_pct)}% | ${l.viewers ? `${f2(l.server_cpu_pct / l.viewers)}%` : '-'} | ${l.lost} | ${l.late} | ${f1(l.lateness_p99_ms)} / ${f1(l.lateness_max_ms)} ms | ${f2(l.mbps_per_viewer)} | ${f1(l.generator_cpu_pct)}% | ${l.viewers ? (l.holds ? 'yes' : 'NO') : '(no viewers)'} |`);
  }
}
console.log('\n| server | idle CPU (ingest, 0 viewers) | most viewers held on one core | CPU per viewer at that step | marginal CPU per viewer |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, s] of Object.entries(sums)) {
  console.log(`| ${name} | ${f1(s.base?.server_cpu_pct)}% | ${s.best}${s.best === Math.max(...s.steps.map((l) => l.viewers)) ? '+ (every step held)' : ''} | ${f2(s.perViewer)}% | ${f2(s.marginal)}% |`);
}
for (const [name, j] of Object.entries(sums)) {
  if (name === 'stagecast' || !sums.stagecast) continue;
  console.log(`\nStagecast / ${name}: viewers held per core ${f2(sums.stagecast.best / j.best)}x, ` +
    `marginal CPU per viewer ${f2(j.marginal / sums.stagecast.marginal)}x less`);
}
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ results, janusVersion, janusEventLoops: JANUS_EVENT_LOOPS, stepsWhep: STEPS_WHEP, stepsJanus: STEPS_JANUS, lateMs: LATE_MS }, null, 2));
