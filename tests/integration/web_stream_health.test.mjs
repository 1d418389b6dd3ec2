// GET /api/livestream/{id}/health: what the Studio's stream health panel shows, measured from the
// media that really arrives (ffmpeg publishing as OBS would), for the owner only.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { validate, responseSchema } from './lib/openapi.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

function checkSchema(r) {
  assert.deepEqual(validate(r.body, responseSchema('GET', '/api/livestream/{id}/health', r.status)), [], r.text);
}

test('only the owner sees a stream\'s health', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist);
  const fan = await register(server);
  const other = await verifiedArtist(server, 'Other');
  const path = `/api/livestream/${stream.id}/health`;
  let r = await server.api('GET', path);
  assert.equal(r.status, 401);
  checkSchema(r);
  r = await server.api('GET', path, { token: fan.token });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'not_owner');
  r = await server.api('GET', path, { token: other.token });
  assert.equal(r.status, 403);
  r = await server.api('GET', `/api/livestream/doesnotexist/health`, { token: artist.token });
  assert.equal(r.status, 404);
  r = await server.api('GET', path, { token: artist.token });
  assert.equal(r.status, 200, r.text);
  checkSchema(r);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.deepEqual(r.body, { streamId: stream.id, status: 'CREATED', ingest: null });
});

test('health reports the bitrate, frame rate and key frame interval of what the encoder sends', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist);
  const path = `/api/livestream/${stream.id}/health`;
  // 30 fps, a key frame every 60 frames (2 s), 2500 kbps video + 160 kbps audio.
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 30, size: '640x360', gop: 60 });
  try {
    const r = await waitFor(async () => {
      const h = await server.api('GET', path, { token: artist.token });
      return h.body?.ingest?.keyFrames >= 3 && h.body.ingest.keyframeIntervalSeconds > 0 ? h : null;
    }, { timeout: 25000, what: 'three key frames in the health report' });
    checkSchema(r);
    const i = r.body.ingest;
    assert.equal(r.body.status, 'LIVE');
    assert.equal(i.publisherConnected, true);
    assert.equal(i.width, 640);
    assert.equal(i.height, 360);
    assert.match(i.videoCodec, /^avc1\.64/);
    assert.equal(i.audioCodec, 'mp4a.40.2');
    assert.equal(i.sampleRate, 48000);
    assert.equal(i.channels, 2);
    assert.ok(Math.abs(i.keyframeIntervalSeconds - 2) < 0.05, `key frame interval ${i.keyframeIntervalSeconds}`);
    assert.ok(Math.abs(i.fps - 30) < 1.5, `fps ${i.fps}`);
    assert.ok(i.bitrateKbps > 100 && i.bitrateKbps < 6000, `bitrate ${i.bitrateKbps}`);
    assert.ok(i.liveSince > 0 && i.lastFrameAt >= i.liveSince);
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
  // Ended by the owner: nothing arrives any more.
  await server.api('POST', `/api/livestream/${stream.id}/end`, { token: artist.token });
  const after = await server.api('GET', path, { token: artist.token });
  assert.equal(after.body.status, 'ENDED');
  assert.equal(after.body.ingest, null);
});
