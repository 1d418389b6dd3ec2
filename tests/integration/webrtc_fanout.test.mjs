// The fan-out benchmark's viewer load generator (bench/webrtc/fanout_viewers, on the project's
// own rtc/ code: ICE checks with USE-CANDIDATE, the DTLS client role, SRTP counted by its RTP
// header) against the real server: a few WHEP viewers of an RTMP stream all connect and receive
// video and audio. No speed is asserted here; the figures are bench/webrtc/fanout.mjs's.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { metric } from './lib/metrics.mjs';

const VIEWERS_BIN = process.env.SC_FANOUT_VIEWERS_BIN
  ?? new URL('../../build/bench/webrtc/webrtc_fanout_viewers', import.meta.url).pathname;

let server, pub;

before(async () => {
  server = await startServer({ args: ['--webrtc.host=127.0.0.1'] });
});

after(async () => {
  pub?.proc.kill('SIGKILL');
  await server?.cleanup();
});

function runViewers(args) {
  return new Promise((resolve) => {
    const p = spawn(VIEWERS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, err, lines: out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) }));
  });
}

test('four generated WHEP viewers connect (ICE, DTLS client) and receive video and audio', async () => {
  assert.ok(existsSync(VIEWERS_BIN), `${VIEWERS_BIN} is built with the project (bench/webrtc)`);
  const artist = await verifiedArtist(server, 'Fan-out Artist');
  const stream = await createStream(server, artist, { title: 'fan-out' });
  pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 120, size: '640x360', gop: 30, bframes: 0 });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });

  const r = await runViewers(['--target', 'whep', '--whep-url', `${server.url}/whep/${stream.id}`,
    '--steps', '4', '--settle-s', '2', '--measure-s', '3', '--server-pid', String(server.proc.pid)]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.lines.length, 1, r.err);
  const [step] = r.lines;
  assert.equal(step.target, 'whep');
  assert.equal(step.viewers, 4);
  assert.equal(step.connected, 4, r.err);
  assert.equal(step.receiving, 4, JSON.stringify(step));
  // 640x360 at 30 fps: several packets a frame; Opus every 20 ms. Loose floors, per viewer.
  assert.ok(step.video_packets > 4 * 60, JSON.stringify(step));
  assert.ok(step.audio_packets > 4 * 50, JSON.stringify(step));
  assert.ok(step.server_cpu_pct > 0, JSON.stringify(step));
  // The server counted them as its WHEP sessions while they played; the generator's DELETEs end them.
  await waitFor(async () => (await metric(server, 'stagecast_whep_sessions')) === 0, { what: 'sessions ended by DELETE' });
  assert.ok(await metric(server, 'stagecast_whep_sessions_total') >= 4);
});
