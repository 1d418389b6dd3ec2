// The HTTP server itself: health, metrics, errors as JSON, limits, garbage on the port.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

function rawRequest(port, bytes) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    sock.on('data', (d) => { out += d; });
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(out));
    sock.write(bytes);
    setTimeout(() => sock.end(), 300);
  });
}

test('healthz, readyz and metrics answer', async () => {
  const h = await server.api('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.body, { status: 'ok' });
  assert.equal((await server.api('GET', '/readyz')).status, 200);
  const m = await server.api('GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /^text\/plain/);
  assert.match(m.text, /# TYPE stagecast_http_requests_total counter/);
  assert.match(m.text, /stagecast_http_requests_total\{code="2xx"\} \d+/);
});

test('unknown paths and methods get JSON errors', async () => {
  const r = await server.api('GET', '/nope');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'not_found');
  const m = await server.api('DELETE', '/healthz');
  assert.equal(m.status, 405);
  assert.equal(m.body.error.code, 'method_not_allowed');
});

test('an oversized body is refused with 413 before it is read', async () => {
  const big = 'x'.repeat(2 * 1024 * 1024);
  const r = await server.api('POST', '/api/auth/register', { raw: big, headers: { 'content-type': 'application/json' } }).catch((e) => ({ status: 'reset', e }));
  // fetch may see the reset after the 413 is written; either way nothing is accepted.
  if (r.status !== 'reset') {
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
  }
  const raw = await rawRequest(server.httpPort, `POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
  assert.match(raw, /^HTTP\/1\.1 413/);
});

test('garbage and truncated requests get 400 or a close, and the server keeps serving', async () => {
  const garbage = await rawRequest(server.httpPort, 'GARBAGE\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400/);
  await rawRequest(server.httpPort, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01, 0x00]));
  await rawRequest(server.httpPort, 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Le');
  const huge = await rawRequest(server.httpPort, `GET / HTTP/1.1\r\nX: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431/);
  assert.equal((await server.api('GET', '/healthz')).status, 200);
});

test('CORS preflight is answered', async () => {
  const r = await fetch(server.url + '/api/livestream', { method: 'OPTIONS' });
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
});
