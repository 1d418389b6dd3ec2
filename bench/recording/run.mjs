// What recording costs, side by side on the same load: K ffmpeg publishers (-re -stream_loop -1
// -c copy, 720p30 2.5 Mb/s + AAC) into each of four servers at once:
//   stagecast, record.enabled=false         (live LL-HLS only)
//   stagecast, record.enabled=true (local)  (live LL-HLS + segments, playlists and the MP4)
//   nginx-rtmp, record off                  (live HLS only)
//   nginx-rtmp, record all                  (live HLS + one FLV per stream)
// Prints CPU per stream (and what recording adds to each server), memory per stream, and bytes
// written to disk (/proc/<pid>/io write_bytes) against the media bytes received.
//
// usage: node bench/recording/run.mjs [--streams K] [--seconds S] [--bin path/to/stagecast]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { StagecastProcess } from '../../tests/integration/lib/server.mjs';
import { verifiedArtist, createStream } from '../../tests/integration/lib/fixtures.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const K = Number(arg('streams', 4));
const SECONDS = Number(arg('seconds', 40));
process.env.SC_TEST_BIN = arg('bin', new URL('../../build/src/app/stagecast', import.meta.url).pathname);
const work = mkdtempSync(join(tmpdir(), 'stagecast-recbench-'));
const CLK_TCK = 100;
const PAGE = 4096;

const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
const childrenOf = (pid) => spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);

function usage(pids) {
  let cpu = 0; let rss = 0; let written = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu += (Number(f[11]) + Number(f[12])) / CLK_TCK;
      rss += Number(f[21]) * PAGE;
      written += Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
    } catch { /* exited */ }
  }
  return { cpu, rss, written };
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
  return { name, pids: () => [proc.pid, ...childrenOf(proc.pid)], urls: Array.from({ length: K }, (_, i) => `rtmp://127.0.0.1:${rtmp}/live/s${i}`), stop: () => proc.kill('SIGQUIT') };
}

async function startStagecast(name, record) {
  const sc = new StagecastProcess({ args: ['--http.access_log=false', '--log.level=warn', `--record.enabled=${record}`] });
  await sc.start();
  const artist = await verifiedArtist(sc, 'Bench');
  const urls = [];
  for (let i = 0; i < K; i++) {
    const s = await createStream(sc, artist, { title: `bench ${i}` });
    urls.push(`${sc.rtmpUrl}/${s.streamKey}`);
  }
  return { name, pids: () => [sc.proc.pid], urls, stop: () => sc.cleanup(), sc };
}

const servers = [
  await startStagecast('stagecast, recording off', false),
  await startStagecast('stagecast, recording on', true),
  await startNginx('nginx-rtmp, record off', false),
  await startNginx('nginx-rtmp, record all', true),
];
const base = servers.map((s) => usage(s.pids()));
// --perf FILE: perf record (call graphs) of the recording Stagecast for the whole run, to find its costs.
const perfOut = arg('perf', '');
const perf = perfOut ? spawn('perf', ['record', '-F', '499', '-g', '-o', perfOut, '-p', String(servers[1].sc.proc.pid)], { stdio: 'ignore' }) : null;
const publishers = [];
// One ffmpeg per stream feeds all four servers (tee): the same bytes at the same moments.
for (let i = 0; i < K; i++) {
  publishers.push(spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', source, '-c', 'copy', '-map', '0', '-f', 'tee',
    servers.map((s) => `[f=flv:onfail=ignore]${s.urls[i]}`).join('|')], { stdio: 'ignore' }));
}
const started = Date.now();
let peak = servers.map(() => 0);
while (Date.now() - started < SECONDS * 1000) {
  await sleep(1000);
  peak = servers.map((s, i) => Math.max(peak[i], usage(s.pids()).rss));
}
const end = servers.map((s) => usage(s.pids()));
const elapsed = (Date.now() - started) / 1000;
for (const p of publishers) p.kill('SIGKILL');
if (perf) { perf.kill('SIGINT'); await new Promise((r) => perf.on('exit', r)); }
const received = sourceBytesPerSecond * elapsed * K;

console.log(`\n${K} streams into each server, ${elapsed.toFixed(0)} s, 720p30 H.264 2.5 Mb/s + AAC 128k, -re -c copy (${(received / 1048576).toFixed(0)} MiB of media per server)`);
const rows = servers.map((s, i) => {
  const cpu = (end[i].cpu - base[i].cpu) / elapsed / K;
  const written = end[i].written - base[i].written;
  console.log(`${s.name.padEnd(26)} cpu ${(cpu * 100).toFixed(2)}% of a core per stream   peak rss ${(peak[i] / 1048576).toFixed(1)} MiB (${(peak[i] / K / 1048576).toFixed(1)} per stream)   written ${(written / 1048576).toFixed(1)} MiB = ${(written / received).toFixed(2)} x received`);
  return { cpu, rss: peak[i] };
});
console.log(`\nwhat recording adds per stream: stagecast ${((rows[1].cpu - rows[0].cpu) * 100).toFixed(2)}% of a core, ` +
            `${((rows[1].rss - rows[0].rss) / K / 1048576).toFixed(1)} MiB; nginx-rtmp record all ${((rows[3].cpu - rows[2].cpu) * 100).toFixed(2)}% of a core, ` +
            `${((rows[3].rss - rows[2].rss) / K / 1048576).toFixed(1)} MiB`);
// Stagecast writes segments for every rendition plus the MP4 of the source: about 2 x received
// with the source alone (no transcoding here); nginx-rtmp writes the FLV once (its HLS goes to disk too).
for (const s of servers) await s.stop();
await sleep(500);
rmSync(work, { recursive: true, force: true });
process.exit(0);
