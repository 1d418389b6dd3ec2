// Retention (docs/recording.md): a real server with a small record.retention_max_total_bytes
// sweeps the oldest finished recordings until the total fits: their objects leave the store,
// their rows leave the API, the newer recording stays playable. Two recordings are made first
// with no limit, then the server restarts with a limit between the newer one's size and the sum.
// Then by age: a third, fresh recording is made, and the server restarts with a
// record.retention_max_age_seconds that the kept one has outlived and the fresh one has not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagecastProcess } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { recordingWith, listRecordings } from './lib/recording.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'rec-retention-'));
const servers = [];
let survivor;  // what the first test leaves: { artist, stream, rec }
after(async () => {
  for (const s of servers) await s.cleanup().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

async function server(extra = []) {
  const s = new StagecastProcess({ dataDir, args: ['--record.enabled=true', '--streams.reconnect_grace_seconds=1', ...extra] });
  servers.push(s);
  return s.start();
}

// Every file of the local object store under a prefix.
function objectsUnder(prefix) {
  const root = join(dataDir, 'objects', prefix);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

// The local store keeps a composite object's pieces (the MP4's, docs/recording.md) outside the
// key tree: those whose object lies under a prefix.
function piecesUnder(prefix) {
  const root = join(dataDir, 'objects', '.composite');
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((id) => readFileSync(join(root, id, 'key'), 'utf8').startsWith(prefix));
}

test('retention by total size: the oldest recording is swept, objects and row, the newest stays', async () => {
  let s = await server();
  const artist = await verifiedArtist(s);
  const made = [];
  for (const title of ['older', 'newer']) {
    const stream = await createStream(s, artist, { title });
    await publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 6, size: '320x180', gop: 30 }).done;
    const rec = await recordingWith(s, stream.id, artist.token);
    assert.equal(rec.status, 'READY', JSON.stringify(rec));
    assert.ok(objectsUnder(`recordings/${stream.id}/${rec.id}`).includes('recording.mp4'));
    made.push({ stream, rec });
  }
  const [older, newer] = made;
  assert.ok(older.rec.startedAt < newer.rec.startedAt);
  await s.stop();

  // The limit holds the newer recording, not both: the older one goes at the first sweep.
  const limit = newer.rec.bytes + Math.floor(older.rec.bytes / 2);
  s = await server([`--record.retention_max_total_bytes=${limit}`, '--record.retention_sweep_seconds=1']);
  await waitFor(async () => (await listRecordings(s, older.stream.id, artist.token)).items.length === 0,
    { timeout: 20000, interval: 250, what: 'the older recording swept' });
  assert.deepEqual(objectsUnder(`recordings/${older.stream.id}`), [], 'its objects are gone');
  assert.deepEqual(piecesUnder(`recordings/${older.stream.id}/`), [], 'its MP4\'s pieces are gone');
  assert.equal(piecesUnder(`recordings/${newer.stream.id}/`).length, 1, 'the kept MP4 keeps its pieces');
  assert.equal((await fetch(`${s.url}/vod/${older.rec.id}/master.m3u8`)).status, 404);
  const stream = (await s.api('GET', `/api/livestream/${older.stream.id}`, { token: artist.token })).body;
  assert.equal(stream.recordingUrl ?? null, null, 'the stream no longer points at a replay');

  // The newer one stays, whole and playable, sweep after sweep.
  await new Promise((r) => setTimeout(r, 2500));
  const kept = (await listRecordings(s, newer.stream.id, artist.token)).items;
  assert.equal(kept.length, 1);
  assert.equal(kept[0].id, newer.rec.id);
  assert.ok(objectsUnder(`recordings/${newer.stream.id}/${newer.rec.id}`).includes('recording.mp4'));
  assert.equal((await fetch(kept[0].replayUrl)).status, 200);
  assert.match(s.log, /retention removed 1 recordings/);
  await s.stop();
  survivor = { artist, stream: newer.stream, rec: newer.rec };
});

const millis = (t) => (typeof t === 'number' ? t : Date.parse(t));

test('retention by age: a recording older than the limit is swept, a fresh one stays', async () => {
  assert.ok(survivor, 'the first test left a recording');
  const { artist } = survivor;
  let s = await server();
  const stream = await createStream(s, artist, { title: 'fresh' });
  await publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 6, size: '320x180', gop: 30 }).done;
  const fresh = await recordingWith(s, stream.id, artist.token);
  assert.equal(fresh.status, 'READY', JSON.stringify(fresh));
  await s.stop();

  // Ages are counted from the start of a recording. The limit: a second under the old one's age
  // now; the fresh one started at least 6 s later (its own publish), so it stays under the limit
  // for several sweeps after the old one went over it.
  const oldStart = millis(survivor.rec.startedAt);
  const freshStart = millis(fresh.startedAt);
  assert.ok(freshStart - oldStart >= 6000, `${freshStart - oldStart} ms between the two starts`);
  const maxAge = Math.floor((Date.now() - oldStart) / 1000) - 1;
  s = await server([`--record.retention_max_age_seconds=${maxAge}`, '--record.retention_sweep_seconds=1']);
  await waitFor(async () => (await listRecordings(s, survivor.stream.id, artist.token)).items.length === 0,
    { timeout: 20000, interval: 250, what: 'the old recording swept by age' });
  const freshAge = (Date.now() - freshStart) / 1000;
  assert.deepEqual(objectsUnder(`recordings/${survivor.stream.id}`), [], 'its objects are gone');
  assert.equal((await fetch(`${s.url}/vod/${survivor.rec.id}/master.m3u8`)).status, 404);
  // The fresh one, still under the limit, stays whole and playable.
  assert.ok(freshAge < maxAge, `the fresh recording is ${freshAge.toFixed(1)} s old, the limit ${maxAge} s`);
  const items = (await listRecordings(s, stream.id, artist.token)).items;
  assert.equal(items.length, 1);
  assert.equal(items[0].id, fresh.id);
  assert.ok(objectsUnder(`recordings/${stream.id}/${fresh.id}`).includes('recording.mp4'));
  assert.equal((await fetch(items[0].replayUrl)).status, 200);
});
