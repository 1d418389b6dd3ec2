// Ingest and delivery side by side: K ffmpeg publishers (-re -stream_loop -1 -c copy) into
// Stagecast and into nginx-rtmp (Debian's libnginx-mod-rtmp) at the same time, on the same
// machine. Prints CPU seconds and memory per stream for both, and the time from a frame's arrival
// to its HLS part (Stagecast) or segment (nginx) being fetchable, with the ratios.
//
// usage: node bench/ingest/run.mjs [--streams K] [--seconds S] [--bin path/to/stagecast]
//                                  [--sc-args '--threads.io=1 ...']
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import http from 'node:http';
import { StagecastProcess } from '../../tests/integration/lib/server.mjs';
import { verifiedArtist, createStream } from '../../tests/integration/lib/fixtures.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const K = Number(arg('streams', 8));
const SECONDS = Number(arg('seconds', 30));
const BIN = arg('bin', new URL('../../build/src/app/stagecast', import.meta.url).pathname);
const work = mkdtempSync(join(tmpdir(), 'stagecast-bench-'));
const CLK_TCK = 100;
const PAGE = 4096;

function freePort() {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

// utime+stime in seconds and RSS in bytes of a process and its children.
function usage(pids) {
  let cpu = 0; let rss = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu += (Number(f[11]) + Number(f[12])) / CLK_TCK;
      rss += Number(f[21]) * PAGE;
    } catch { /* exited */ }
  }
  return { cpu, rss };
}
function childrenOf(pid) {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

// A 20 s 720p30 H.264 (x264, 2.5 Mb/s, GOP 2 s) + AAC 48 kHz stereo file, looped with -c copy.
const source = join(work, 'source.flv');
spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-b:v', '2500k', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', source], { stdio: 'inherit' });

// nginx-rtmp tells this hook when a publish starts: the reference for its latency.
const publishTimes = {};
const hook = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => { const name = new URLSearchParams(body).get('name'); publishTimes[name] ??= Date.now(); res.end('ok'); });
});
await new Promise((r) => hook.listen(0, '127.0.0.1', r));
const hookPort = hook.address().port;

// --- nginx-rtmp ---
const nginxRtmp = await freePort();
const nginxHttp = await freePort();
const nginxDir = join(work, 'nginx');
spawnSync('mkdir', ['-p', join(nginxDir, 'hls'), join(nginxDir, 'logs')]);
writeFileSync(join(nginxDir, 'nginx.conf'), `
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
user root;
worker_processes 1;
daemon off;
error_log ${nginxDir}/logs/error.log warn;
pid ${nginxDir}/nginx.pid;
events { worker_connections 4096; }
rtmp { server { listen 127.0.0.1:${nginxRtmp}; chunk_size 4096;
  application live { live on; record off; on_publish http://127.0.0.1:${hookPort}/on_publish; hls on; hls_path ${nginxDir}/hls; hls_fragment 2s; hls_playlist_length 12s; } } }
http { access_log off; client_body_temp_path ${nginxDir}; proxy_temp_path ${nginxDir}; fastcgi_temp_path ${nginxDir}; uwsgi_temp_path ${nginxDir}; scgi_temp_path ${nginxDir};
  server { listen 127.0.0.1:${nginxHttp}; location /hls/ { alias ${nginxDir}/hls/; add_header Cache-Control no-cache; } } }
`);
const nginx = spawn('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')], { stdio: 'inherit' });

// --- Stagecast ---
const extra = arg('sc-args', '').split(' ').filter(Boolean);  // e.g. --sc-args '--threads.io=1'
const sc = new StagecastProcess({ args: ['--http.access_log=false', '--log.level=warn', ...extra] });
process.env.SC_TEST_BIN = BIN;
await sc.start();
const artist = await verifiedArtist(sc, 'Bench');
const streams = [];
for (let i = 0; i < K; i++) streams.push(await createStream(sc, artist, { title: `bench ${i}` }));
await sleep(500);

const nginxPids = () => [nginx.pid, ...childrenOf(nginx.pid)];
const base = { sc: usage([sc.proc.pid]), nginx: usage(nginxPids()) };

// --- load: the same K publishers into each server ---
const publishers = [];
const startedAt = Date.now();
function publisher(url) {
  const p = spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', source, '-c', 'copy', '-f', 'flv', url], { stdio: 'ignore' });
  publishers.push(p);
}
// Stream 0 of both servers comes from one ffmpeg (tee): the same frames at the same moments.
publishers.push(spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', source, '-c', 'copy', '-map', '0', '-f', 'tee',
  `[f=flv:onfail=ignore]${sc.rtmpUrl}/${streams[0].streamKey}|[f=flv:onfail=ignore]rtmp://127.0.0.1:${nginxRtmp}/live/s0`], { stdio: 'ignore' }));
