// The binary serves the Studio and Viewer pages itself: right content types, a strict CSP with no
// inline script, nosniff, cache validators, gzip, and nothing but the embedded files.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import http from 'node:http';
import { startServer } from './lib/server.mjs';

const WEB = new URL('../../web/', import.meta.url).pathname;
const HLS_VERSION = JSON.parse(readFileSync(join(WEB, 'package.json'), 'utf8')).dependencies['hls.js'];

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

// Raw GET without fetch's transparent decompression, to see exactly what was sent.
function rawGet(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function cspDirectives(csp) {
  return Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name, values];
  }));
}

test('pages are served as HTML with a strict Content-Security-Policy', async () => {
  for (const path of ['/', '/watch/some-stream-id', '/studio', '/operator', '/a/some-artist-id']) {
    const r = await rawGet(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(r.headers['x-frame-options'], 'DENY', path);
    assert.equal(r.headers['cache-control'], 'no-cache', path);
    const csp = cspDirectives(r.headers['content-security-policy']);
    assert.deepEqual(csp['script-src'], ["'self'"], `${path}: scripts from this origin only`);
    assert.deepEqual(csp['style-src'], ["'self'"]);
    assert.deepEqual(csp['default-src'], ["'none'"]);
    assert.deepEqual(csp['frame-ancestors'], ["'none'"]);
    assert.deepEqual(csp['require-trusted-types-for'], ["'script'"]);
    assert.deepEqual(csp['trusted-types'], ['default']);
    assert.deepEqual(csp['object-src'] ?? csp['default-src'], ["'none'"]);
    assert.ok(!r.headers['content-security-policy'].includes('unsafe'), 'no unsafe-inline / unsafe-eval');
    assert.ok(csp['connect-src'].includes(server.url), 'the playback origin may be fetched');
    assert.ok(csp['connect-src'].includes(server.url.replace('http:', 'ws:')), 'the WebSocket may connect');
    // No inline script or style anywhere in the document; every script is an external file.
    const html = r.body.toString('utf8');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc="\/static\//, `${path}: ${tag}`);
    assert.doesNotMatch(html, /<style\b|\sstyle="|\son[a-z]+=/i, `${path}: inline style or handler`);
    assert.doesNotMatch(html, /@HLS_JS_VERSION@/, 'template placeholders are filled at build time');
  }
});

test('static files carry their content types, validators and cache policy', async () => {
  const cases = [
    ['/static/css/app.css', 'text/css; charset=utf-8', 'no-cache'],
    ['/static/js/viewer.js', 'text/javascript; charset=utf-8', 'no-cache'],
    ['/static/img/icon.svg', 'image/svg+xml', 'no-cache'],
    [`/static/vendor/hls.js/${HLS_VERSION}/hls.min.js`, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    [`/static/vendor/hls.js/${HLS_VERSION}/hls.worker.js`, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    [`/static/vendor/hls.js/${HLS_VERSION}/LICENSE.txt`, 'text/plain; charset=utf-8', 'public, max-age=31536000, immutable'],
  ];
  for (const [path, type, cache] of cases) {
    const r = await rawGet(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['content-type'], type, path);
    assert.equal(r.headers['cache-control'], cache, path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    assert.match(r.headers.etag, /^"[0-9a-f]{20}"$/, path);
    assert.equal(r.headers['content-encoding'], undefined, `${path}: identity unless asked`);
    // A conditional request with the validator is answered 304 with no body.
    const again = await rawGet(path, { 'if-none-match': r.headers.etag });
    assert.equal(again.status, 304, path);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, r.headers.etag);
  }
});

test('the embedded hls.js is byte for byte the version pinned in web/package.json', async () => {
  const pinned = readFileSync(join(WEB, 'node_modules/hls.js/dist/hls.min.js'));
  const r = await rawGet(`/static/vendor/hls.js/${HLS_VERSION}/hls.min.js`);
  assert.ok(r.body.equals(pinned));
  const page = (await rawGet('/watch/x')).body.toString('utf8');
  assert.ok(page.includes(`/static/vendor/hls.js/${HLS_VERSION}/`), 'the Viewer points at the pinned version');
});

test('text assets are sent gzip-compressed to clients that accept it', async () => {
  const path = `/static/vendor/hls.js/${HLS_VERSION}/hls.min.js`;
  const plain = await rawGet(path);
  const gz = await rawGet(path, { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.ok(gz.body.length < plain.body.length / 2, `${gz.body.length} vs ${plain.body.length}`);
  assert.ok(gunzipSync(gz.body).equals(plain.body));
  const refused = await rawGet(path, { 'accept-encoding': 'gzip;q=0, identity' });
  assert.equal(refused.headers['content-encoding'], undefined);
});

test('HEAD answers the headers of GET without a body', async () => {
  const get = await rawGet('/studio');
  const head = await rawGet('/studio', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String(get.body.length));
  assert.equal(head.headers['content-security-policy'], get.headers['content-security-policy']);
});

test('only embedded files exist under /static; nothing else can be named', async () => {
  for (const path of ['/static/nope.js', '/static/../src/api/web_routes.cpp', '/static/%2e%2e/%2e%2e/CMakeLists.txt',
    '/static/js/../../package.json', '/static/js', '/static/', '/watch.html', '/static/node_modules/hls.js/package.json']) {
    const r = await rawGet(path);
    assert.equal(r.status, 404, path);
    // A miss under /static/ is answered by the web routes, with their headers.
    if (['/static/nope.js', '/static/js'].includes(path)) assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
  }
});

test('no page script builds HTML from strings', () => {
  // User text must only ever reach the DOM as text (textContent / text nodes).
  const dir = join(WEB, 'static/js');
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (!statSync(p).isFile()) continue;
    const src = readFileSync(p, 'utf8').replace(/^\s*\/\/.*$/gm, '');  // code, not comments
    assert.doesNotMatch(src, /\.innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, f);
  }
});

test('with Stripe configured, and only then, the CSP lets Stripe.js in', async () => {
  const stripe = await startServer({
    args: ['--payments.provider=stripe', '--payments.stripe_secret_key=sk_test_web_csp',
      '--payments.stripe_webhook_secret=whsec_web_csp', '--payments.stripe_publishable_key=pk_test_web_csp'],
  });
  try {
    const r = await fetch(`${stripe.url}/watch/x`);
    const csp = cspDirectives(r.headers.get('content-security-policy'));
    assert.deepEqual(csp['script-src'], ["'self'", 'https://js.stripe.com']);
    assert.deepEqual(csp['frame-src'], ['https://js.stripe.com', 'https://hooks.stripe.com']);
    assert.ok(csp['connect-src'].includes('https://api.stripe.com'));
    assert.equal(csp['require-trusted-types-for'], undefined, 'Stripe.js is not ours to vouch for');
  } finally {
    await stripe.cleanup();
  }
  // The sandbox server of this file: none of it.
  const csp = cspDirectives((await fetch(`${server.url}/watch/x`)).headers.get('content-security-policy'));
  assert.deepEqual(csp['script-src'], ["'self'"]);
  assert.deepEqual(csp['frame-src'], ["'none'"]);
});
