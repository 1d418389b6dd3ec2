// Chromium over HTTPS and WSS (docs/operations.md, "TLS"): a self-signed certificate made by the
// test is trusted by its public key (--ignore-certificate-errors-spki-list, so the origin is a
// secure context, as with a real certificate); hls.js (the version the Viewer ships) plays a live
// stream that ffmpeg publishes over RTMPS, for 60 s, with no stall; its latency is printed. Two
// browsers play at once: one over HTTP/2 (ALPN "h2", the held playlist reloads and the part
// fetches on one connection), one with HTTP/2 turned off (HTTP/1.1). In the HTTP/2 page, chat
// over wss receives a message sent by another client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { member } from './lib/chat_client.mjs';
import { makeCertificate } from './lib/tls.mjs';
import { metric } from './lib/metrics.mjs';

const WINDOW_S = 60;
// The hls.js the Viewer ships.
const HLS_JS = readFileSync(new URL('../../web/node_modules/hls.js/dist/hls.min.js', import.meta.url));

let dir, server, pub, browser, browser11;
after(async () => {
  await browser?.close();
  await browser11?.close();
  if (pub) { pub.proc.kill('SIGINT'); await pub.done; }
  await server?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Runs in the page: hls.js in low-latency mode, stalls counted after the first 'playing'.
function startPlayer(src) {
  const v = document.getElementById('v');
  const m = { errors: [], fatal: [], stalls: [], waiting: 0, started: null, latencies: [] };
  window.m = m;
  v.addEventListener('playing', () => { if (m.started === null) m.started = performance.now(); });
  v.addEventListener('waiting', () => { if (m.started !== null) m.waiting += 1; });
  const hls = new Hls({ lowLatencyMode: true });
  window.hls = hls;
  hls.on(Hls.Events.ERROR, (e, d) => {
    const s = `${d.type}:${d.details}${d.fatal ? ':fatal' : ''}`;
    m.errors.push(s);
    if (d.fatal) m.fatal.push(s);
    if (d.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR && m.started !== null) m.stalls.push(`${s}@${v.currentTime.toFixed(2)}`);
  });
  hls.loadSource(src);
  hls.attachMedia(v);
  setInterval(() => { if (m.started !== null) m.latencies.push(hls.latency); }, 1000);
}

// Runs in the page: joins the room over wss and resolves with the first chat message it hears.
function chatOverWss([url, streamId]) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    window.chatWs = ws;
    ws.onclose = (e) => reject(new Error(`wss closed: ${e.code} ${e.reason}`));
    ws.onmessage = (msg) => {
      const e = JSON.parse(msg.data);
      const events = e.type === 'batch' ? e.events : [e];
      for (const x of events) {
        if (x.type === 'hello') ws.send(JSON.stringify({ type: 'join', streamId }));
        if (x.type === 'joined') window.chatJoined = true;
        if (x.type === 'chat') resolve(x.message.text);
      }
    };
  });
}

// A page of the HTTPS origin with hls.js and a <video>, in a browser trusting the certificate.
async function securePage(b, base) {
  const context = await b.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // A real navigation first: Chromium accepts the certificate (no interstitial) and the origin
  // is secure.
  const health = await page.goto(`${base}/healthz`);
  assert.equal(health.status(), 200);
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  // The player goes into that page: hls.js and a <video> (its requests and the WebSocket go
  // to the server's HTTPS origin for real).
  await page.setContent('<!doctype html><video id="v" width="320" muted autoplay playsinline></video>');
  await page.addScriptTag({ content: HLS_JS.toString() });
  assert.equal(await page.evaluate(() => `${location.origin} ${window.isSecureContext} ${typeof Hls}`), `${base} true function`);
  return { page, errors };
}

