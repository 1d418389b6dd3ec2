// HTTPS, WSS and RTMPS listeners (docs/operations.md, "TLS") against real clients on real
// sockets: Node's TLS stack trusting a self-signed certificate made by the openssl CLI, the `ws`
// client over wss, and hostile peers (plain HTTP to the TLS port, garbage, truncated and never
// finished handshakes, one address opening many half-done handshakes). Every case has a stated
// outcome, and the server keeps serving after each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, StagecastProcess } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { member } from './lib/chat_client.mjs';
import { metric } from './lib/metrics.mjs';
import { makeCertificate, tlsConnect, requestOn } from './lib/tls.mjs';

const HANDSHAKE_TIMEOUT_MS = 1500;
const PER_ADDRESS = 8;

let dir;
let cert;
let server;

function tlsArgs(c) {
  return [`--tls.cert_file=${c.certFile}`, `--tls.key_file=${c.keyFile}`, '--http.tls_port=0', '--rtmp.tls_port=0'];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagecast-tls-'));
  cert = makeCertificate(dir);
  server = await startServer({ args: [...tlsArgs(cert),
    `--tls.handshake_timeout_ms=${HANDSHAKE_TIMEOUT_MS}`, `--tls.max_handshakes_per_address=${PER_ADDRESS}`,
    '--rtmp.handshake_timeout_ms=1500'] });
  assert.ok(server.httpsPort > 0 && server.rtmpsPort > 0, 'TLS ports in the ports file');
});

after(async () => {
  await server?.stop(); // throws if the server crashed
  await server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

// Resolves when the peer closes `socket` (or it errors), with what it received and when.
function closedWith(socket) {
  const started = Date.now();
  let received = Buffer.alloc(0);
  socket.on('data', (d) => { received = Buffer.concat([received, d]); });
  return new Promise((resolve) => {
    let done = false;
    const finish = (how) => { if (!done) { done = true; resolve({ how, ms: Date.now() - started, received }); } };
    socket.on('end', () => finish('end'));
    socket.on('close', () => finish('close'));
    socket.on('error', (e) => finish(`error:${e.code}`));
  });
}

function rawConnect(port, localAddress) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.once('error', reject);
  });
}

// A real ClientHello as Node sends it, captured by a TCP listener.
async function clientHello() {
  const capture = net.createServer();
  await new Promise((r) => capture.listen(0, '127.0.0.1', r));
  const got = new Promise((resolve) => capture.once('connection', (s) => s.once('data', (d) => { resolve(d); s.destroy(); })));
  const c = tls.connect({ host: '127.0.0.1', port: capture.address().port, rejectUnauthorized: false });
  c.on('error', () => {});
  const hello = await got;
  c.destroy();
  capture.close();
  return hello;
}

async function healthyOverTls() {
  const { socket, fingerprint } = await tlsConnect(server.httpsPort, { ca: cert.pem });
  const r = await requestOn(socket, '/healthz', { keepAlive: false });
  socket.destroy();
  assert.equal(r.status, 200);
  assert.equal(fingerprint, cert.fingerprint);
}

