// Whole-file downloads of a recording's MP4 larger than record.download_whole_max_bytes (lowered
// here to 256 KiB) stream through the server (docs/recording.md, Replay), over HTTP/1.1 and
// HTTP/2 (h2c): 1 MiB pieces read from the object store one after the other, the next once the
// socket or the HTTP/2 window took the last, so a client that stops reading holds about two
// pieces of the server's memory; the bytes that arrive are the object's; and a file that cannot
// be read to its end is cut short (connection closed, or RST_STREAM), never passed off as whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish } from './lib/media.mjs';
import { recordingWith, ffprobeDuration } from './lib/recording.mjs';

let server;
let rec;
let artist;
let streamId;
let onDisk;
before(async () => {
  server = await startServer({ args: ['--record.enabled=true', '--streams.reconnect_grace_seconds=1', '--record.download_whole_max_bytes=262144'] });
  artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'big file' });
  streamId = stream.id;
  await publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 16, size: '640x360', cbr: '8000k' }).done;
  rec = await recordingWith(server, stream.id, artist.token);
  assert.equal(rec.status, 'READY', JSON.stringify(rec));
  // What the download must be, rebuilt independently from the store's files: the source's CMAF
  // header followed by every segment its VOD playlist lists (docs/recording.md).
  const dir = join(server.dataDir, 'objects', 'recordings', stream.id, rec.id);
  const playlist = readFileSync(join(dir, 'source', 'index.m3u8'), 'utf8');
  const header = /#EXT-X-MAP:URI="([^"?]+)/.exec(playlist)[1];
  const segments = playlist.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('?')[0]);
  assert.ok(segments.length >= 6, playlist);
  onDisk = Buffer.concat([header, ...segments].map((f) => readFileSync(join(dir, 'source', f))));
  assert.ok(onDisk.length > 8 * 1024 * 1024, `an MP4 of ${onDisk.length} bytes, far above the 256 KiB limit`);
  // The local store holds those bytes once: the MP4 object is a manifest of its pieces, which are
  // the segment files themselves (hard links), not a second copy.
  const manifest = statSync(join(dir, 'recording.mp4'));
  assert.ok(manifest.size < 64 * 1024, `the MP4 takes ${manifest.size} bytes of its own on disk`);
  for (const f of segments) assert.equal(statSync(join(dir, 'source', f)).nlink, 2, f);
});
after(async () => { await server?.cleanup(); });

const sha = (b) => createHash('sha256').update(b).digest('hex');
const rssBytes = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

// A raw HTTP/1.1 GET whose socket is paused: nothing is read until resume().
async function pausedGet(url) {
  const sock = net.connect(Number(url.port), url.hostname);
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  const chunks = [];
  sock.on('data', (d) => chunks.push(d));
  sock.pause();
  sock.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
  const ended = new Promise((r) => sock.once('close', r));
  return {
    resume: async () => {
      sock.resume();
      await ended;
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      return { head: raw.subarray(0, split).toString(), body: raw.subarray(split + 4) };
    },
  };
}

// An HTTP/2 GET over h2c whose stream is paused until resume().
function pausedH2Get(url) {
  const session = http2.connect(url.origin);
  session.on('error', () => {});
  const req = session.request({ ':path': url.pathname + url.search });
  const chunks = [];
  let headers = null;
  req.on('response', (h) => { headers = h; });
  req.on('data', (d) => chunks.push(d));
  req.on('error', () => {});
  req.pause();
  const closed = new Promise((r) => req.once('close', r));
  return {
    resume: async () => {
      req.resume();
      await closed;
      session.close();
      return { headers, body: Buffer.concat(chunks), rstCode: req.rstCode };
    },
  };
}

// The server's growth while a client holds a paused download: sampled for two seconds.
async function growthWhilePaused(pid, before) {
  let peak = 0;
  for (let i = 0; i < 10; i++) {
    await sleep(200);
    peak = Math.max(peak, rssBytes(pid) - before);
  }
  return peak;
}

