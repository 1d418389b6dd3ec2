// Recording when the object store misbehaves (docs/recording.md, Faults): s3rver behind the test's
// proxy answering 500, 403, garbage, then gone altogether, while the stream goes on; a spool too
// small for the outage; the server killed with SIGKILL mid-stream and started again. Durations
// are shortened by configuration (retries from 200 ms, at most 1 s apart; a 2 MiB spool).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StagecastProcess } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { startS3 } from './lib/s3.mjs';
import { recordingWith, decodeAllAsync } from './lib/recording.mjs';

let s3;
const servers = [];
before(async () => { s3 = await startS3(); });
after(async () => {
  await s3?.up().catch(() => {});
  for (const s of servers) await s.cleanup().catch(() => {});
  await s3?.stop();
});

async function recordingServer(extra = [], dataDir) {
  const server = new StagecastProcess({
    dataDir,
    args: [...s3.serverArgs(), '--record.enabled=true', '--streams.reconnect_grace_seconds=1',
      '--record.retry_initial_ms=200', '--record.retry_max_ms=1000', ...extra],
    env: s3.serverEnv(),
  });
  servers.push(server);
  return server.start();
}

async function live(server, stream) {
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
}

test('S3 answering 500, 403 and garbage, then gone, loses nothing while the spool holds; live HLS carries on', async () => {
  const server = await recordingServer();
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'faults' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 22, size: '320x180', gop: 30 });
  await live(server, stream);
  await waitFor(async () => (await s3.listObjects(`recordings/${stream.id}/`)).length > 0, { what: 'first objects' });
  const media = `${server.url}/hls/${stream.id}/source/index.m3u8`;
  const lastMsn = async () => Math.max(...[...(await (await fetch(media)).text()).matchAll(/seg(\d+)\.m4s/g)].map((m) => Number(m[1])));
  const before = await lastMsn();
  for (const mode of [{ status: 500, code: 'InternalError' }, { status: 403, code: 'AccessDenied' }, 'garbage']) {
    s3.fail(mode);
    await sleep(2500);
  }
  s3.fail('ok');
  await s3.down();
  await sleep(8000);
  // Live HLS never waited for the store: the playlist moved on meanwhile (2 s segments).
  const after = await lastMsn();
  await s3.up();
  assert.ok(after >= before + 5, `live HLS stalled while S3 was failing: ${before} -> ${after}`);
  assert.equal((await pub.done).code, 0);
  const done = await recordingWith(server, stream.id, artist.token);
  assert.equal(done.status, 'READY', JSON.stringify(done));
  assert.deepEqual(done.gaps, []);
  assert.ok(Math.abs(done.durationMs - 22000) <= 2500, `duration ${done.durationMs}`);
  const decoded = await decodeAllAsync(done.replayUrl.replace('master.m3u8', 'source/index.m3u8'));
  assert.equal(decoded.status, 0, decoded.stderr);
  assert.deepEqual(await s3.listUploads(), []);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.ok(Number(/stagecast_record_retries (\d+)/.exec(metrics)[1]) > 0, 'no retry counted');
  await server.stop();
});

test('an outage longer than the spool holds: PARTIAL, with the gap named', async () => {
  const server = await recordingServer(['--record.spool_max_bytes=1048576']);
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'spool full' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 20, size: '320x180', gop: 30, cbr: '1500k' });
  await live(server, stream);
  await waitFor(async () => (await s3.listObjects(`recordings/${stream.id}/`)).length > 0, { what: 'first objects' });
  await s3.down();
  await sleep(11000);  // ~2 MB of media against a 1 MiB spool
  await s3.up();
  assert.equal((await pub.done).code, 0);
  const done = await recordingWith(server, stream.id, artist.token);
  assert.equal(done.status, 'PARTIAL', JSON.stringify(done));
  assert.ok(done.gaps.length >= 1);
  const gap = done.gaps.find((g) => g.rendition === 'source');
  assert.equal(gap.reason, 'spool_full');
  assert.ok(gap.durationMs >= 2000 && gap.startMs > 0, JSON.stringify(gap));
  const playlist = await (await fetch(done.replayUrl.replace('master.m3u8', 'source/index.m3u8'))).text();
  assert.match(playlist, /#EXT-X-DISCONTINUITY/);
  assert.deepEqual(await s3.listUploads(), []);
  await server.stop();
});

test('SIGKILL mid-stream and a restart: the recording is finished from the spool, no upload is left open', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rec-kill-'));
  try {
    let server = await recordingServer([], dataDir);
    const artist = await verifiedArtist(server);
    const stream = await createStream(server, artist, { title: 'killed' });
    const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 30, size: '320x180', gop: 30 });
    await live(server, stream);
    await waitFor(async () => (await s3.listObjects(`recordings/${stream.id}/`)).filter((o) => /seg\d+/.test(o.key)).length >= 2, { what: 'segments' });
    // Some segments wait in the spool when the process dies.
    await s3.down();
    await sleep(3000);
    server.proc.kill('SIGKILL');
    await server.exited;
    pub.proc.kill('SIGKILL');
    assert.equal((await s3.listUploads().catch(() => null)), null);  // still down
    await s3.up();
    assert.equal((await s3.listUploads()).length, 1, 'the MP4 upload was open when the process died');
    server = await recordingServer([], dataDir);
    const done = await recordingWith(server, stream.id, artist.token);
    assert.ok(['READY', 'PARTIAL'].includes(done.status), JSON.stringify(done));
    assert.ok(done.durationMs >= 4000, `duration ${done.durationMs}`);
    const decoded = await decodeAllAsync(done.replayUrl.replace('master.m3u8', 'source/index.m3u8'));
    assert.equal(decoded.status, 0, decoded.stderr);
    await waitFor(async () => (await s3.listUploads()).length === 0, { timeout: 15000, what: 'no open multipart upload' });
    assert.ok(done.downloadUrl, 'the MP4 was completed from its journaled parts');
    await server.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
