// Recording to a real S3-compatible server while live (docs/recording.md): s3rver on loopback
// behind a proxy that checks every SigV4 signature with AWS's own signer, @aws-sdk/client-s3
// reading back independently. One stream with the ABR ladder (source and 240p) at a constant
// 6 Mb/s, so its MP4 spans two multipart parts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream, register } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { startS3 } from './lib/s3.mjs';
import { recordingWith, listRecordings, ffprobeDuration, variantUrls, decodeAllAsync } from './lib/recording.mjs';

let s3;
let server;
let scratch;
before(async () => {
  s3 = await startS3();
  scratch = mkdtempSync(join(tmpdir(), 'rec-s3-'));
  server = await startServer({
    args: [...s3.serverArgs(), '--record.enabled=true', '--streams.reconnect_grace_seconds=1',
      '--transcode.enabled=true', '--transcode.ladder=240p:300k', '--record.mp4_part_bytes=5242880',
      // Whole MP4 downloads over 1 MiB stream through from S3 in pieces (ranged GETs).
      '--record.download_whole_max_bytes=1048576'],
    env: s3.serverEnv(),
  });
});
after(async () => {
  await server?.cleanup();
  await s3?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('a live stream is recorded to S3 as it goes: segments while live, VOD playlists and a multipart MP4 at the end', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'recorded', record: true });
  const mine = (await server.api('GET', `/api/livestream/${stream.id}`, { token: artist.token })).body;
  assert.equal(mine.record, true);
  const seconds = 14;
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds, size: '640x360', cbr: '6000k' });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });

  // Segment objects appear while the stream is still live.
  const prefix = `recordings/${stream.id}/`;
  const live = await waitFor(async () => {
    const objects = await s3.listObjects(prefix);
    return objects.filter((o) => /\/source\/seg\d+\.m4s$/.test(o.key)).length >= 2 && objects;
  }, { timeout: 20000, what: 'segments in S3 while live' });
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`)).body.status, 'LIVE');
  assert.ok(live.some((o) => o.key.endsWith('/source/init.mp4')), JSON.stringify(live));
  const recording = (await listRecordings(server, stream.id, artist.token)).items[0];
  assert.equal(recording.status, 'RECORDING');

  const { code } = await pub.done;
  assert.equal(code, 0);
  const done = await recordingWith(server, stream.id, artist.token);
  assert.equal(done.status, 'READY', JSON.stringify(done));
  assert.deepEqual(done.gaps, []);
  assert.deepEqual(done.renditions, ['source', '240p']);
  assert.ok(Math.abs(done.durationMs - seconds * 1000) <= 2500, `duration ${done.durationMs}`);
  assert.ok(done.bytes > 5 * 1024 * 1024);
  assert.match(done.replayUrl, /\/vod\/[0-9a-f]{32}\/master\.m3u8\?token=/);
  const streamNow = (await server.api('GET', `/api/livestream/${stream.id}`)).body;
  assert.equal(streamNow.status, 'ENDED');
  assert.equal(streamNow.recordingUrl, `${server.url}/vod/${done.id}/master.m3u8`);

  // The MP4 went up as a multipart upload: parts of at least 5 MiB but the last, completed, and
  // no upload is left open.
  const parts = s3.partUploads().filter((p) => p.path.endsWith(`${done.id}/recording.mp4`));
  assert.ok(parts.length >= 2, `parts: ${JSON.stringify(parts)}`);
  for (const p of parts.slice(0, -1)) assert.ok(p.bytes >= 5 * 1024 * 1024, `part of ${p.bytes} bytes`);
  assert.deepEqual(await s3.listUploads(), []);
  assert.deepEqual(s3.signatureFailures, []);

  // ffprobe reads the MP4 (fetched with the AWS SDK) and its duration is what was published.
  const mp4 = await s3.getObject(`recordings/${stream.id}/${done.id}/recording.mp4`);
  const file = join(scratch, 'recording.mp4');
  writeFileSync(file, mp4);
  const duration = ffprobeDuration(file);
  assert.ok(Math.abs(duration - seconds) <= 2.1, `MP4 lasts ${duration} s for ${seconds} s published`);

  // The replay keeps the ladder; every rendition's VOD playlist decodes without an error.
  const master = await fetch(done.replayUrl);
  assert.equal(master.status, 200);
  const masterText = await master.text();
  assert.match(masterText, /RESOLUTION=640x360/);
  assert.match(masterText, /RESOLUTION=\d+x240/);
  const variants = variantUrls(masterText, done.replayUrl);
  assert.equal(variants.length, 2);
  for (const url of variants) {
    const media = await (await fetch(url)).text();
    assert.match(media, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(media, /#EXT-X-ENDLIST\s*$/);
    assert.match(media, /seg\d+\.m4s\?token=/);
    const decoded = await decodeAllAsync(url);
    assert.equal(decoded.status, 0, `ffmpeg -xerror on ${url}: ${decoded.stderr}`);
  }
  // The MP4 download: a range answers 206 with Content-Range; the whole file, over the 1 MiB set
  // above, streams through from S3 piece by piece.
  assert.ok(mp4.length > 1048576, `an MP4 of ${mp4.length} bytes`);
  const head = await fetch(done.downloadUrl, { headers: { range: 'bytes=0-99' } });
  assert.equal(head.status, 206);
  assert.equal(head.headers.get('content-range'), `bytes 0-99/${mp4.length}`);
  const whole = await fetch(done.downloadUrl);
  assert.equal(whole.status, 200);
  assert.equal(Number(whole.headers.get('content-length')), mp4.length);
  assert.equal(Buffer.from(await whole.arrayBuffer()).equals(mp4), true);
});

test('a subscribers-only replay needs a token; a deleted recording is 404 and its objects are gone', async () => {
  const artist = await verifiedArtist(server);
  const fan = await register(server);
  const stream = await createStream(server, artist, { title: 'subscribers only', visibility: 'SUBSCRIBERS' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 5, size: '320x180', gop: 30 });
  await pub.done;
  const done = await recordingWith(server, stream.id, artist.token);
  assert.equal(done.status, 'READY', JSON.stringify(done));
  const bare = done.replayUrl.split('?')[0];
  for (const url of [bare, bare.replace('master.m3u8', 'source/index.m3u8'), bare.replace('master.m3u8', 'recording.mp4')]) {
    const r = await fetch(url);
    assert.equal(r.status, 403, url);
  }
  // A fan without a subscription sees the recording listed but gets no URL to play it.
  const asFan = await listRecordings(server, stream.id, fan.token);
  assert.equal(asFan.access.watch, false);
  assert.equal(asFan.access.reason, 'subscription_required');
  assert.equal(asFan.items[0].replayUrl, null);
  assert.equal((await fetch(done.replayUrl)).status, 200);

  // Only the owner deletes; then the replay is 404 and no object is left.
  const prefix = `recordings/${stream.id}/${done.id}/`;
  assert.ok((await s3.listObjects(prefix)).length > 3);
  assert.equal((await server.api('DELETE', `/api/livestream/${stream.id}/recordings/${done.id}`, { token: fan.token })).status, 404);
  const del = await server.api('DELETE', `/api/livestream/${stream.id}/recordings/${done.id}`, { token: artist.token });
  assert.equal(del.status, 204, del.text);
  assert.equal((await fetch(done.replayUrl)).status, 404);
  assert.deepEqual(await s3.listObjects(prefix), []);
  assert.deepEqual((await listRecordings(server, stream.id, artist.token)).items, []);
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`)).body.recordingUrl, null);
});

