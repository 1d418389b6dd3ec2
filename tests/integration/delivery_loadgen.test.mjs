// bench/delivery's load generator, briefly, against the real binary and a live ffmpeg stream: its
// players follow the live edge (blocking reloads, and polling), every part arrives in order with
// a delivery delay the playlist's dates make sensible, and its mirror writes a playlist that a
// file server can serve, whose parts are all there. Speed is bench/delivery's business: the bounds
// here are loose on purpose.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { waitFor } from './lib/media.mjs';

const LOADGEN = process.env.SC_DELIVERY_LOADGEN ?? new URL('../../build/tests/integration/delivery_loadgen', import.meta.url).pathname;

let server, live, playlist;
before(async () => {
  server = await startServer({ args: ['--transcode.enabled=false'] });
  const artist = await verifiedArtist(server);
  live = await liveStream(server, artist);
  const master = await waitFor(async () => {
    const r = await fetch(`${server.url}/hls/${live.id}/master.m3u8`);
    return r.status === 200 && r.text();
  }, { timeout: 30000, what: 'master playlist' });
  const rendition = master.split('\n').find((l) => l && !l.startsWith('#')).split('/')[0];
  playlist = `/hls/${live.id}/${rendition}/index.m3u8`;
  // Parts are listed once the first segment is complete.
  await waitFor(async () => (await (await fetch(server.url + playlist)).text()).includes('#EXT-X-PART:'), { timeout: 30000, what: 'parts' });
});
after(async () => {
  await live?.stop();
  await server?.cleanup();
});

function run(args, { signalAfterMs } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(LOADGEN, [`--port=${new URL(server.url).port}`, `--playlist=${playlist}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    if (signalAfterMs) setTimeout(() => p.kill('SIGTERM'), signalAfterMs);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`loadgen exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

for (const mode of ['blocking', 'poll']) {
  test(`50 ${mode} players receive every part, in order, soon after it completes`, async () => {
    const r = await run([`--mode=${mode}`, '--viewers=50', '--ramp-ms=1000', '--warmup=2', '--seconds=6', '--late-ms=3000', `--pids=${server.proc.pid}`]);
    console.log(JSON.stringify(r));
    assert.equal(r.connected, 50);
    assert.equal(r.errors, 0);
    assert.equal(r.missing, 0, 'a player skipped a part');
    assert.ok(r.partTargetMs > 100 && r.partTargetMs < 1100, `part target ${r.partTargetMs}`);
    // Every player followed the live edge for the whole window (6 s of parts, 85-100% of the
    // target each), none late by more than 3 s.
    assert.equal(r.held, 50, JSON.stringify(r));
    assert.ok(r.parts >= 50 * Math.floor(6000 / r.partTargetMs - 2), `parts ${r.parts}`);
    // Receipt minus the part's end by its EXT-X-PROGRAM-DATE-TIME: never well before the media
    // ended (the dates are the server's wall clock) nor seconds after.
    assert.ok(r.delayMs.p50 > -50 && r.delayMs.max < 3000, JSON.stringify(r.delayMs));
    assert.ok(r.serverCores > 0, 'the server process was sampled');
    assert.ok(r.rssKb.end > 0);
  });
}

test('the mirror writes a playlist a file server can serve, with every part it lists', async () => {
  const root = mkdtempSync(join(tmpdir(), 'delivery-mirror-'));
  try {
    const r = await run(['--mode=mirror', `--mirror-root=${root}`], { signalAfterMs: 3000 });
    assert.ok(r.parts >= 5, JSON.stringify(r));
    const dir = join(root, playlist.slice(1, playlist.lastIndexOf('/')));
    const text = readFileSync(join(root, playlist.slice(1)), 'utf8');
    assert.match(text, /^#EXTM3U/);
    assert.ok(!text.includes('CAN-BLOCK-RELOAD'), text);
    assert.ok(!text.includes('#EXT-X-PRELOAD-HINT'), text);
    assert.match(text, /#EXT-X-PROGRAM-DATE-TIME:/);
    const uris = [...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]);
    const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
    // Parts older than the mirror's start were not fetched; everything listed after it was.
    const parts = uris.filter((u) => u.startsWith('part'));
    assert.ok(parts.length > 0, text);
    assert.ok(existsSync(join(dir, parts[parts.length - 1])), `last part ${parts[parts.length - 1]} not written`);
    for (const u of uris.filter((x) => x.startsWith('init'))) assert.ok(existsSync(join(dir, u)), u);
    for (const s of segments) assert.ok(existsSync(join(dir, s)), `segment ${s} not written`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
