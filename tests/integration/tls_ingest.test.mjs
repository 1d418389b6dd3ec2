// RTMPS ingest and the certificate reload (docs/operations.md, "TLS"): ffmpeg publishes over
// RTMPS and LL-HLS comes out over HTTPS (read back by ffmpeg and by Node's TLS client); while it
// publishes and a client keeps fetching the playlist on one HTTPS connection, the certificate
// files are replaced and SIGHUP sent: first a broken key (refused, the old certificate stays),
// then a new certificate. Nothing drops, and new connections see the new certificate. GStreamer's
// rtmp2sink (an independent RTMP and TLS implementation, as OBS is) then publishes over RTMPS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { gstPublishArgs, gstAacEncoder, spawnPublisher, stopPublisher } from './lib/publishers.mjs';
import { metric } from './lib/metrics.mjs';
import { makeCertificate, tlsConnect, requestOn } from './lib/tls.mjs';

let dir;
let certA;
let certB;
let live; // the paths the server reads
let server;
let artist;
const cleanups = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagecast-tls-ingest-'));
  certA = makeCertificate(dir, 'a', 'stagecast-a');
  certB = makeCertificate(dir, 'b', 'stagecast-b');
  live = { certFile: join(dir, 'live.pem'), keyFile: join(dir, 'live.key') };
  copyFileSync(certA.certFile, live.certFile);
  copyFileSync(certA.keyFile, live.keyFile);
  server = await startServer({ args: [`--tls.cert_file=${live.certFile}`, `--tls.key_file=${live.keyFile}`,
    '--http.tls_port=0', '--rtmp.tls_port=0'] });
  artist = await verifiedArtist(server, 'Rtmps Artist');
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await server?.stop();
  await server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function get(url, agent) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent }, (res) => {
      const chunks = [];
      const { localPort } = res.socket; // the socket returns to the agent at the end
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(), localPort }));
    });
    req.on('error', reject);
  });
}

async function mediaPlaylistUrl(base, id, agent) {
  const master = await get(`${base}/hls/${id}/master.m3u8`, agent);
  assert.equal(master.status, 200, master.body);
  const variant = master.body.split('\n').find((l) => l && !l.startsWith('#'));
  return new URL(variant, `${base}/hls/${id}/master.m3u8`).href;
}

const msn = (playlist) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? -1) +
  playlist.split('\n').filter((l) => l.startsWith('#EXTINF')).length;

async function waitLog(pattern, from) {
  await waitFor(() => pattern.test(server.log.slice(from)), { timeout: 10000, what: String(pattern) });
}

