// HTTP/2 (RFC 9113) on the plain HTTP port with prior knowledge (h2c): node's own http2 client and
// curl talk to the real binary; an LL-HLS player's held playlist request and its part fetches
// share one connection; bad HTTP/2 input gets a clear outcome (GOAWAY, RST_STREAM) and the server
// keeps serving everyone else.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';

const run = promisify(execFile);
const BODY_LIMIT = 64 * 1024;
let server;
before(async () => { server = await startServer({ args: [`--http.body_limit_bytes=${BODY_LIMIT}`] }); });
after(async () => { await server.cleanup(); });

// One request on an open session: { status, headers, body (Buffer) }.
function h2request(session, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': method, ':path': path, ...headers }, { endStream: body === undefined });
    const chunks = [];
    let head;
    req.on('response', (h) => { head = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve({ status: head?.[':status'], headers: head, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

function connect(url = server.url, options = {}) {
  return new Promise((resolve, reject) => {
    const s = http2.connect(url, options);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const close = (session) => new Promise((resolve) => session.close(resolve));

test('API and LL-HLS over one h2c connection: parts arrive while a blocking playlist reload is held on another stream', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'h2 live' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 9 });
  const session = await connect();
  let connections = 0;
  session.socket.on('close', () => { connections += 1; });
  try {
    await waitFor(async () => {
      const r = await h2request(session, `/api/livestream/${stream.id}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers['access-control-allow-origin'], '*');
      return JSON.parse(r.body).status === 'LIVE';
    }, { what: 'LIVE over h2' });
    const base = `/hls/${stream.id}`;
    const master = await waitFor(async () => { const r = await h2request(session, `${base}/master.m3u8`); return r.status === 200 && r; }, { what: 'master' });
    assert.match(master.headers['content-type'], /mpegurl/i);
    const mediaUri = master.body.toString().split('\n').find((l) => l && !l.startsWith('#'));
    const mediaPath = new URL(mediaUri, `http://x${base}/master.m3u8`);
    const dir = mediaPath.pathname.slice(0, mediaPath.pathname.lastIndexOf('/') + 1);
    const withQuery = (p, q) => `${p}${mediaPath.search ? `${mediaPath.search}&` : '?'}${q}`;

    const playlist = await waitFor(async () => {
      const r = await h2request(session, mediaPath.pathname + mediaPath.search);
      return r.status === 200 && r.body.toString().includes('#EXT-X-PART:') && r.body.toString();
    }, { what: 'parts' });
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part(\d+)\.(\d+)\.m4s/.exec(playlist);
    assert.ok(hint, playlist);
    // The part after the preload hint: held until that one is complete too (a part index past
    // a segment's last means part 0 of the next, docs/hls.md).
    const [msn, part] = [Number(hint[1]), Number(hint[2]) + 1];
    let heldDoneAt = 0;
    const t0 = performance.now();
    const held = h2request(session, withQuery(mediaPath.pathname, `_HLS_msn=${msn}&_HLS_part=${part}`))
      .then((r) => { heldDoneAt = performance.now(); return r; });

    // Meanwhile, on the same connection: the init segment, the parts listed, the API.
    const parts = [...playlist.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].map((m) => m[1]).slice(-4);
    const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)[1];
    const others = await Promise.all([init, ...parts].map(async (uri) => {
      const r = await h2request(session, new URL(uri, `http://x${dir}`).pathname + (uri.includes('?') ? `?${uri.split('?')[1]}` : mediaPath.search));
      return { uri, r, at: performance.now() };
    }));
    const health = await h2request(session, '/healthz');
    assert.equal(health.status, 200);
    for (const { uri, r, at } of others) {
      assert.equal(r.status, 200, uri);
      assert.ok(r.body.length > 0, uri);
      assert.equal(Number(r.headers['content-length']), r.body.length, uri);
      assert.equal(heldDoneAt, 0, `${uri} finished (${(at - t0).toFixed(0)} ms) only after the held reload`);
    }
    const blocked = await held;
    const waited = heldDoneAt - t0;
    assert.equal(blocked.status, 200);
    assert.match(blocked.body.toString(), new RegExp(`#EXT-X-PART:[^\\n]*URI="part${hint[1]}\\.${hint[2]}\\.m4s`));
    assert.ok(waited > 50 && waited < 4000, `held ${waited} ms`);
    console.log(`held reload for part ${msn}.${part}: ${waited.toFixed(0)} ms; ${others.length} fetches finished meanwhile on the same connection`);

    // The same bytes as over HTTP/1.1.
    const partPath = new URL(parts.at(-1), `http://x${dir}`).pathname + mediaPath.search;
    const viaH2 = await h2request(session, partPath);
    const viaH1 = Buffer.from(await (await fetch(server.url + partPath)).arrayBuffer());
    assert.ok(viaH2.body.equals(viaH1));
    // HEAD: the length, no body.
    const head = await h2request(session, partPath, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), viaH1.length);
    assert.equal(head.body.length, 0);
    assert.equal(connections, 0, 'everything went over the one connection');
  } finally {
    await close(session);
    await pub.done;
  }
});

test('curl with --http2-prior-knowledge, and HTTP/1.1 on the same port as before', async () => {
  const { stdout } = await run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${server.url}/healthz`]);
  assert.equal(stdout, '2 200');
  const { stdout: h1 } = await run('curl', ['-sS', '--http1.1', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${server.url}/healthz`]);
  assert.equal(h1, '1.1 200');
  // POST and PRI-looking HTTP/1.1 requests are not taken for the preface.
  const r = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  const text = await rawExchange(Buffer.from('PRI / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  assert.match(text.toString('latin1'), /^HTTP\/1\.1 (400|404|405|501)/);
});

test('request bodies over the limit get 413 over HTTP/2, declared or streamed', async () => {
  const session = await connect();
  try {
    const big = Buffer.alloc(BODY_LIMIT + 1, 'a');
    const declared = await h2request(session, '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(big.length) }, body: big });
    assert.equal(declared.status, 413);
    assert.equal(JSON.parse(declared.body).error.code, 'payload_too_large');
    const streamed = await h2request(session, '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(streamed.status, 413);
    // Within the limit the API answers as over HTTP/1.1 (a JSON error for bad credentials).
    const ok = await h2request(session, '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' }) });
    assert.ok(ok.status === 401 || ok.status === 400, `status ${ok.status}`);
    assert.ok(JSON.parse(ok.body).error);
  } finally {
    await close(session);
  }
});

// ---- raw frames (RFC 9113 4.1) for what a well-behaved client never sends ----
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const T = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7 };
const ERR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, FRAME_SIZE_ERROR: 6, REFUSED_STREAM: 7, COMPRESSION_ERROR: 9, ENHANCE_YOUR_CALM: 11 };
function frame(type, flags, stream, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type; h[4] = flags; h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
// HPACK (RFC 7541): GET http <path> with indexed :method/:scheme, literal :path and :authority.
function getBlock(path) {
  const p = Buffer.from(path);
  return Buffer.concat([Buffer.from([0x82, 0x86, 0x04, p.length]), p, Buffer.from([0x01, 0x01, 0x78])]);
}
const hello = Buffer.concat([PREFACE, frame(T.SETTINGS, 0, 0)]);

// Writes bytes, collects what comes back until the server closes (or the wait runs out).
function rawExchange(bytes, { waitMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.httpPort, '127.0.0.1');
    const got = [];
    const timer = setTimeout(() => { sock.destroy(); resolve(Buffer.concat(got)); }, waitMs);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => got.push(d));
    sock.on('error', () => {});
    sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(got)); });
    sock.on('timeout', reject);
  });
}
function parseFrames(buf) {
  const out = [];
  for (let at = 0; at + 9 <= buf.length;) {
    const len = buf.readUIntBE(at, 3);
    if (at + 9 + len > buf.length) break;
    out.push({ type: buf[at + 3], flags: buf[at + 4], stream: buf.readUInt32BE(at + 5) & 0x7fffffff, payload: buf.subarray(at + 9, at + 9 + len) });
    at += 9 + len;
  }
  return out;
}
const goawayOf = (frames) => frames.filter((f) => f.type === T.GOAWAY).map((f) => f.payload.readUInt32BE(4));