test('HTTPS serves the API with the configured certificate; ALPN answers h2 first, else http/1.1', async () => {
  const preferH2 = await tlsConnect(server.httpsPort, { ca: cert.pem, alpn: ['h2', 'http/1.1'] });
  assert.equal(preferH2.alpn, 'h2');
  preferH2.socket.destroy();
  const both = await tlsConnect(server.httpsPort, { ca: cert.pem, alpn: ['http/1.1'] });
  assert.equal(both.fingerprint, cert.fingerprint);
  assert.equal(both.alpn, 'http/1.1');
  assert.equal(both.socket.getProtocol().startsWith('TLSv1.'), true);
  const r1 = await requestOn(both.socket, '/healthz');
  const r2 = await requestOn(both.socket, '/api/livestream?limit=1'); // keep-alive: a second request
  assert.equal(r1.status, 200);
  assert.equal(r2.status, 200, r2.body.toString());
  both.socket.destroy();
  const none = await tlsConnect(server.httpsPort, { ca: cert.pem });
  assert.equal(none.alpn, false, 'no ALPN offered, none answered');
  assert.equal((await requestOn(none.socket, '/healthz', { keepAlive: false })).status, 200);
  none.socket.destroy();
  // A client that offers only h2 gets it.
  const h2only = await tlsConnect(server.httpsPort, { ca: cert.pem, alpn: ['h2'] });
  assert.equal(h2only.alpn, 'h2');
  h2only.socket.destroy();
  // With HTTP/2 off (http.h2 = false) ALPN answers http/1.1, and a client that offers only h2
  // gets no answer and may fall back to HTTP/1.1.
  const h11 = await startServer({ args: [...tlsArgs(cert), '--http.h2=false'] });
  try {
    const offered = await tlsConnect(h11.httpsPort, { ca: cert.pem, alpn: ['h2', 'http/1.1'] });
    assert.equal(offered.alpn, 'http/1.1');
    offered.socket.destroy();
    const onlyH2 = await tlsConnect(h11.httpsPort, { ca: cert.pem, alpn: ['h2'] });
    assert.equal(onlyH2.alpn, false);
    onlyH2.socket.destroy();
  } finally {
    await h11.cleanup();
  }
  // TLS 1.0/1.1 are refused by the server (its protocol_version alert: the client allows them);
  // 1.2 and 1.3 are served.
  await assert.rejects(tlsConnect(server.httpsPort, { ca: cert.pem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
  for (const version of ['TLSv1.2', 'TLSv1.3']) {
    const v = await tlsConnect(server.httpsPort, { ca: cert.pem, minVersion: version, maxVersion: version });
    assert.equal(v.socket.getProtocol(), version);
    v.socket.destroy();
  }
  // The plain port is unchanged.
  assert.equal((await server.api('GET', '/healthz')).status, 200);
});

test('chat over wss: two members of a room see each other\'s messages', async () => {
  const artist = await verifiedArtist(server, 'Tls Artist');
  const stream = await createStream(server, artist);
  const a = await member(server, artist, stream.id, { tls: { ca: cert.pem } });
  const b = await member(server, null, stream.id, { tls: { ca: cert.pem } });
  assert.equal(a.ws.url.startsWith('wss://'), true);
  const id = await a.say('hello over TLS');
  const seen = await b.next((e) => e.type === 'chat' && e.message?.id === id);
  assert.equal(seen.message.text, 'hello over TLS');
  await a.close();
  await b.close();
});

test('plain HTTP sent to the HTTPS port: a plain 400 with a JSON error naming the problem, then closed', async () => {
  const before = await metric(server, 'stagecast_tls_handshake_failures_total{port="https",reason="plain_http"}');
  const s = await rawConnect(server.httpsPort);
  const closed = closedWith(s);
  s.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  const { received, how } = await closed;
  const text = received.toString('latin1');
  assert.match(text, /^HTTP\/1\.1 400 /, `${how}: ${JSON.stringify(text)}`);
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  assert.equal(body.error.code, 'tls_required');
  assert.equal(await metric(server, 'stagecast_tls_handshake_failures_total{port="https",reason="plain_http"}'), before + 1);
  await healthyOverTls();
});

test('garbage bytes on the HTTPS port: closed at once, no HTTP answer', async () => {
  const s = await rawConnect(server.httpsPort);
  const closed = closedWith(s);
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 73 + 0xa5) & 0xff;
  junk[0] = 0xff; // not a TLS record type, not an HTTP method
  s.write(junk);
  const { ms, received } = await closed;
  assert.ok(ms < HANDSHAKE_TIMEOUT_MS, `closed after ${ms} ms`);
  assert.ok(!received.toString('latin1').startsWith('HTTP/'), 'no HTTP answer to garbage');
  await healthyOverTls();
});

test('truncated handshakes: half a ClientHello then FIN is closed at once; half then silence at the handshake timeout', async () => {
  const hello = await clientHello();
  assert.equal(hello[0], 0x16, 'a TLS handshake record');
  const half = hello.subarray(0, Math.floor(hello.length / 2));

  const fin = await rawConnect(server.httpsPort);
  const finClosed = closedWith(fin);
  fin.end(half);
  const f = await finClosed;
  assert.ok(f.ms < HANDSHAKE_TIMEOUT_MS, `closed ${f.ms} ms after the FIN`);

  const silent = await rawConnect(server.httpsPort);
  const silentClosed = closedWith(silent);
  silent.write(half);
  const s = await silentClosed;
  assert.ok(s.ms >= HANDSHAKE_TIMEOUT_MS - 200 && s.ms < HANDSHAKE_TIMEOUT_MS + 2000, `closed after ${s.ms} ms`);

  // A record header announcing 16 KiB that never comes.
  const big = await rawConnect(server.httpsPort);
  const bigClosed = closedWith(big);
  big.write(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00]));
  const b = await bigClosed;
  assert.ok(b.ms < HANDSHAKE_TIMEOUT_MS + 2000, `closed after ${b.ms} ms`);
  await healthyOverTls();
});

