// What live thumbnails cost (docs/web.md, "Live thumbnails"), side by side on the same load:
// K ffmpeg publishers (-re -stream_loop -1 -c copy, 720p30 2.5 Mb/s H.264 + AAC) tee'd into two
// servers at once:
//   stagecast, thumbnails.enabled=false
//   stagecast, thumbnails.enabled=true (a key frame decoded and a JPEG encoded every 5 s)
// and the peer: what a server without thumbnails does instead (nginx-rtmp's `exec`, Owncast's
// thumbnail job): one ffmpeg per stream reading the stream back and writing a JPEG every 5 s
// (`-vf fps=1/5 -update 1`), here reading the thumbnail-less server's LL-HLS source rendition.
// Transcoding and recording are off in both servers so the difference is the thumbnails alone.
// Prints CPU per stream (% of one core) and the ratio of our thumbnail cost to the peer's.
//
// usage: node bench/thumbnails/run.mjs [--streams K] [--seconds S] [--bin path/to/stagecast]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StagecastProcess } from '../../tests/integration/lib/server.mjs';
import { verifiedArtist, createStream } from '../../tests/integration/lib/fixtures.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const K = Number(arg('streams', 8));
const SECONDS = Number(arg('seconds', 60));
process.env.SC_TEST_BIN = arg('bin', new URL('../../build/src/app/stagecast', import.meta.url).pathname);
const work = mkdtempSync(join(tmpdir(), 'stagecast-thumbbench-'));
const CLK_TCK = 100;

function cpuOf(pids) {
  let cpu = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu += (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch { /* exited */ }
  }
  return cpu;
}

const source = join(work, 'source.flv');
spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-b:v', '2500k', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', source], { stdio: 'inherit' });

async function startStagecast(name, thumbnails) {
  const sc = new StagecastProcess({ args: ['--http.access_log=false', '--log.level=warn', '--record.enabled=false', '--transcode.enabled=false',
    `--thumbnails.enabled=${thumbnails}`, '--thumbnails.interval_seconds=5'] });
  await sc.start();
  const artist = await verifiedArtist(sc, 'Bench');
  const streams = [];
  for (let i = 0; i < K; i++) streams.push(await createStream(sc, artist, { title: `bench ${i}` }));
  return { name, sc, streams, urls: streams.map((s) => `${sc.rtmpUrl}/${s.streamKey}`) };
}

const off = await startStagecast('stagecast, thumbnails off', false);
const on = await startStagecast('stagecast, thumbnails on', true);
const publishers = [];
for (let i = 0; i < K; i++) {
  publishers.push(spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', source, '-c', 'copy', '-map', '0', '-f', 'tee',
    [off, on].map((s) => `[f=flv:onfail=ignore]${s.urls[i]}`).join('|')], { stdio: 'ignore' }));
}
// Wait until every stream is live on both servers, then start the peer's thumbnailers.
const deadline = Date.now() + 60000;
for (const s of [off, on]) {
  for (const st of s.streams) {
    while ((await s.sc.api('GET', `/api/livestream/${st.id}`)).body.status !== 'LIVE') {
      if (Date.now() > deadline) throw new Error('streams did not go live');
      await sleep(200);
    }
  }
}
await sleep(4000);  // the first segments exist
const peers = off.streams.map((st, i) => spawn('ffmpeg', ['-v', 'error', '-i', `${off.sc.url}/hls/${st.id}/master.m3u8`,
  '-map', '0:v:0', '-vf', 'fps=1/5,scale=480:-2', '-q:v', '5', '-update', '1', '-y', join(work, `peer-${i}.jpg`)], { stdio: 'ignore' }));
await sleep(3000);

const peerPids = () => peers.map((p) => p.pid);
const base = { off: cpuOf([off.sc.proc.pid]), on: cpuOf([on.sc.proc.pid]), peer: cpuOf(peerPids()) };
const made0 = await thumbnailsMade(on.sc);
const started = Date.now();
await sleep(SECONDS * 1000);
const elapsed = (Date.now() - started) / 1000;
const end = { off: cpuOf([off.sc.proc.pid]), on: cpuOf([on.sc.proc.pid]), peer: cpuOf(peerPids()) };
const made = (await thumbnailsMade(on.sc)) - made0;
let peerPictures = 0;
for (let i = 0; i < K; i++) { try { peerPictures += statSync(join(work, `peer-${i}.jpg`)).size > 0 ? 1 : 0; } catch { /* none */ } }
for (const p of [...publishers, ...peers]) p.kill('SIGKILL');

async function thumbnailsMade(sc) {
  const text = (await sc.api('GET', '/metrics')).text;
  return Number(/^stagecast_thumbnails_total (\d+)/m.exec(text)?.[1] ?? 0);
}

const per = (k) => (end[k] - base[k]) / elapsed / K;
const ours = per('on') - per('off');
console.log(`\n${K} streams into each server, ${elapsed.toFixed(0)} s, 720p30 H.264 2.5 Mb/s + AAC, -re -c copy; a picture every 5 s per stream, 480 px wide`);
console.log(`${off.name.padEnd(28)} cpu ${(per('off') * 100).toFixed(2)}% of a core per stream`);
console.log(`${on.name.padEnd(28)} cpu ${(per('on') * 100).toFixed(2)}% of a core per stream   (${made} pictures made, ${(made / K / elapsed * 5).toFixed(2)} per stream per 5 s)`);
console.log(`${'peer: ffmpeg fps=1/5 per stream'.padEnd(28)} cpu ${(per('peer') * 100).toFixed(2)}% of a core per stream   (${peerPictures} of ${K} writing pictures)`);
console.log(`\nthumbnails cost per stream: stagecast ${(ours * 100).toFixed(2)}% of a core (goal < 2%); peer ${(per('peer') * 100).toFixed(2)}%; ratio stagecast/peer ${(ours / per('peer')).toFixed(3)}`);
await off.sc.cleanup();
await on.sc.cleanup();
rmSync(work, { recursive: true, force: true });
process.exit(0);