for (let i = 1; i < K; i++) {
  publisher(`${sc.rtmpUrl}/${streams[i].streamKey}`);
  publisher(`rtmp://127.0.0.1:${nginxRtmp}/live/s${i}`);
}

// --- latency probe on stream 0 of each: poll playlists, time when each part/segment appears
// against when its last frame was sent (-re paces the source at real time from startedAt).
// `publishedAt()` is when nginx saw the publish of the tee'd stream 0; the same ffmpeg writes the
// same frames to both servers at the same moments and -re sends media in real time, so the last
// frame of a part or segment ending at media time T arrived at about publishedAt + T on both.
async function probe(url, kind, publishedAt) {
  const seen = new Set(); const lat = [];
  let mediaEnd = 0; let offset = null;
  while (Date.now() - startedAt < SECONDS * 1000) {
    try {
      const text = await (await fetch(url)).text();
      const now = Date.now();
      const lines = text.split('\n');
      let seq = Number((/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text) ?? [0, 0])[1]);
      for (const l of lines) {
        let dur = null; let name = null;
        if (kind === 'parts' && l.startsWith('#EXT-X-PART:')) { dur = Number(/DURATION=([\d.]+)/.exec(l)[1]); name = /URI="([^"]+)"/.exec(l)[1]; }
        if (kind === 'segments' && l.startsWith('#EXTINF:')) { dur = Number(/#EXTINF:([\d.]+)/.exec(l)[1]); name = `seg${seq++}`; }
        if (name === null || seen.has(name)) continue;
        seen.add(name);
        const t0 = await publishedAt();
        if (t0 === undefined) continue;
        if (offset === null) offset = (now - t0) / 1000;
        mediaEnd += dur;
        // A frame waits from its arrival until its container is fetchable: the last frame
        // (now - t0 - mediaEnd), the first one `dur` longer; on average half way between.
        if (seen.size > 2) lat.push({ end: (now - t0) / 1000 - mediaEnd, dur });
      }
    } catch { /* not yet */ }
    await sleep(20);
  }
  return { raw: lat, startup: offset };
}

// ffmpeg's -re lets the first frames out slightly ahead of real time, so publishedAt + T is only
// the arrival time up to a constant. Calibrate it away: the earliest any container of either
// server became fetchable relative to its end is taken as "at once" (a part closes one frame after
// its last one), and every latency is measured from there.
function settle(results) {
  const baseline = Math.min(...results.flatMap((r) => r.raw.map((x) => x.end)));
  return results.map((r) => {
    const mean = r.raw.map((x) => x.end - baseline + x.dur / 2).sort((a, b) => a - b);
    const last = r.raw.map((x) => x.end - baseline).sort((a, b) => a - b);
    return { samples: mean.length, p50: mean[Math.floor(mean.length / 2)], lastP50: last[Math.floor(last.length / 2)], startup: r.startup };
  });
}
const [scLat, nginxLat] = settle(await Promise.all([
  probe(`${sc.url}/hls/${streams[0].id}/source/index.m3u8`, 'parts', async () => publishTimes.s0),
  probe(`http://127.0.0.1:${nginxHttp}/hls/s0.m3u8`, 'segments', async () => publishTimes.s0),
]));

const end = { sc: usage([sc.proc.pid]), nginx: usage(nginxPids()) };
const elapsed = (Date.now() - startedAt) / 1000;
for (const p of publishers) p.kill('SIGKILL');
await sc.cleanup();
nginx.kill('SIGQUIT');
hook.close();

const row = (name, b, e, lat, unit) => {
  const cpu = (e.cpu - b.cpu) / elapsed / K;
  const mem = e.rss / K;
  console.log(`${name.padEnd(10)} cpu ${(cpu * 100).toFixed(2)}% of a core per stream   rss ${(e.rss / 1048576).toFixed(1)} MiB (${(mem / 1048576).toFixed(1)} MiB per stream)   ` +
              `frame→fetchable (${unit}) p50 ${lat.p50?.toFixed(2)} s mean frame, ${lat.lastP50?.toFixed(2)} s last frame (${lat.samples} samples)`);
  return { cpu, mem, lat: lat.p50 };
};
console.log(`\n${K} streams each, ${elapsed.toFixed(0)} s, 720p30 H.264 2.5 Mb/s + AAC, -re -c copy`);
const a = row('stagecast', base.sc, end.sc, scLat, 'part');
const b = row('nginx-rtmp', base.nginx, end.nginx, nginxLat, 'segment');
console.log(`\nratios (stagecast / nginx-rtmp): cpu per stream ${(a.cpu / b.cpu).toFixed(2)}, memory ${(a.mem / b.mem).toFixed(2)}, latency ${(a.lat / b.lat).toFixed(2)}`);
console.log(`stream capacity per core at this load: stagecast ${(1 / a.cpu).toFixed(0)}, nginx-rtmp ${(1 / b.cpu).toFixed(0)} (ratio ${(b.cpu / a.cpu).toFixed(2)})`);
process.exit(0);
