// HTTP/1.1 framing (RFC 9112 6.3, 3.2) over raw sockets: every ambiguous request is answered 400
// and the connection closed, and bytes after it are never answered as a second request (the
// request smuggling a proxy in front would otherwise let through).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

// Sends raw bytes, reads until the server closes (or 3 s pass), returns what came back.
function exchange(bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.httpPort, '127.0.0.1');
    let data = '';
    let closed = false;
    const timer = setTimeout(() => { sock.destroy(); resolve({ data, closed }); }, 3000);
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('end', () => { closed = true; });
    sock.on('close', () => { clearTimeout(timer); resolve({ data, closed: true }); });
    sock.on('error', reject);
    sock.write(bytes);
  });
}
const responses = (data) => (data.match(/HTTP\/1\.[01] \d{3}/g) ?? []);

// A second request hidden in the first one's body: if it were parsed, /healthz would answer 200.
const smuggled = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';

const cases = [
  ['Transfer-Encoding: xchunked', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n${smuggled}`],
  ['Transfer-Encoding: identity', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n${smuggled}`],
  ['Transfer-Encoding: chunked, identity', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n${smuggled}`],
  ['chunked twice', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['two Transfer-Encoding lines', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n${smuggled}`],
  ['Transfer-Encoding with a parameter', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;ext=1\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding and Content-Length', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: ${smuggled.length + 5}\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding in HTTP/1.0', `POST /api/auth/login HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['two Content-Length values', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: ${smuggled.length + 2}\r\n\r\n{}${smuggled}`],
  ['Content-Length list', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\n{}${smuggled}`],
  ['signed Content-Length', `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}${smuggled}`],
  ['no Host', `GET /healthz HTTP/1.1\r\n\r\n${smuggled}`],
  ['two Host headers', `GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n${smuggled}`],
  ['space before the colon', `GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n${smuggled}`],
];

for (const [name, bytes] of cases) {
  test(`${name}: 400, connection closed, the smuggled request never answered`, async () => {
    const { data, closed } = await exchange(bytes);
    const seen = responses(data);
    assert.equal(seen.length, 1, `${name}: ${JSON.stringify(data.slice(0, 300))}`);
    assert.match(seen[0], /^HTTP\/1\.[01] 400$/);
    if (seen[0].startsWith('HTTP/1.1')) assert.match(data, /connection: close/i);
    assert.ok(closed, 'the server closed the connection');
    assert.ok(!/"status"\s*:\s*"ok"/.test(data) && !data.includes('200 OK'), 'the smuggled /healthz was not answered');
  });
}

test('well-framed requests still work: chunked body, keep-alive pipelining', async () => {
  const body = '{"email":"nobody@example.com","password":"wrong-password"}';
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const { data } = await exchange(
    `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}` +
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const seen = responses(data);
  assert.equal(seen.length, 2, data);
  assert.equal(seen[0], 'HTTP/1.1 401', 'the chunked login body was read: wrong password');
  assert.equal(seen[1], 'HTTP/1.1 200');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const m = metrics.match(/^stagecast_http_bad_requests_total (\d+)/m);
  assert.ok(m && Number(m[1]) >= cases.length, `refusals are counted in /metrics: ${m?.[0]}`);
});
