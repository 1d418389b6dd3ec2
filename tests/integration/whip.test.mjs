// Going live over WHIP (RFC 9725) with real WebRTC stacks: Chromium (fake camera and
// microphone) and werift (a pure TypeScript WebRTC, fed by ffmpeg). ffprobe and ffmpeg read the
// LL-HLS back; the protocol's MUSTs and every refusal are checked on the wire.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream, register } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { ffprobeJson, decodeAll, waitFor } from './lib/media.mjs';
import { browserPublisher } from './lib/whip.mjs';
import { metric } from './lib/metrics.mjs';
import { weriftPublish } from './lib/werift_publisher.mjs';
import { bindingRequest, parseResponse, sdpValue } from './lib/stun.mjs';

const chromiumOffer = readFileSync(new URL('../data/webrtc/chromium_offer.sdp', import.meta.url), 'utf8');

let server;
before(async () => {
  server = await startServer({ args: ['--streams.reconnect_grace_seconds=4', '--transcode.enabled=true', '--transcode.preset=superfast', '--transcode.ladder=360p:600k'] });
});
after(async () => { await server.cleanup(); });

const status = async (id) => (await server.api('GET', `/api/livestream/${id}`)).body.status;


function postOffer(srv, id, sdp, token, contentType = 'application/sdp') {
  const headers = { 'content-type': contentType };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${srv.url}/whip/${id}`, { method: 'POST', headers, body: sdp });
}

// The end of the media timeline of a live media playlist, in wall-clock seconds: the first
// segment's EXT-X-PROGRAM-DATE-TIME plus every segment's and trailing part's duration.
async function timelineEnd(url) {
  const text = await (await fetch(url)).text();
  const pdt = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text);
  let seconds = 0;
  let partsSinceSegment = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXTINF:')) { seconds += Number(line.slice(8).split(',')[0]); partsSinceSegment = 0; }
    if (line.startsWith('#EXT-X-PART:')) partsSinceSegment += Number(/DURATION=([\d.]+)/.exec(line)[1]);
  }
  return Date.parse(pdt[1]) / 1000 + seconds + partsSinceSegment;
}

test('Chromium goes live over WHIP: RFC 9725 answer, LIVE, H.264 and AAC in every rendition, wall-clock pace, lip sync', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'from the browser' });
  assert.match(stream.whipUrl, new RegExp(`/whip/${stream.id}$`));
  // The preflight a browser on another origin sends first.
  const pre = await fetch(stream.whipUrl, { method: 'OPTIONS', headers: { origin: 'https://studio.example', 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/i);
  assert.equal(pre.headers.get('accept-post'), 'application/sdp');

  const pub = await browserPublisher(server, { whipUrl: stream.whipUrl, token: stream.streamKey, width: 854, height: 480 });
  try {
    const r = pub.result;
    assert.equal(r.status, 201, r.body);
    assert.match(r.location, new RegExp(`/whip/${stream.id}/sessions/[0-9a-f]{32}$`));
    assert.match(r.etag, /^"[0-9a-f]+"$/);
    // ICE-lite with host candidates on the shared port, DTLS passive, our certificate's fingerprint.
    assert.match(r.answer, /^a=ice-lite\r?$/m);
    assert.match(r.answer, /^a=setup:passive\r?$/m);
    assert.match(r.answer, /^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\r?$/m);
    assert.match(r.answer, new RegExp(`^a=candidate:\\S+ 1 udp \\d+ 127\\.0\\.0\\.1 ${server.webrtcUdpPort} typ host`, 'm'));
    assert.match(r.answer, new RegExp(`^a=candidate:\\S+ 1 tcp \\d+ 127\\.0\\.0\\.1 ${server.webrtcTcpPort} typ host tcptype passive`, 'm'));
    assert.match(r.answer, /^a=rtpmap:\d+ H264\/90000/m);
    assert.match(r.answer, /^a=rtpmap:\d+ opus\/48000\/2/m);
    await waitFor(async () => (await pub.state()) === 'connected', { timeout: 15000, what: 'connected' });
    await waitFor(async () => (await status(stream.id)) === 'LIVE', { timeout: 15000, what: 'LIVE' });
    const liveAt = Date.now();

    const master = `${server.url}/hls/${stream.id}/master.m3u8`;
    await waitFor(async () => /360p\/index\.m3u8/.test(await (await fetch(master)).text()), { timeout: 20000, what: 'the 360p rung' });
    const source = `${server.url}/hls/${stream.id}/source/index.m3u8`;
    // The media timeline advances with the wall clock (no stretched or squeezed timestamps).
    const e0 = await timelineEnd(source);
    const w0 = Date.now() / 1000;
    await new Promise((res) => setTimeout(res, 8000));
    const e1 = await timelineEnd(source);
    const w1 = Date.now() / 1000;
    const pace = (e1 - e0) / (w1 - w0);
    console.log(`media advanced ${(e1 - e0).toFixed(2)} s in ${(w1 - w0).toFixed(2)} s of wall time`);
    assert.ok(Math.abs(pace - 1) < 0.12, `pace ${pace}`);

    for (const rendition of ['source', '360p']) {
      const probe = ffprobeJson(`${server.url}/hls/${stream.id}/${rendition}/index.m3u8`, ['-show_streams', '-read_intervals', '%+3']);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      const audio = probe.streams.find((s) => s.codec_type === 'audio');
      assert.equal(video?.codec_name, 'h264', `${rendition}: ${JSON.stringify(probe.streams)}`);
      assert.equal(audio?.codec_name, 'aac', `${rendition}: ${JSON.stringify(probe.streams)}`);
      assert.equal(Number(audio.sample_rate), 48000);
      if (rendition === '360p') assert.equal(video.height, 360);
    }
    const stats = await pub.stats();
    assert.ok(stats.video.packets > 300 && stats.audio.packets > 300, JSON.stringify(stats));

    // DELETE ends the session; after the grace period the stream ends and the playlist closes.
    const del = await pub.page.evaluate(async (t) => (await fetch(window.__whip.location, { method: 'DELETE', headers: { authorization: `Bearer ${t}` } })).status, stream.streamKey);
    assert.equal(del, 200);
    const liveSeconds = (Date.now() - liveAt) / 1000;
    await waitFor(async () => (await status(stream.id)) === 'ENDED', { timeout: 20000, what: 'ENDED' });
    const probe = ffprobeJson(`${server.url}/hls/${stream.id}/source/index.m3u8`, ['-show_format']);
    console.log(`live for ${liveSeconds.toFixed(1)} s, HLS duration ${Number(probe.format.duration).toFixed(2)} s`);
    assert.ok(Math.abs(Number(probe.format.duration) - liveSeconds) < 3, `duration ${probe.format.duration} for ${liveSeconds} s live`);
    // Lip sync: both tracks start together (sender reports put them on one timeline).
    const packets = ffprobeJson(`${server.url}/hls/${stream.id}/source/index.m3u8`, ['-show_entries', 'packet=pts_time,codec_type']);
    const first = (type) => Math.min(...packets.packets.filter((p) => p.codec_type === type).map((p) => Number(p.pts_time)));
    console.log(`first video ${first('video').toFixed(3)} s, first audio ${first('audio').toFixed(3)} s`);
    assert.ok(Math.abs(first('video') - first('audio')) < 0.1, `start skew ${first('video') - first('audio')}`);
    const decoded = decodeAll(`${server.url}/hls/${stream.id}/master.m3u8`);
    assert.equal(decoded.status, 0, decoded.stderr);
  } finally {
    await pub.stop({ remove: false });
  }
});

test('werift publishes with the owner session token; a second publisher (WHIP or RTMP) gets 409; a reconnect within the grace period continues the stream', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'werift' });
  // An RTMP publisher holds the stream: WHIP is refused until it leaves.
  const rtmp = await liveStream(server, artist, { title: 'rtmp first' });
  try {
    const refused = await postOffer(server, rtmp.id, chromiumOffer, rtmp.streamKey);
    assert.equal(refused.status, 409);
    assert.equal((await refused.json()).error.code, 'already_publishing');
  } finally {
    await rtmp.stop();
  }
  const first = await weriftPublish(stream.whipUrl, artist.token);
  assert.equal(first.status, 201, first.body);
  try {
    await waitFor(async () => (await status(stream.id)) === 'LIVE', { timeout: 15000, what: 'LIVE' });
    // One publisher per stream, whichever protocol and credential.
    const second = await postOffer(server, stream.id, chromiumOffer, stream.streamKey);
    assert.equal(second.status, 409);
    assert.equal((await second.json()).error.code, 'already_publishing');
    assert.equal(await status(stream.id), 'LIVE');
    await waitFor(async () => /#EXTINF/.test(await (await fetch(`${server.url}/hls/${stream.id}/source/index.m3u8`)).text()), { timeout: 15000, what: 'a segment' });
  } finally {
    await first.stop();
  }
  // Back within the grace period (4 s): the same stream, not a new one.
  const again = await weriftPublish(stream.whipUrl, stream.streamKey);
  assert.equal(again.status, 201, again.body);
  try {
    await new Promise((res) => setTimeout(res, 5000));
    assert.equal(await status(stream.id), 'LIVE');
    const playlist = await (await fetch(`${server.url}/hls/${stream.id}/source/index.m3u8`)).text();
    assert.match(playlist, /#EXT-X-DISCONTINUITY/);
    const probe = ffprobeJson(`${server.url}/hls/${stream.id}/source/index.m3u8`, ['-show_streams', '-read_intervals', '%+2']);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  } finally {
    await again.stop();
  }
});

test('refusals: credentials, media types, offers, ETags, other streams; nothing charged to the stream', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'refusals' });
  const other = await createStream(server, artist, { title: 'another' });
  const fan = await register(server);
  const err = async (res) => ({ status: res.status, code: (await res.json()).error.code, cors: res.headers.get('access-control-allow-origin') });

  let r = await err(await postOffer(server, stream.id, chromiumOffer, null));
  assert.deepEqual([r.status, r.code], [401, 'unauthorized']);
  r = await err(await postOffer(server, stream.id, chromiumOffer, `sk_${'x'.repeat(43)}`));
  assert.deepEqual([r.status, r.code], [401, 'invalid_key']);
  r = await err(await postOffer(server, stream.id, chromiumOffer, other.streamKey));
  assert.deepEqual([r.status, r.code], [401, 'invalid_key'], 'a key of another stream');
  r = await err(await postOffer(server, stream.id, chromiumOffer, fan.token));
  assert.deepEqual([r.status, r.code], [403, 'not_allowed'], 'a signed-in fan');
  r = await err(await postOffer(server, stream.id, chromiumOffer, 'not.a.jwt'));
  assert.equal(r.status, 401);
  r = await err(await postOffer(server, stream.id, chromiumOffer, stream.streamKey, 'application/json'));
  assert.deepEqual([r.status, r.code], [415, 'unsupported_media_type']);
  assert.equal(r.cors, '*');
  r = await err(await postOffer(server, stream.id, 'this is not SDP', stream.streamKey));
  assert.deepEqual([r.status, r.code], [400, 'sdp_malformed']);
  const audioOnly = chromiumOffer.replace(/m=video[\s\S]*$/, '').replace(/a=group:BUNDLE (\S+) \S+/, 'a=group:BUNDLE $1');
  r = await err(await postOffer(server, stream.id, audioOnly, stream.streamKey));
  assert.deepEqual([r.status, r.code], [422, 'sdp_no_video']);
  r = await err(await postOffer(server, stream.id, chromiumOffer.replace(/^a=rtcp-mux\r?\n/gm, ''), stream.streamKey));
  assert.deepEqual([r.status, r.code], [422, 'sdp_no_rtcp_mux']);
  r = await err(await postOffer(server, stream.id, chromiumOffer.replace(/H264\/90000/g, 'H265/90000'), stream.streamKey));
  assert.deepEqual([r.status, r.code], [422, 'sdp_no_video'], 'no codec we take (VP8, VP9, AV1 and H.265 only)');
  r = await err(await postOffer(server, 'doesnotexist0000', chromiumOffer, artist.token));
  assert.equal(r.status, 404);
  assert.equal(await status(stream.id), 'CREATED');

  // A session made with an offer nobody completes: PATCH and DELETE need its own token and ETag.
  const ok = await postOffer(server, stream.id, chromiumOffer, stream.streamKey);
  assert.equal(ok.status, 201);
  const location = new URL(ok.headers.get('location'), server.url).href;
  const etag = ok.headers.get('etag');
  const patch = (body, headers) => fetch(location, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', authorization: `Bearer ${stream.streamKey}`, ...headers }, body });
  const candidate = 'a=mid:0\r\na=candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host\r\n';
  assert.equal((await patch(candidate, { 'if-match': etag })).status, 204);
  assert.equal((await patch(candidate, { 'if-match': '"stale"' })).status, 412);
  assert.equal((await patch(candidate, { 'content-type': 'text/plain' })).status, 415);
  const restart = await patch('a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n', { 'if-match': etag });
  assert.equal(restart.status, 200);
  assert.match(await restart.text(), /^a=ice-lite\r\na=ice-ufrag:[0-9a-f]{8}\r\na=ice-pwd:[0-9a-f]{32}\r\n(a=candidate:.*\r\n)+a=end-of-candidates\r\n$/);
  assert.notEqual(restart.headers.get('etag'), etag);
  assert.equal((await fetch(location, { method: 'DELETE', headers: { authorization: `Bearer ${artist.token}` } })).status, 404, 'another token');
  assert.equal((await fetch(location, { method: 'DELETE', headers: { authorization: `Bearer ${stream.streamKey}` } })).status, 200);
  assert.equal((await fetch(location, { method: 'DELETE', headers: { authorization: `Bearer ${stream.streamKey}` } })).status, 404, 'gone');
});

test('garbage on the media ports, forged STUN, stray DTLS and SRTP with the wrong key: counted and dropped, the live session carries on', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'under attack' });
  const pub = await browserPublisher(server, { whipUrl: stream.whipUrl, token: stream.streamKey });
  const udp = createSocket('udp4');
  await new Promise((res) => udp.bind(0, '127.0.0.1', res));
  const replies = [];
  udp.on('message', (m) => replies.push(m));
  const send = (buf) => new Promise((res) => udp.send(buf, server.webrtcUdpPort, '127.0.0.1', res));
  try {
    assert.equal(pub.result.status, 201, pub.result.body);
    await waitFor(async () => (await status(stream.id)) === 'LIVE', { timeout: 15000, what: 'LIVE' });
    const serverUfrag = sdpValue(pub.result.answer, 'ice-ufrag');
    const serverPwd = sdpValue(pub.result.answer, 'ice-pwd');
    const clientUfrag = await pub.page.evaluate(() => /a=ice-ufrag:(\S+)/.exec(window.__whip.pc.localDescription.sdp)[1]);

    const before = {
      unknownKind: await metric(server, 'stagecast_webrtc_port_dropped_total'),
      rejected: await metric(server, 'stagecast_webrtc_stun_total{outcome="rejected"}'),
      auth: await metric(server, 'stagecast_whip_srtp_failures_total'),
      dtls: await metric(server, 'stagecast_whip_dtls_dropped_total'),
    };
    // Random bytes of every first-byte range, runts, and an oversized datagram.
    for (let i = 0; i < 200; i++) await send(Buffer.from(Array.from({ length: 1 + (i * 37) % 1400 }, () => Math.floor(Math.random() * 256))));
    await send(Buffer.alloc(9000, 0x80));
    // A STUN check forged with the wrong password is answered 401, and makes no path.
    const forged = bindingRequest({ username: `${serverUfrag}:${clientUfrag}`, password: 'wrong-password-0123456789' });
    await send(forged.bytes);
    await waitFor(() => replies.some((m) => parseResponse(m)?.code === 401), { timeout: 3000, what: 'a 401 to the forged check' });
    // A correct check makes this socket a path of the session: then SRTP under the wrong key
    // fails authentication and DTLS from a path other than the selected one is dropped.
    const real = bindingRequest({ username: `${serverUfrag}:${clientUfrag}`, password: serverPwd });
    await send(real.bytes);
    await waitFor(() => replies.some((m) => parseResponse(m)?.type === 0x0101), { timeout: 3000, what: 'a binding success' });
    for (let i = 0; i < 50; i++) {
      const rtp = Buffer.alloc(200, i); rtp[0] = 0x80; rtp[1] = 0x60; rtp.writeUInt16BE(i, 2);
      await send(rtp);
    }
    const dtls = Buffer.alloc(60, 0xee); dtls[0] = 22; dtls[1] = 0xfe; dtls[2] = 0xfd; // a malformed handshake record
    await send(dtls);
    // Garbage on the ICE-TCP port: a bad RFC 4571 frame, then a connection that never checks in.
    const tcp = net.connect(server.webrtcTcpPort, '127.0.0.1');
    await new Promise((res) => tcp.on('connect', res));
    tcp.write(Buffer.from([0xff, 0xff, ...Array(100).fill(7)]));
    await new Promise((res) => { tcp.on('close', res); tcp.on('error', res); setTimeout(res, 3000); });

    await waitFor(async () => (await metric(server, 'stagecast_whip_srtp_failures_total')) >= before.auth + 50, { timeout: 3000, what: 'SRTP failures counted' });
    assert.ok(await metric(server, 'stagecast_webrtc_stun_total{outcome="rejected"}') > before.rejected);
    assert.ok(await metric(server, 'stagecast_webrtc_port_dropped_total') > before.unknownKind);
    assert.ok(await metric(server, 'stagecast_whip_dtls_dropped_total') > before.dtls);
    // The real publisher never noticed.
    const p0 = (await pub.stats()).video.packets;
    await new Promise((res) => setTimeout(res, 2000));
    assert.equal(await pub.state(), 'connected');
    assert.ok((await pub.stats()).video.packets > p0);
    assert.equal(await status(stream.id), 'LIVE');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    udp.close();
    await pub.stop();
  }
});