test('clips: cut on key frames from a recording, stored as objects, playable; bad input and S3 errors are clear', async () => {
  const artist = await verifiedArtist(server);
  const other = await verifiedArtist(server, 'Other Artist');
  const fan = await register(server);
  const stream = await createStream(server, artist, { title: 'clip me' });
  const clipUrl = `/api/livestream/${stream.id}/clips`;
  // Nothing finished yet: no clip.
  assert.equal((await server.api('POST', clipUrl, { token: artist.token, body: { startMs: 0, durationMs: 2000, title: 'x' } })).status, 409);
  await publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 10, size: '320x180', gop: 30 }).done;
  const rec = await recordingWith(server, stream.id, artist.token);
  assert.equal(rec.status, 'READY', JSON.stringify(rec));

  for (const [body, status] of [
    [{ startMs: -1, durationMs: 2000, title: 'neg' }, 422],
    [{ startMs: 0, durationMs: 600000, title: 'too long' }, 422],
    [{ startMs: 0, durationMs: 2000, title: '' }, 422],
    [{ startMs: 60000, durationMs: 2000, title: 'outside' }, 422],
    [{ startMs: 0, durationMs: 2000, title: 'x', extra: 1 }, 422],
  ]) {
    const r = await server.api('POST', clipUrl, { token: artist.token, body });
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.body.error.code && r.body.error.message, r.text);
  }
  assert.equal((await server.api('POST', clipUrl, { token: artist.token, body: { startMs: 60000, durationMs: 2000, title: 'o' } })).body.error.code, 'clip_out_of_range');
  assert.equal((await server.api('POST', clipUrl, { token: other.token, body: { startMs: 0, durationMs: 2000, title: 'theirs' } })).status, 403);
  assert.equal((await server.api('POST', clipUrl, { token: fan.token, body: { startMs: 0, durationMs: 2000, title: 'fan' } })).status, 403);
  assert.equal((await server.api('POST', clipUrl, { body: { startMs: 0, durationMs: 2000, title: 'anon' } })).status, 401);

  // S3 failing while a clip is cut: a clear 503, nothing half-made left, the server lives on.
  s3.fail({ status: 500, code: 'InternalError' });
  const failed = await server.api('POST', clipUrl, { token: artist.token, body: { startMs: 3000, durationMs: 3000, title: 'later' } });
  s3.fail('ok');
  assert.equal(failed.status, 503, failed.text);
  assert.equal(failed.body.error.code, 'storage_unavailable');

  const made = await server.api('POST', clipUrl, { token: artist.token, body: { startMs: 3500, durationMs: 3000, title: 'the drop' } });
  assert.equal(made.status, 201, made.text);
  const clip = made.body;
  assert.equal(clip.kind, 'CLIP');
  assert.equal(clip.status, 'READY');
  assert.equal(clip.title, 'the drop');
  assert.equal(clip.sourceRecordingId, rec.id);
  assert.ok(clip.clipStartMs <= 3500 && clip.clipStartMs >= 2000, `starts at ${clip.clipStartMs}`);
  assert.ok(clip.clipStartMs + clip.durationMs >= 6500, JSON.stringify(clip));
  const decoded = await decodeAllAsync(clip.replayUrl);
  assert.equal(decoded.status, 0, decoded.stderr);
  const mp4 = await s3.getObject(`recordings/${stream.id}/clips/${clip.id}/recording.mp4`);
  const file = join(scratch, 'clip.mp4');
  writeFileSync(file, mp4);
  const clipSeconds = ffprobeDuration(file);
  assert.ok(Math.abs(clipSeconds - clip.durationMs / 1000) < 0.5, `clip MP4 of ${clipSeconds} s for ${clip.durationMs} ms`);
  const listed = (await listRecordings(server, stream.id, fan.token)).items.map((r) => r.kind);
  assert.deepEqual(listed, ['RECORDING', 'CLIP']);
  assert.deepEqual(await s3.listUploads(), []);
  // Its own objects: deleting the recording leaves the clip playable.
  assert.equal((await server.api('DELETE', `/api/livestream/${stream.id}/recordings/${rec.id}`, { token: artist.token })).status, 204);
  assert.equal((await fetch(clip.replayUrl)).status, 200);
});