test('ffmpeg publishes over RTMPS, HLS comes out over HTTPS; a certificate reload under load drops nothing', async () => {
  const stream = await createStream(server, artist);
  const url = `rtmps://127.0.0.1:${server.rtmpsPort}/live/${stream.streamKey}`;
  const pub = publish(url, { seconds: 120, size: '320x180', gop: 30 });
  cleanups.push(async () => { if (pub.proc.exitCode === null) pub.proc.kill('SIGKILL'); await pub.done; });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE',
    { timeout: 30000, what: 'LIVE over RTMPS' });
  assert.equal(await metric(server, 'stagecast_rtmp_publishes_total'), 1);

  const base = `https://127.0.0.1:${server.httpsPort}`;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: [certA.pem, certB.pem] });
  cleanups.push(async () => agent.destroy());
  const media = await mediaPlaylistUrl(base, stream.id, agent);
  await waitFor(async () => msn((await get(media, agent)).body) >= 2, { timeout: 20000, what: 'two segments' });
  // An independent HLS client (ffmpeg's demuxer over its own TLS) decodes it without error.
  const decoded = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-xerror', '-i', `${base}/hls/${stream.id}/master.m3u8`,
    '-t', '3', '-f', 'null', '-'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(decoded.status, 0, decoded.stderr);

  // The load: one keep-alive HTTPS connection fetching the playlist every 200 ms, and a raw TLS
  // connection opened before the reloads and used after them.
  const fetches = [];
  let loading = true;
  const loop = (async () => {
    while (loading) {
      try { fetches.push(await get(media, agent)); } catch (e) { fetches.push({ error: String(e) }); }
      await sleep(200);
    }
  })();
  const held = await tlsConnect(server.httpsPort, { ca: certA.pem });
  assert.equal(held.fingerprint, certA.fingerprint);
  assert.equal((await requestOn(held.socket, '/healthz')).status, 200);
  await sleep(1500);

  // 1. A broken key: refused, logged, the old certificate stays.
  let mark = server.log.length;
  writeFileSync(`${live.keyFile}.tmp`, '-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n');
  renameSync(`${live.keyFile}.tmp`, live.keyFile);
  process.kill(server.proc.pid, 'SIGHUP');
  await waitLog(/certificate reload failed, the current certificate stays in use: cannot load the private key/, mark);
  assert.ok(!server.log.slice(mark).includes('garbage'), 'no key material in the log');
  const stillA = await tlsConnect(server.httpsPort, { ca: certA.pem });
  assert.equal(stillA.fingerprint, certA.fingerprint);
  stillA.socket.destroy();
  assert.equal(await metric(server, 'stagecast_tls_reloads_total{result="failed"}'), 1);

  // 2. The new certificate, files replaced the way an ACME client does (rename over).
  mark = server.log.length;
  copyFileSync(certB.certFile, `${live.certFile}.tmp`);
  copyFileSync(certB.keyFile, `${live.keyFile}.tmp`);
  renameSync(`${live.certFile}.tmp`, live.certFile);
  renameSync(`${live.keyFile}.tmp`, live.keyFile);
  process.kill(server.proc.pid, 'SIGHUP');
  await waitLog(/certificate reloaded: CN=stagecast-b .*sha256 /, mark);
  assert.ok(server.log.slice(mark).includes(certB.fingerprint), 'the log names the new fingerprint');
  assert.equal(await metric(server, 'stagecast_tls_reloads_total{result="ok"}'), 1);
  const https2 = await tlsConnect(server.httpsPort, { ca: certB.pem });
  assert.equal(https2.fingerprint, certB.fingerprint, 'a new HTTPS connection sees the new certificate');
  assert.equal((await requestOn(https2.socket, '/healthz', { keepAlive: false })).status, 200);
  https2.socket.destroy();
  const rtmps2 = await tlsConnect(server.rtmpsPort, { ca: certB.pem });
  assert.equal(rtmps2.fingerprint, certB.fingerprint, 'a new RTMPS connection sees the new certificate');
  rtmps2.socket.destroy();
  const msnAtReload = msn((await get(media, agent)).body);
  await sleep(4000);
  loading = false;
  await loop;

  // Nothing dropped: every fetch answered on the one connection, the held connection still
  // speaks (with the certificate it began with), the publisher never left.
  const failures = fetches.filter((f) => f.error || f.status !== 200);
  assert.deepEqual(failures, []);
  assert.ok(fetches.length >= 20, `${fetches.length} fetches`);
  assert.deepEqual([...new Set(fetches.map((f) => f.localPort))].length, 1, 'one keep-alive connection throughout');
  assert.equal((await requestOn(held.socket, '/healthz')).status, 200);
  assert.equal(held.socket.getPeerCertificate().fingerprint256, certA.fingerprint);
  held.socket.destroy();
  assert.equal(pub.proc.exitCode, null, 'the RTMPS publisher is still publishing');
  assert.equal(await metric(server, 'stagecast_rtmp_publishes_total'), 1, 'the publisher never reconnected');
  assert.ok(msn((await get(media, agent)).body) >= msnAtReload + 1, 'segments kept coming after the reload');
  await stopPublisher(pub);
});

test('GStreamer rtmp2sink publishes over RTMPS (an OBS-style second client)', async (t) => {
  const aac = gstAacEncoder();
  if (!aac) { t.skip('no GStreamer AAC encoder on this machine'); return; }
  const stream = await createStream(server, artist);
  const args = gstPublishArgs(`rtmps://127.0.0.1:${server.rtmpsPort}/live/${stream.streamKey}`, { width: 320, height: 180, kbps: 400 });
  // Self-signed: GStreamer's TLS (GnuTLS through GIO) is told not to validate, as -tls_verify 0.
  args.splice(args.indexOf('rtmp2sink') + 1, 0, 'tls-validation-flags=0');
  const pub = spawnPublisher('gst-launch-1.0', args);
  cleanups.push(() => stopPublisher(pub));
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE',
    { timeout: 30000, what: `LIVE from GStreamer over RTMPS; output: ${pub.output}` });
  const agent = new https.Agent({ ca: [certA.pem, certB.pem] });
  const base = `https://127.0.0.1:${server.httpsPort}`;
  const media = await mediaPlaylistUrl(base, stream.id, agent);
  await waitFor(async () => msn((await get(media, agent)).body) >= 2, { timeout: 20000, what: 'segments from GStreamer' });
  await stopPublisher(pub);
});
