// The local object store (the embedded default) killed with SIGKILL mid-stream (docs/recording.md,
// Faults): the MP4's parts are hard links of the segment files (written once), so the restart
// must finish the MP4 from the links the dead process made. The recording is READY, the MP4 it
// serves is byte for byte the source's header and every segment of its replay, ffprobe reads it,
// and nothing is left open (.uploads, .staging) or held twice.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StagecastProcess } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { recordingWith, decodeAllAsync, ffprobeDuration } from './lib/recording.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'rec-local-kill-'));
const servers = [];
after(async () => {
  for (const s of servers) await s.cleanup().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

async function server() {
  const s = new StagecastProcess({ dataDir, args: ['--record.enabled=true', '--streams.reconnect_grace_seconds=1'] });
  servers.push(s);
  return s.start();
}

const objects = join(dataDir, 'objects');
const entries = (dir) => (existsSync(dir) ? readdirSync(dir) : []);

test('SIGKILL mid-stream on the local store: the MP4 is finished from its linked parts, whole and held once', async () => {
  let s = await server();
  const artist = await verifiedArtist(s);
  const stream = await createStream(s, artist, { title: 'killed locally' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 40, size: '320x180', gop: 30 });
  const streamDir = join(objects, 'recordings', stream.id);
  const segmentsOnDisk = () => entries(streamDir).flatMap((id) => entries(join(streamDir, id, 'source'))).filter((f) => /^seg\d+\.m4s$/.test(f));
  await waitFor(async () => segmentsOnDisk().length >= 4, { timeout: 60000, what: 'segments in the store' });
  await sleep(1500);  // some segments staged, linked and journaled but not yet committed
  s.proc.kill('SIGKILL');
  await s.exited;
  pub.proc.kill('SIGKILL');
  assert.equal(entries(join(objects, '.uploads')).length, 1, 'the MP4 upload was open when the process died');

  s = await server();
  const done = await recordingWith(s, stream.id, artist.token);
  assert.equal(done.status, 'READY', JSON.stringify(done));
  assert.ok(done.durationMs >= 6000, `duration ${done.durationMs}`);
  assert.ok(done.downloadUrl, 'the MP4 was completed from its journaled parts');
  const decoded = await decodeAllAsync(done.replayUrl.replace('master.m3u8', 'source/index.m3u8'));
  assert.equal(decoded.status, 0, decoded.stderr);

  // The download is the source's header followed by every segment of the replay, rebuilt here
  // from the store's files; the MP4 object on disk is only a manifest of them.
  const dir = join(streamDir, done.id);
  const playlist = readFileSync(join(dir, 'source', 'index.m3u8'), 'utf8');
  const header = /#EXT-X-MAP:URI="([^"?]+)/.exec(playlist)[1];
  const segments = playlist.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('?')[0]);
  const expected = Buffer.concat([header, ...segments].map((f) => readFileSync(join(dir, 'source', f))));
  const res = await fetch(done.downloadUrl);
  assert.equal(res.status, 200);
  const got = Buffer.from(await res.arrayBuffer());
  assert.equal(got.length, expected.length);
  assert.ok(got.equals(expected), 'the MP4 is the header and the segments, in order');
  const range = await fetch(done.downloadUrl, { headers: { range: `bytes=${expected.length - 5000}-` } });
  assert.equal(range.status, 206);
  assert.ok(Buffer.from(await range.arrayBuffer()).equals(expected.subarray(expected.length - 5000)));
  assert.ok(statSync(join(dir, 'recording.mp4')).size < 16 * 1024, 'the MP4 holds no bytes of its own');
  for (const f of segments) assert.equal(statSync(join(dir, 'source', f)).nlink, 2, f);
  const file = join(dataDir, 'download.mp4');
  writeFileSync(file, got);
  const seconds = ffprobeDuration(file);
  assert.ok(Math.abs(seconds - done.durationMs / 1000) < 0.5, `ffprobe ${seconds} s, recording ${done.durationMs} ms`);

  // Nothing left open or half-made.
  assert.deepEqual(entries(join(objects, '.uploads')), [], 'no open upload');
  assert.deepEqual(entries(join(objects, '.staging')), [], 'nothing staged');
  assert.equal(entries(join(objects, '.composite')).length, 1, 'one composite: this MP4');

  // Deleting the recording takes the MP4's pieces with it.
  const del = await s.api('DELETE', `/api/livestream/${stream.id}/recordings/${done.id}`, { token: artist.token });
  assert.equal(del.status, 204, JSON.stringify(del.body));
  assert.equal((await fetch(done.downloadUrl)).status, 404);
  assert.deepEqual(entries(join(objects, '.composite')), [], 'its pieces are gone');
  assert.deepEqual(entries(dir), [], 'its objects are gone');
  await s.stop();
});