async function stillServing() {
  const session = await connect();
  try {
    const r = await h2request(session, '/healthz');
    assert.equal(r.status, 200);
  } finally { await close(session); }
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  assert.equal(server.proc.exitCode, null, 'the server is still running');
}

test('malformed frames and garbage after the preface get GOAWAY, and the connection closes', async () => {
  // A PING must be 8 bytes (RFC 9113 6.7).
  const badPing = parseFrames(await rawExchange(Buffer.concat([hello, frame(T.PING, 0, 0, Buffer.alloc(7))])));
  assert.deepEqual(goawayOf(badPing), [ERR.FRAME_SIZE_ERROR]);
  // HEADERS on stream 0.
  const stream0 = parseFrames(await rawExchange(Buffer.concat([hello, frame(T.HEADERS, 5, 0, getBlock('/healthz'))])));
  assert.deepEqual(goawayOf(stream0), [ERR.PROTOCOL_ERROR]);
  // The first frame after the preface must be SETTINGS (RFC 9113 3.4).
  const garbage = parseFrames(await rawExchange(Buffer.concat([PREFACE, Buffer.from('this is not a frame at all, not even close\r\n')])));
  assert.deepEqual(goawayOf(garbage), [ERR.PROTOCOL_ERROR]);
  // An HPACK dynamic table size update above the 4096 bytes we allow (RFC 7541 6.3).
  const bigTable = Buffer.concat([Buffer.from([0x3f, 0xe1, 0xff, 0x03]), getBlock('/healthz')]);
  const hpack = parseFrames(await rawExchange(Buffer.concat([hello, frame(T.HEADERS, 5, 1, bigTable)])));
  assert.deepEqual(goawayOf(hpack), [ERR.COMPRESSION_ERROR]);
  await stillServing();
});