test('HTTP/1.1: a large MP4 streams whole, HEAD tells its length, a range still answers 206', async () => {
  const whole = await fetch(rec.downloadUrl);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'video/mp4');
  assert.equal(Number(whole.headers.get('content-length')), onDisk.length);
  assert.equal(whole.headers.get('content-range'), null);
  const got = Buffer.from(await whole.arrayBuffer());
  assert.equal(got.length, onDisk.length);
  assert.equal(sha(got), sha(onDisk));
  // ffprobe reads the downloaded file whole: about the 16 s published (within a segment).
  const tmp = mkdtempSync(join(tmpdir(), 'sc-dl-'));
  try {
    writeFileSync(join(tmp, 'recording.mp4'), got);
    const seconds = ffprobeDuration(join(tmp, 'recording.mp4'));
    assert.ok(Math.abs(seconds - rec.durationMs / 1000) < 0.5, `ffprobe ${seconds} s, recording ${rec.durationMs} ms`);
    assert.ok(seconds > 12 && seconds < 19, `ffprobe ${seconds} s of 16 published`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const head = await fetch(rec.downloadUrl, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers.get('content-length')), onDisk.length);
  const part = await fetch(rec.downloadUrl, { headers: { range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), onDisk.subarray(100, 200));
  // Keep-alive goes on after a streamed answer: the same connection serves the next request.
  const again = await fetch(rec.downloadUrl, { headers: { range: 'bytes=0-9' } });
  assert.equal(again.status, 206);
});

test('HTTP/2: a large MP4 streams whole over h2c', async () => {
  const url = new URL(rec.downloadUrl);
  const dl = pausedH2Get(url);
  const { headers, body, rstCode } = await dl.resume();
  assert.equal(headers[':status'], 200);
  assert.equal(Number(headers['content-length']), onDisk.length);
  assert.equal(rstCode, http2.constants.NGHTTP2_NO_ERROR);
  assert.equal(body.length, onDisk.length);
  assert.equal(sha(body), sha(onDisk));
});

test('a client that stops reading holds the server to about two pieces of memory (HTTP/1.1 and HTTP/2)', async () => {
  const pid = server.proc.pid;
  const url = new URL(rec.downloadUrl);
  await sleep(300);
  const before = rssBytes(pid);
  const h1 = await pausedGet(url);
  const h2 = pausedH2Get(url);
  const peak = await growthWhilePaused(pid, before);
  console.log(`# server growth while paused: ${(peak / 1048576).toFixed(2)} MiB`);
  const mib = (n) => (n / 1048576).toFixed(1);
  // Reading the file whole would be twice its size (two clients); ASan's quarantine keeps freed
  // pieces for a while, so its bound is looser.
  const bound = (process.env.SC_TEST_SANITIZED === '1' ? 12 : 8) * 1024 * 1024;
  assert.ok(peak < bound, `the server grew by ${mib(peak)} MiB while two clients did not read (file ${mib(onDisk.length)} MiB)`);
  const [a, b] = await Promise.all([h1.resume(), h2.resume()]);
  assert.match(a.head, /^HTTP\/1\.1 200 /);
  assert.equal(a.body.length, onDisk.length);
  assert.equal(sha(a.body), sha(onDisk));
  assert.equal(b.body.length, onDisk.length);
  assert.equal(sha(b.body), sha(onDisk));
});

test('a file that goes away mid-download is cut short, never passed off as whole', async () => {
  const url = new URL(rec.downloadUrl);
  const h1 = await pausedGet(url);
  const h2 = pausedH2Get(url);
  await sleep(500);  // both answers started; the socket and the window hold the first pieces
  const del = await server.api('DELETE', `/api/livestream/${streamId}/recordings/${rec.id}`, { token: artist.token });
  assert.equal(del.status, 204, JSON.stringify(del.body));
  const [a, b] = await Promise.all([h1.resume(), h2.resume()]);
  assert.match(a.head, /^HTTP\/1\.1 200 /);
  assert.match(a.head, new RegExp(`content-length: ${onDisk.length}`, 'i'));
  assert.ok(a.body.length < onDisk.length, `HTTP/1.1: ${a.body.length} of ${onDisk.length} bytes, then the connection closed`);
  assert.equal(b.headers?.[':status'], 200);
  assert.ok(b.body.length < onDisk.length, `HTTP/2: ${b.body.length} of ${onDisk.length} bytes`);
  assert.equal(b.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
  // The recording is gone for new requests.
  assert.equal((await fetch(rec.downloadUrl)).status, 404);
});
