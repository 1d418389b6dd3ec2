// HTTP/1.1 connection management on the plain port (RFC 9112 9): persistence and "Connection:
// close", HTTP/1.0 keep-alive, HEAD, and the header and idle timeouts, which the plain path keeps
// with one watchdog timer per connection (src/net/http_server.cpp).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';

const HEADER_TIMEOUT_MS = 600;
const IDLE_TIMEOUT_MS = 900;
let server;
before(async () => {
  server = await startServer({ args: [`--http.header_timeout_ms=${HEADER_TIMEOUT_MS}`, `--http.idle_timeout_ms=${IDLE_TIMEOUT_MS}`] });
});
after(async () => { await server.cleanup(); });

// A raw connection: what it received, when it closed.
function connect(port) {
  const sock = net.connect(port, '127.0.0.1');
  const c = { sock, data: '', closedAt: null, opened: Date.now() };
  sock.on('data', (d) => { c.data += d; });
  c.closed = new Promise((resolve) => sock.on('close', () => { c.closedAt = Date.now(); resolve(); }));
  sock.on('error', () => {});
  return new Promise((resolve) => sock.on('connect', () => { c.opened = Date.now(); resolve(c); }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(c, pred, ms = 3000) {
  const end = Date.now() + ms;
  while (!pred(c.data) && Date.now() < end) await sleep(10);
  return pred(c.data);
}
const responses = (data) => (data.match(/HTTP\/1\.[01] \d{3}/g) ?? []).length;

test('HTTP/1.1 stays open between requests; "Connection: close" is echoed and closes', async () => {
  const c = await connect(server.httpPort);
  c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.ok(await until(c, (d) => responses(d) === 1 && d.endsWith('}')));
  assert.match(c.data, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(c.data, /\r\nServer: stagecast\r\n/);
  assert.match(c.data, /\r\nContent-Length: \d+\r\n/);
  assert.doesNotMatch(c.data, /\r\nConnection:/i, 'a persistent HTTP/1.1 response needs no Connection field');
  const body = c.data.split('\r\n\r\n')[1];
  assert.equal(Number(c.data.match(/Content-Length: (\d+)/)[1]), Buffer.byteLength(body));
  c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await c.closed;
  assert.equal(responses(c.data), 2);
  assert.match(c.data.split('HTTP/1.1 200 OK')[2], /\r\nConnection: close\r\n/);
});

test('HTTP/1.0: closed after the response unless keep-alive is asked, then said', async () => {
  const plain = await connect(server.httpPort);
  plain.sock.write('GET /healthz HTTP/1.0\r\n\r\n');
  await plain.closed;
  assert.match(plain.data, /^HTTP\/1\.0 200 OK\r\n/);
  assert.doesNotMatch(plain.data, /\r\nConnection: keep-alive/i);

  const kept = await connect(server.httpPort);
  kept.sock.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.ok(await until(kept, (d) => d.endsWith('}')));
  assert.match(kept.data, /^HTTP\/1\.0 200 OK\r\n/);
  assert.match(kept.data, /\r\nConnection: keep-alive\r\n/);
  kept.sock.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.ok(await until(kept, (d) => responses(d) === 2 && d.endsWith('}')));
  assert.equal(kept.closedAt, null);
  kept.sock.destroy();
});

test('HEAD gets the length of the GET and no body; pipelined requests are answered in order', async () => {
  const c = await connect(server.httpPort);
  c.sock.write('HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await c.closed;
  const parts = c.data.split(/(?=HTTP\/1\.1 \d{3})/);
  assert.equal(parts.length, 3, c.data);
  assert.match(parts[0], /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 15\r\n\r\n$/, 'HEAD: the length, no body');
  assert.match(parts[1], /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(parts[2], /^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"status":"ok"\}$/);
});

test('a request header never finished is closed after the header timeout, unanswered', async () => {
  const c = await connect(server.httpPort);
  c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  await c.closed;
  const held = c.closedAt - c.opened;
  assert.equal(c.data, '');
  assert.ok(held >= HEADER_TIMEOUT_MS - 50 && held < HEADER_TIMEOUT_MS + 2000, `closed after ${held} ms`);
});

test('an idle keep-alive connection is closed after the idle timeout, and requests keep it open', async () => {
  const c = await connect(server.httpPort);
  // Five requests 400 ms apart: 2 s in all, longer than the idle timeout, never idle that long.
  for (let i = 1; i <= 5; ++i) {
    c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(await until(c, (d) => responses(d) === i && d.endsWith('}')), `response ${i}`);
    if (i < 5) await sleep(400);
  }
  assert.equal(c.closedAt, null, 'open while used');
  const last = Date.now();
  await c.closed;
  const idle = c.closedAt - last;
  assert.ok(idle >= IDLE_TIMEOUT_MS - 50 && idle < IDLE_TIMEOUT_MS + 2000, `closed ${idle} ms after the last response`);
  assert.equal(responses(c.data), 5);
});