test('one address opening many handshakes it never finishes cannot keep others out', async () => {
  const limited = () => metric(server, 'stagecast_tls_handshake_failures_total{port="https",reason="per_address_limit"}');
  const timeouts = () => metric(server, 'stagecast_tls_handshake_failures_total{port="https",reason="timeout"}');
  const limitedBefore = await limited();
  const timeoutsBefore = await timeouts();
  // 127.0.0.2 is loopback too: the abuser, distinct from the honest client on 127.0.0.1.
  const idle = [];
  for (let i = 0; i < PER_ADDRESS; i++) {
    const s = await rawConnect(server.httpsPort, '127.0.0.2');
    idle.push({ s, closed: closedWith(s) });
  }
  await sleep(100); // the server has taken them all into their handshakes
  const extra = [];
  for (let i = 0; i < 3; i++) {
    const s = await rawConnect(server.httpsPort, '127.0.0.2');
    extra.push(closedWith(s));
  }
  for (const e of await Promise.all(extra)) assert.ok(e.ms < 500, `over the per-address limit: closed after ${e.ms} ms`);
  assert.equal(await limited(), limitedBefore + 3);
  // Meanwhile another address is served at once.
  const t0 = Date.now();
  await healthyOverTls();
  assert.ok(Date.now() - t0 < 1000, 'the honest client was not held up');
  // The idle ones end at the handshake timeout, and their address may connect again.
  for (const { closed } of idle) {
    const c = await closed;
    assert.ok(c.ms < HANDSHAKE_TIMEOUT_MS + 2000, `idle handshake closed after ${c.ms} ms`);
  }
  assert.ok(await timeouts() >= timeoutsBefore + PER_ADDRESS);
  const again = await tlsConnect(server.httpsPort, { ca: cert.pem, localAddress: '127.0.0.2' });
  assert.equal((await requestOn(again.socket, '/healthz', { keepAlive: false })).status, 200);
  again.socket.destroy();
});

test('RTMPS port: plain RTMP, garbage and a silent client are closed; the TLS handshake completes with the certificate', async () => {
  // A plain RTMP C0+C1 (version 3, 1536 bytes) to the TLS port.
  const rtmp = await rawConnect(server.rtmpsPort);
  const rtmpClosed = closedWith(rtmp);
  const c0c1 = Buffer.alloc(1537);
  c0c1[0] = 3;
  rtmp.write(c0c1);
  const r = await rtmpClosed;
  assert.ok(r.ms < 1500, `plain RTMP closed after ${r.ms} ms`);
  assert.ok(r.received.length === 0 || r.received[0] === 0x15, `no RTMP S0/S1 (at most a TLS alert): ${r.received.subarray(0, 16).toString('hex')} (${r.received.length} bytes)`);

  const silent = await rawConnect(server.rtmpsPort);
  const s = await closedWith(silent);
  assert.ok(s.ms >= 1300 && s.ms < 4000, `silent RTMPS client closed after ${s.ms} ms`);

  const ok = await tlsConnect(server.rtmpsPort, { ca: cert.pem });
  assert.equal(ok.fingerprint, cert.fingerprint);
  assert.equal(ok.alpn, false, 'RTMPS answers no ALPN');
  ok.socket.destroy();
  assert.ok(await metric(server, 'stagecast_tls_handshake_failures_total{port="rtmps",reason="protocol"}') >= 1, 'plain RTMP counted');
});

test('a certificate that cannot be used is a start-up error naming the file', async () => {
  const bad = join(dir, 'broken.pem');
  writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n');
  const broken = new StagecastProcess({ args: [`--tls.cert_file=${bad}`, `--tls.key_file=${cert.keyFile}`] });
  await assert.rejects(broken.start(), /cannot load the certificate chain .*broken\.pem/);
  await broken.cleanup();
  // A key that belongs to another certificate.
  const other = makeCertificate(dir, 'other');
  const mismatched = new StagecastProcess({ args: [`--tls.cert_file=${cert.certFile}`, `--tls.key_file=${other.keyFile}`] });
  await assert.rejects(mismatched.start(), /does not match the certificate/);
  await mismatched.cleanup();
  // Half a pair is a configuration error.
  const half = new StagecastProcess({ args: [`--tls.cert_file=${cert.certFile}`] });
  await assert.rejects(half.start(), /tls\.cert_file and tls\.key_file go together/);
  await half.cleanup();
});
