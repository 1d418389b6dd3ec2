// WHIP over the networks publishers really have: UDP blocked (ICE over TCP alone, RFC 6544) and a
// lossy path (a UDP relay inside the test that drops 5% of the media packets), with Chromium
// publishing and ffmpeg decoding the LL-HLS with -xerror.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lossyRelay } from './lib/udp_relay.mjs';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { ffprobeJson, decodeAll, waitFor } from './lib/media.mjs';
import { browserPublisher } from './lib/whip.mjs';
import { weriftPublish } from './lib/werift_publisher.mjs';
import { metric } from './lib/metrics.mjs';


const statusOf = async (srv, id) => (await srv.api('GET', `/api/livestream/${id}`)).body.status;

test('ICE over TCP alone: with the UDP candidates switched off, Chromium still goes live', async () => {
  const server = await startServer({ args: ['--webrtc.udp=false', '--streams.reconnect_grace_seconds=2'] });
  try {
    const artist = await verifiedArtist(server);
    const stream = await createStream(server, artist, { title: 'tcp only' });
    const pub = await browserPublisher(server, { whipUrl: stream.whipUrl, token: stream.streamKey });
    try {
      assert.equal(pub.result.status, 201, pub.result.body);
      assert.doesNotMatch(pub.result.answer, / udp /);
      assert.match(pub.result.answer, / tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype passive/);
      await waitFor(async () => (await pub.state()) === 'connected', { timeout: 20000, what: 'connected over TCP' });
      await waitFor(async () => (await statusOf(server, stream.id)) === 'LIVE', { timeout: 15000, what: 'LIVE' });
      assert.equal(await metric(server, 'stagecast_webrtc_tcp_connections'), 1);
      const pair = await pub.page.evaluate(async () => {
        const stats = await window.__whip.pc.getStats();
        let pairId = null;
        stats.forEach((s) => { if (s.type === 'transport') pairId = s.selectedCandidatePairId; });
        const remote = pairId && stats.get(stats.get(pairId)?.remoteCandidateId);
        return remote && { protocol: remote.protocol, port: remote.port };
      });
      assert.equal(pair?.protocol, 'tcp');
      await waitFor(async () => (await (await fetch(`${server.url}/hls/${stream.id}/source/index.m3u8`)).text()).match(/#EXTINF/g)?.length >= 2, { timeout: 20000, what: 'two segments' });
      const probe = ffprobeJson(`${server.url}/hls/${stream.id}/source/index.m3u8`, ['-show_streams', '-read_intervals', '%+2']);
      assert.equal(probe.streams.find((s) => s.codec_type === 'video')?.codec_name, 'h264');
    } finally {
      await pub.stop();
    }
  } finally {
    await server.cleanup();
  }
});

test('a path losing 5% of the media: NACK and PLI repair it and the HLS decodes without an error', async () => {
  const relay = await lossyRelay({ lossEvery: 20, drop: 'toServer' });
  const server = await startServer({ args: ['--webrtc.tcp=false', `--webrtc.udp_candidates=127.0.0.1:${relay.port}`, '--streams.reconnect_grace_seconds=2'] });
  relay.target = server.webrtcUdpPort;
  try {
    const artist = await verifiedArtist(server);
    const stream = await createStream(server, artist, { title: 'lossy' });
    const pub = await browserPublisher(server, { whipUrl: stream.whipUrl, token: stream.streamKey, width: 1280, height: 720 });
    try {
      assert.equal(pub.result.status, 201, pub.result.body);
      assert.match(pub.result.answer, new RegExp(` udp \\d+ 127\\.0\\.0\\.1 ${relay.port} typ host`));
      await waitFor(async () => (await statusOf(server, stream.id)) === 'LIVE', { timeout: 20000, what: 'LIVE' });
      await new Promise((res) => setTimeout(res, 12000));
      const nacks = await metric(server, 'stagecast_whip_nack_requested_packets_total');
      const plis = await metric(server, 'stagecast_whip_pli_total');
      const stats = await pub.stats();
      console.log(`relay dropped ${relay.dropped} of ${relay.dropped + relay.forwarded}; server asked for ${nacks} packets again and sent ${plis} PLIs; the browser saw ${stats.video.nacks} NACKs, ${stats.video.plis} PLIs`);
      assert.ok(relay.dropped > 30, `dropped ${relay.dropped}`);
      assert.ok(nacks > 0 && stats.video.nacks > 0, 'NACKs sent and received');
      assert.ok(plis > 0 && stats.video.plis > 0, 'PLIs sent and received');
    } finally {
      await pub.stop();
    }
    await waitFor(async () => (await statusOf(server, stream.id)) === 'ENDED', { timeout: 15000, what: 'ENDED' });
    const decoded = decodeAll(`${server.url}/hls/${stream.id}/source/index.m3u8`);
    assert.equal(decoded.status, 0, decoded.stderr);
    assert.equal(decoded.stderr.trim(), '');
    const playlist = await (await fetch(`${server.url}/hls/${stream.id}/source/index.m3u8`)).text();
    const durations = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    console.log(`segments after loss: ${durations.join(' ')}`);
    assert.ok(durations.length >= 3, playlist);
  } finally {
    await server.cleanup();
    relay.close();
  }
});

test('consent freshness (RFC 7675): a publisher that vanishes without DELETE is ended when its checks stop', async () => {
  const server = await startServer({ args: ['--webrtc.consent_timeout_ms=3000', '--streams.reconnect_grace_seconds=2'] });
  try {
    const artist = await verifiedArtist(server);
    const stream = await createStream(server, artist, { title: 'gone' });
    const pub = await browserPublisher(server, { whipUrl: stream.whipUrl, token: stream.streamKey });
    assert.equal(pub.result.status, 201, pub.result.body);
    await waitFor(async () => (await statusOf(server, stream.id)) === 'LIVE', { timeout: 15000, what: 'LIVE' });
    // The browser goes away: no DELETE, no RTCP BYE, no more checks.
    await pub.page.evaluate(() => window.__whip.pc.getSenders().forEach((s) => s.track.stop()));
    await pub.browser.close();
    await waitFor(async () => (await metric(server, 'stagecast_whip_consent_expired_total')) === 1, { timeout: 10000, what: 'consent to expire' });
    assert.equal(await metric(server, 'stagecast_whip_sessions'), 0);
    await waitFor(async () => (await statusOf(server, stream.id)) === 'ENDED', { timeout: 10000, what: 'ENDED after the grace period' });
  } finally {
    await server.cleanup();
  }
});

test('the maximum duration ends a WHIP stream as it ends an RTMP one', async () => {
  const server = await startServer({ args: ['--streams.max_duration_seconds=4'] });
  try {
    const artist = await verifiedArtist(server);
    const stream = await createStream(server, artist, { title: 'short' });
    const pub = await weriftPublish(stream.whipUrl, stream.streamKey);
    try {
      assert.equal(pub.status, 201, pub.body);
      await waitFor(async () => (await statusOf(server, stream.id)) === 'LIVE', { timeout: 15000, what: 'LIVE' });
      await waitFor(async () => (await statusOf(server, stream.id)) === 'ENDED', { timeout: 15000, what: 'ENDED at the maximum duration' });
      const s = (await server.api('GET', `/api/livestream/${stream.id}`)).body;
      assert.equal(s.endReason, 'max_duration');
      await waitFor(async () => (await metric(server, 'stagecast_whip_sessions')) === 0, { timeout: 5000, what: 'the session to end' });
    } finally {
      await pub.stop();
    }
  } finally {
    await server.cleanup();
  }
});