test('an idle HTTP/2 connection gets GOAWAY(NO_ERROR) after http.idle_timeout_ms', async () => {
  const idle = await startServer({ args: ['--http.idle_timeout_ms=1000'] });
  try {
    const session = await connect(idle.url);
    const r = await h2request(session, '/healthz');
    assert.equal(r.status, 200);
    const t0 = performance.now();
    const code = await new Promise((resolve) => session.once('goaway', (errorCode) => resolve(errorCode)));
    assert.equal(code, ERR.NO_ERROR);
    const after = performance.now() - t0;
    assert.ok(after > 900 && after < 4000, `GOAWAY after ${after} ms`);
    await new Promise((resolve) => (session.closed ? resolve() : session.once('close', resolve)));
  } finally {
    await idle.cleanup();
  }
});

test('a client whose SETTINGS ask for a huge HPACK table is served normally', async () => {
  const session = await connect(server.url, { settings: { headerTableSize: 2 ** 32 - 1 } });
  try {
    for (let i = 0; i < 3; i++) {
      const r = await h2request(session, '/healthz', { headers: { 'x-filler': 'y'.repeat(3000) } });
      assert.equal(r.status, 200);
    }
  } finally { await close(session); }
});

test('a stream flood beyond SETTINGS_MAX_CONCURRENT_STREAMS is refused, the connection and others go on', async () => {
  // 300 requests whose bodies never come: each stream stays open.
  const floods = [];
  for (let i = 0; i < 300; i++) floods.push(frame(T.HEADERS, 4 /* END_HEADERS only */, 1 + 2 * i, getBlock('/api/auth/login')));
  const frames = parseFrames(await rawExchange(Buffer.concat([hello, ...floods]), { waitMs: 1500 }));
  const settings = frames.find((f) => f.type === T.SETTINGS && !(f.flags & 1));
  let advertised;
  for (let at = 0; at + 6 <= settings.payload.length; at += 6) if (settings.payload.readUInt16BE(at) === 3) advertised = settings.payload.readUInt32BE(at + 2);
  assert.equal(advertised, 128);
  const refused = frames.filter((f) => f.type === T.RST_STREAM && f.payload.readUInt32BE(0) === ERR.REFUSED_STREAM);
  const goaway = goawayOf(frames);
  assert.ok(refused.length >= 300 - 128 || goaway.includes(ERR.PROTOCOL_ERROR), `refused ${refused.length}, goaway ${goaway}`);
  console.log(`stream flood: ${refused.length} streams refused, GOAWAY ${JSON.stringify(goaway)}`);
  await stillServing();
});

test('rapid reset (CVE-2023-44487): streams opened and reset at once get GOAWAY ENHANCE_YOUR_CALM', async () => {
  const burst = [];
  for (let i = 0; i < 1000; i++) {
    const id = 1 + 2 * i;
    burst.push(frame(T.HEADERS, 5, id, getBlock('/healthz')), frame(T.RST_STREAM, 0, id, u32(8 /* CANCEL */)));
  }
  const frames = parseFrames(await rawExchange(Buffer.concat([hello, ...burst])));
  assert.deepEqual(goawayOf(frames), [ERR.ENHANCE_YOUR_CALM]);
  await stillServing();
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /stagecast_http2_aborted_total\{reason="rapid_reset"\} [1-9]/);
  assert.match(metrics, /stagecast_http2_aborted_total\{reason="PROTOCOL_ERROR"\} [1-9]/);
});