// What a page played since `t0`, printed and checked.
async function played(label, page, errors, t0) {
  const r = await page.evaluate((n0) => ({ ...window.m, latencies: window.m.latencies.slice(n0), t: document.getElementById('v').currentTime,
    protocols: [...new Set(performance.getEntriesByType('resource').filter((e) => e.name.includes('/hls/')).map((e) => e.nextHopProtocol))] }), t0.n);
  const lat = r.latencies.filter(Number.isFinite).sort((a, b) => a - b);
  const p50 = lat[Math.floor(lat.length / 2)];
  console.log(`hls.js over HTTPS (${label}): ${WINDOW_S} s played ${(r.t - t0.t).toFixed(1)} s; hls.latency p50 ${p50?.toFixed(2)} s, ` +
    `max ${lat.at(-1)?.toFixed(2)} s; stalls ${r.stalls.length}, waiting ${r.waiting}; protocols ${r.protocols.join(',')}; errors ${r.errors.join(' ') || 'none'}`);
  assert.deepEqual(r.fatal, [], label);
  assert.deepEqual(r.stalls, [], `${label}: no bufferStalledError after playback started`);
  assert.equal(r.waiting, 0, `${label}: no 'waiting' after playback started`);
  assert.ok(r.t - t0.t >= WINDOW_S - 5, `${label}: currentTime advanced ${(r.t - t0.t).toFixed(1)} s in ${WINDOW_S} s`);
  assert.deepEqual(errors, [], label);
  return r;
}

test('hls.js in Chromium plays 60 s over HTTPS with HTTP/2 and with HTTP/1.1 from an RTMPS publisher, and chat works over wss', async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagecast-tls-browser-'));
  const cert = makeCertificate(dir);
  server = await startServer({ args: [`--tls.cert_file=${cert.certFile}`, `--tls.key_file=${cert.keyFile}`,
    '--http.tls_port=0', '--rtmp.tls_port=0'] });
  const base = `https://127.0.0.1:${server.httpsPort}`;
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'over TLS' });

  browser = await launchBrowser({ args: [`--ignore-certificate-errors-spki-list=${cert.spki}`] });
  browser11 = await launchBrowser({ args: [`--ignore-certificate-errors-spki-list=${cert.spki}`, '--disable-http2'] });
  const { page, errors: pageErrors } = await securePage(browser, base);
  const { page: page11, errors: pageErrors11 } = await securePage(browser11, base);

  pub = publish(`rtmps://127.0.0.1:${server.rtmpsPort}/live/${stream.streamKey}`, { seconds: 600, size: '640x360', gop: 60 });
  const src = `${base}/hls/${stream.id}/master.m3u8`;
  await waitFor(async () => (await server.api('GET', `/hls/${stream.id}/master.m3u8`)).status === 200,
    { timeout: 30000, what: 'the stream over RTMPS' });
  await sleep(4000); // a couple of segments, as viewers of a stream already on
  for (const p of [page, page11]) {
    await p.evaluate(`(${startPlayer.toString()})(${JSON.stringify(src)})`);
    await p.waitForFunction(() => window.m?.started != null && document.getElementById('v').currentTime > 0, null, { timeout: 30000 });
  }

  // Chat over wss in the same page while it plays: a fan's message sent from Node (ws, CA
  // trusted) reaches the page.
  const heard = page.evaluate(chatOverWss, [`wss://127.0.0.1:${server.httpsPort}/ws`, stream.id]);
  heard.catch(() => {});
  await Promise.race([heard, page.waitForFunction(() => window.chatJoined === true, null, { timeout: 10000 })])
    .catch((e) => { throw new Error(`${e.message}\n${server.log.split('\n').filter((l) => !l.includes('/hls/')).slice(-15).join('\n')}`); });
  const fan = await member(server, artist, stream.id, { tls: { ca: cert.pem } });
  await fan.say('hello browser, over wss');
  assert.equal(await heard, 'hello browser, over wss');
  await fan.close();

  const t0 = await page.evaluate(() => ({ t: document.getElementById('v').currentTime, n: window.m.latencies.length }));
  const t011 = await page11.evaluate(() => ({ t: document.getElementById('v').currentTime, n: window.m.latencies.length }));
  await sleep(WINDOW_S * 1000);
  const h2 = await played('HTTP/2', page, pageErrors, t0);
  const h11 = await played('HTTP/1.1', page11, pageErrors11, t011);
  assert.deepEqual(h2.protocols, ['h2'], 'every HLS request of the first browser over HTTP/2');
  assert.deepEqual(h11.protocols, ['http/1.1'], 'every HLS request of the second browser over HTTP/1.1');
  assert.ok(await metric(server, 'stagecast_http2_connections_total') >= 1, 'the server counted the HTTP/2 connection');
  assert.equal(pub.proc.exitCode, null, 'the RTMPS publisher ran throughout');
});