test('clips while live: cut from the part of the recording already in S3, on key frames, playable at once', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'clip it live' });
  const clipUrl = `/api/livestream/${stream.id}/clips`;
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 24, size: '320x180', gop: 30 });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
  // Until 8 s of the stream are in S3 the window is out of range (422) or nothing is stored
  // yet (409); then the clip is cut while the stream goes on.
  const answers = new Set();
  const made = await waitFor(async () => {
    const r = await server.api('POST', clipUrl, { token: artist.token, body: { startMs: 3000, durationMs: 4000, title: 'live moment' } });
    answers.add(r.status);
    if (r.status !== 201) assert.ok([409, 422].includes(r.status), r.text);
    return r.status === 201 && r.body;
  }, { timeout: 30000, interval: 500, what: 'a clip cut while live' });
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`)).body.status, 'LIVE', 'still live when the clip was cut');
  const live = (await listRecordings(server, stream.id, artist.token)).items.find((r) => r.kind === 'RECORDING');
  assert.equal(live.status, 'RECORDING');
  assert.equal(made.kind, 'CLIP');
  assert.equal(made.status, 'READY');
  assert.equal(made.sourceRecordingId, live.id);
  assert.ok(made.clipStartMs <= 3000 && made.clipStartMs >= 1000, `starts at ${made.clipStartMs}`);
  assert.ok(made.clipStartMs + made.durationMs >= 7000, JSON.stringify(made));
  // The recording's own playlists are written at its end: the clip came from its segments.
  const objects = await s3.listObjects(`recordings/${stream.id}/`);
  assert.ok(!objects.some((o) => o.key === `recordings/${stream.id}/${live.id}/source/index.m3u8`), 'no VOD playlist of the live recording yet');
  assert.ok(objects.some((o) => o.key === `recordings/${stream.id}/clips/${made.id}/recording.mp4`));
  const decoded = await decodeAllAsync(made.replayUrl);
  assert.equal(decoded.status, 0, decoded.stderr);
  const file = join(scratch, 'live-clip.mp4');
  writeFileSync(file, await s3.getObject(`recordings/${stream.id}/clips/${made.id}/recording.mp4`));
  const clipSeconds = ffprobeDuration(file);
  assert.ok(Math.abs(clipSeconds - made.durationMs / 1000) < 0.5, `clip MP4 of ${clipSeconds} s for ${made.durationMs} ms`);
  // Past what is stored: out of range, clearly.
  const ahead = await server.api('POST', clipUrl, { token: artist.token, body: { startMs: 60000, durationMs: 2000, title: 'future' } });
  assert.equal(ahead.status, 422, ahead.text);
  assert.equal(ahead.body.error.code, 'clip_out_of_range');
  assert.equal((await pub.done).code, 0);
  const done = await recordingWith(server, stream.id, artist.token);
  assert.equal(done.status, 'READY', JSON.stringify(done));
  assert.equal((await fetch(made.replayUrl)).status, 200);
  assert.deepEqual(await s3.listUploads(), []);
});
