// MP4 downloads from S3 through short-lived presigned URLs (`record.presign_downloads`,
// docs/recording.md "Replay"): a download larger than `record.download_whole_max_bytes` is a 302
// to a SigV4 query-string URL (RFC-less, AWS's "Authenticating Requests: Using Query
// Parameters") that the S3 proxy re-signs with AWS's own signer and whose expiry it checks; the
// bytes never cross the server. Access is decided before the redirect: a subscribers-only
// recording gives no URL to a stranger.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream, register } from './lib/fixtures.mjs';
import { publish } from './lib/media.mjs';
import { startS3 } from './lib/s3.mjs';
import { recordingWith } from './lib/recording.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

const TTL_SECONDS = 3;
let s3;
let server;
before(async () => {
  s3 = await startS3();
  server = await startServer({
    args: [...s3.serverArgs(), '--record.enabled=true', '--streams.reconnect_grace_seconds=1',
      '--record.presign_downloads=true', `--record.presign_ttl_seconds=${TTL_SECONDS}`,
      '--record.download_whole_max_bytes=1048576'],
    env: s3.serverEnv(),
  });
});
after(async () => {
  await server?.cleanup();
  await s3?.stop();
});

async function recorded(artist, body) {
  const stream = await createStream(server, artist, { record: true, ...body });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 5, size: '640x360', cbr: '4000k' });
  assert.equal((await pub.done).code, 0);
  const done = await recordingWith(server, stream.id, artist.token);
  assert.equal(done.status, 'READY', JSON.stringify(done));
  return { stream, done };
}

test('a large MP4 download is a redirect to a presigned S3 URL that serves the same bytes and expires', async () => {
  const artist = await verifiedArtist(server);
  const { stream, done } = await recorded(artist, { title: 'presigned' });
  const key = `recordings/${stream.id}/${done.id}/recording.mp4`;
  const mp4 = await s3.getObject(key);
  assert.ok(mp4.length > 1048576, `an MP4 of ${mp4.length} bytes`);

  const redirect = await fetch(done.downloadUrl, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const location = new URL(redirect.headers.get('location'));
  assert.equal(redirect.headers.get('cache-control')?.includes('no-store'), true,
    `a redirect to a URL that expires is not cached: ${redirect.headers.get('cache-control')}`);
  assert.equal(location.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  assert.equal(location.searchParams.get('X-Amz-Expires'), String(TTL_SECONDS));
  assert.ok(location.pathname.endsWith(`/${key}`), location.pathname);
  assert.match(location.searchParams.get('X-Amz-Credential'), /^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/);

  // The presigned URL serves the object: the proxy re-signed it with AWS's signer.
  const whole = await fetch(location);
  assert.equal(whole.status, 200, await whole.clone().text());
  assert.equal(Buffer.from(await whole.arrayBuffer()).equals(mp4), true);
  const range = await fetch(location, { headers: { range: 'bytes=100-199' } });
  assert.equal(range.status, 206);
  assert.equal(Buffer.from(await range.arrayBuffer()).equals(mp4.subarray(100, 200)), true);
  assert.deepEqual(s3.signatureFailures, []);

  // A forged signature is refused by the store.
  const forged = new URL(location);
  const sig = forged.searchParams.get('X-Amz-Signature');
  forged.searchParams.set('X-Amz-Signature', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
  assert.equal((await fetch(forged)).status, 403);
  s3.signatureFailures.length = 0;

  // Past its lifetime the URL no longer works; a new download gets a new one that does.
  await sleep((TTL_SECONDS + 1.5) * 1000);
  assert.equal((await fetch(location)).status, 403);
  s3.signatureFailures.length = 0;
  const again = await fetch(done.downloadUrl, { redirect: 'manual' });
  assert.equal(again.status, 302);
  const fresh = await fetch(again.headers.get('location'));
  assert.equal(fresh.status, 200);
  assert.equal(Buffer.from(await fresh.arrayBuffer()).equals(mp4), true);

  // A range request to the server is answered by the server itself (206), not redirected.
  const head = await fetch(done.downloadUrl, { headers: { range: 'bytes=0-99' }, redirect: 'manual' });
  assert.equal(head.status, 206);
  assert.deepEqual(s3.signatureFailures, []);
});

test('a subscribers-only recording gives no presigned URL without access', async () => {
  const artist = await verifiedArtist(server);
  const { done } = await recorded(artist, { title: 'subscribers only', visibility: 'SUBSCRIBERS' });
  const bare = done.downloadUrl.split('?')[0];
  const stranger = await register(server);
  for (const headers of [{}, { authorization: `Bearer ${stranger.token}` }]) {
    const r = await fetch(bare, { headers, redirect: 'manual' });
    assert.ok([401, 403].includes(r.status), `status ${r.status}`);
    assert.equal(r.headers.get('location'), null);
  }
  // The owner's download URL (with its token) redirects.
  const mine = await fetch(done.downloadUrl, { redirect: 'manual' });
  assert.equal(mine.status, 302);
});
