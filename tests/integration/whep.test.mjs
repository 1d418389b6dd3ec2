// WHEP playback (draft-ietf-wish-whep) from the real server to Chromium: ffmpeg publishes RTMP
// (H.264 without B-frames, AAC), a browser page plays it over WebRTC (the AAC as Opus) with the Viewer's own WHEP client
// (web/static/js/whep_player.js), and the decoded frames are counted with getStats(). The same
// access rule as HLS holds (403 and no session without a playback token where one is needed), and
// bad requests are refused clearly.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { until, openPage } from './lib/web.mjs';
import { metric } from './lib/metrics.mjs';
import { browserPublisher } from './lib/whip.mjs';
import { lossyRelay } from './lib/udp_relay.mjs';

let server, browser, artist, fan, publicStream, membersStream;
const publishers = [];

async function goLive(stream) {
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 600, size: '640x360', gop: 30, bframes: 0 });
  publishers.push(pub);
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
  return pub;
}

// A page of the server's origin (`on`: another server of a test) that plays `url` with
// WhepPlayer and exposes its stats.
async function playInBrowser(url, on = server) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${on.url}/`);
  const result = await page.evaluate(async (whepUrl) => {
    const { WhepPlayer } = await import('/static/js/whep_player.js');
    const player = new WhepPlayer(whepUrl, { timeoutMs: 15000 });
    window.player = player;
    try {
      const stream = await player.connect();
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      video.playsInline = true;
      video.srcObject = stream;
      document.body.append(video);
      await video.play();
      return { ok: true, location: player.location };
    } catch (e) {
      return { ok: false, status: e.status, code: e.code, message: e.message };
    }
  }, url);
  return { context, page, result, errors };
}

before(async () => {
  server = await startServer({ args: ['--webrtc.viewer_default=realtime'] });
  artist = await verifiedArtist(server, 'WHEP Artist');
  fan = await register(server, { displayName: 'WHEP Fan' });
  publicStream = await createStream(server, artist, { title: 'Real-time public' });
  membersStream = await createStream(server, artist, { title: 'Real-time members', visibility: 'SUBSCRIBERS' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const p of publishers) p.proc.kill('SIGKILL');
  await server?.cleanup();
});

test('bad WHEP requests are refused clearly and make no session', async () => {
  const offerTo = (id, raw, headers = { 'content-type': 'application/sdp' }) => server.api('POST', `/whep/${id}`, { raw, headers });
  // Not live yet: nothing to play (the access rule of HLS answers first: it knows only live
  // streams, so a stream that is not live is refused as not playable).
  const notLive = await offerTo(publicStream.id, 'v=0\r\n');
  assert.equal(notLive.status, 403, notLive.text);
  const wrongType = await offerTo(publicStream.id, 'v=0\r\n', { 'content-type': 'text/plain' });
  assert.equal(wrongType.status, 415, wrongType.text);
  const unknownSession = await server.api('DELETE', `/whep/${publicStream.id}/sessions/nope`);
  assert.equal(unknownSession.status, 404, unknownSession.text);
  const preflight = await fetch(`${server.url}/whep/${publicStream.id}`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('accept-post') ?? '', /application\/sdp/);
  assert.equal(await metric(server, 'stagecast_whep_sessions'), 0);
});

test('Chromium plays an RTMP stream over WHEP: frames decoded, few freezes; DELETE ends it', async () => {
  await goLive(publicStream);
  // Garbage and a send-only offer are refused now that the stream is live.
  const garbage = await server.api('POST', `/whep/${publicStream.id}`, { raw: 'v=0\r\nm=video\r\n\u0000\u00ff', headers: { 'content-type': 'application/sdp' } });
  assert.ok([400, 422].includes(garbage.status), garbage.text);
  assert.match(garbage.body.error.code, /^sdp_/);

  const viewer = await playInBrowser(`/whep/${publicStream.id}`);
  try {
    assert.ok(viewer.result.ok, JSON.stringify(viewer.result));
    assert.match(viewer.result.location, new RegExp(`/whep/${publicStream.id}/sessions/[0-9a-f]{32}$`));
    await until(viewer.page, () => window.player.stats().then((s) => s.video && s.video.framesDecoded > 60), null, { timeout: 20000, what: '60 frames decoded' });
    const stats = await viewer.page.evaluate(() => window.player.stats());
    assert.equal(stats.video.frameWidth, 640);
    assert.equal(stats.video.frameHeight, 360);
    assert.ok(stats.video.freezeCount <= 2, JSON.stringify(stats));
    const first = stats.video.framesDecoded;
    await until(viewer.page, (n) => window.player.stats().then((s) => s.video.framesDecoded > n + 30), first, { timeout: 10000, what: 'frames to keep coming' });
    // The stream's AAC arrives as Opus: packets and decoded samples, most of them not concealed.
    await until(viewer.page, () => window.player.stats().then((s) => s.audio && s.audio.packetsReceived > 50), null, { timeout: 10000, what: 'Opus packets' });
    const audio = (await viewer.page.evaluate(() => window.player.stats())).audio;
    assert.ok(audio.totalSamplesReceived > 48000, JSON.stringify(audio));
    assert.ok(audio.concealedSamples < audio.totalSamplesReceived / 4, JSON.stringify(audio));
    assert.equal(await metric(server, 'stagecast_whep_sessions'), 1);
    assert.ok(await metric(server, 'stagecast_whep_rtp_packets_sent_total') > 100);

    // DELETE ends the session on the server; a second DELETE finds nothing.
    const sessionPath = new URL(viewer.result.location).pathname;
    const del = await server.api('DELETE', sessionPath);
    assert.equal(del.status, 200, del.text);
    await waitFor(async () => (await metric(server, 'stagecast_whep_sessions')) === 0, { what: 'the session ended' });
    assert.equal((await server.api('DELETE', sessionPath)).status, 404);
    assert.deepEqual(viewer.errors, []);
  } finally {
    await viewer.context.close();
  }
});

test('a members-only stream: 403 and no session without a playback token, plays with one', async () => {
  await goLive(membersStream);
  const before = await metric(server, 'stagecast_whep_sessions_total');
  const refused = await playInBrowser(`/whep/${membersStream.id}`);
  try {
    assert.equal(refused.result.ok, false);
    assert.equal(refused.result.status, 403, JSON.stringify(refused.result));
    assert.equal(refused.result.code, 'not_allowed');
  } finally {
    await refused.context.close();
  }
  assert.equal(await metric(server, 'stagecast_whep_sessions_total'), before, 'no session was made');

  // The owner may watch: a playback token from the API, carried as for HLS.
  const playback = await server.api('POST', `/api/livestream/${membersStream.id}/playback`, { token: artist.token });
  assert.equal(playback.status, 200, playback.text);
  const token = new URL(playback.body.url).searchParams.get('token');
  assert.ok(token, playback.body.url);
  const viewer = await playInBrowser(`/whep/${membersStream.id}?token=${encodeURIComponent(token)}`);
  try {
    assert.ok(viewer.result.ok, JSON.stringify(viewer.result));
    await until(viewer.page, () => window.player.stats().then((s) => s.video && s.video.framesDecoded > 30), null, { timeout: 20000, what: 'frames decoded with a token' });
  } finally {
    await viewer.page.evaluate(() => window.player.stop());
    await viewer.context.close();
  }
  // A fan without a subscription gets no token at all.
  const fanPlayback = await server.api('POST', `/api/livestream/${membersStream.id}/playback`, { token: fan.token });
  assert.equal(fanPlayback.status, 403, fanPlayback.text);
});

test('the Viewer plays in Real-time (WHEP) by itself where it is offered, switches to LL-HLS and keeps that choice', async () => {
  const grant = await server.api('POST', `/api/livestream/${publicStream.id}/playback`, { token: fan.token });
  assert.equal(grant.body.preferRealtime, true);
  const v = await openPage(browser, `${server.url}/watch/${publicStream.id}`, { user: fan });
  try {
    await until(v.page, () => document.body.dataset.phase === 'playing', null, { timeout: 30000, what: 'the Viewer playing' });
    assert.equal(await v.page.evaluate(() => globalThis.stagecastViewer.mode), 'webrtc');
    assert.equal(await v.page.isVisible('#realtime-wrap'), true);
    assert.equal(await v.page.isChecked('#realtime'), true);
    await until(v.page, () => globalThis.stagecastViewer.realtimeStats().then((s) => s?.video?.framesDecoded > 30), null, { timeout: 20000, what: 'frames decoded in the Viewer' });
    // Unchecked: LL-HLS again, with its quality menu.
    await v.page.uncheck('#realtime');
    await until(v.page, () => globalThis.stagecastViewer.mode === 'hls.js' && document.body.dataset.phase === 'playing', null, { timeout: 30000, what: 'LL-HLS again' });
    // The fan's choice holds for the session: a reload stays on LL-HLS.
    await v.page.reload();
    await until(v.page, () => document.body.dataset.phase === 'playing', null, { timeout: 30000, what: 'the Viewer playing after a reload' });
    assert.equal(await v.page.evaluate(() => globalThis.stagecastViewer.mode), 'hls.js');
    assert.equal(await v.page.isChecked('#realtime'), false);
    assert.deepEqual(v.errors, []);
  } finally {
    await v.page.context().close();
  }
});

test('when WebRTC cannot connect, the Viewer falls back to LL-HLS within seconds', async () => {
  // A server that announces no candidate a browser can reach: ICE never completes.
  const blocked = await startServer({ args: ['--webrtc.udp_candidates=192.0.2.1', '--webrtc.tcp=false', '--webrtc.viewer_default=realtime'] });
  try {
    const a = await verifiedArtist(blocked, 'Fallback Artist');
    const s = await createStream(blocked, a, { title: 'Fallback' });
    const pub = publish(`${s.rtmpUrl}/${s.streamKey}`, { seconds: 600, size: '320x180', gop: 30, bframes: 0 });
    publishers.push(pub);
    await waitFor(async () => (await blocked.api('GET', `/api/livestream/${s.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
    const v = await openPage(browser, `${blocked.url}/watch/${s.id}`);
    try {
      const started = Date.now();
      await until(v.page, () => document.body.dataset.phase === 'playing', null, { timeout: 40000, what: 'playing after the fallback' });
      assert.equal(await v.page.evaluate(() => globalThis.stagecastViewer.mode), 'hls.js');
      assert.ok(Date.now() - started < 30000);
    } finally {
      await v.page.context().close();
    }
  } finally {
    await blocked.cleanup();
  }
});

test('a session ends when its playback token runs out unrenewed, lives on when renewed, and counts as a viewer', async () => {
  // Tokens of 8 s: the first session is never renewed, the second renews through PATCH.
  const short = await startServer({ args: ['--auth.playback_ttl_seconds=8'] });
  try {
    const a = await verifiedArtist(short, 'Token Artist');
    const s = await createStream(short, a, { title: 'Tokens', visibility: 'SUBSCRIBERS' });
    const pub = publish(`${s.rtmpUrl}/${s.streamKey}`, { seconds: 600, size: '320x180', gop: 30, bframes: 0 });
    publishers.push(pub);
    await waitFor(async () => (await short.api('GET', `/api/livestream/${s.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
    // Two subscribers (the artist's own playback is not counted as a viewer).
    const fans = [];
    for (const name of ['Lapsing Fan', 'Renewing Fan']) {
      const f = await register(short, { displayName: name });
      const sub = await short.admin('PUT', '/api/admin/subscriptions', { fanId: f.id, artistId: a.id, tier: 1, status: 'ACTIVE', expiresAt: null });
      assert.equal(sub.status, 200, sub.text);
      fans.push(f);
    }
    const grant = async (f) => {
      const r = await short.api('POST', `/api/livestream/${s.id}/playback`, { token: f.token });
      assert.equal(r.status, 200, r.text);
      return r.body;
    };
    const play = async (whepUrl) => {
      const v = await playInBrowser(whepUrl, short);
      assert.ok(v.result.ok, JSON.stringify(v.result));
      return { context: v.context, page: v.page, location: v.result.location };
    };
    const first = await grant(fans[0]);
    const lapsing = await play(first.whepUrl);
    const second = await grant(fans[1]);
    const renewed = await play(second.whepUrl);
    try {
      await until(renewed.page, () => window.player.stats().then((st) => st.video?.framesDecoded > 10), null, { timeout: 20000, what: 'frames' });
      assert.equal(await metric(short, 'stagecast_whep_sessions'), 2);
      // Both count as people watching, as HLS sessions do.
      await waitFor(async () => (await short.api('GET', `/api/livestream/${s.id}/analytics`, { token: a.token })).body.viewersNow === 2, { timeout: 10000, what: 'viewersNow 2' });

      // A bad token is refused and renews nothing; a fresh one is taken.
      const sessionUrl = new URL(renewed.location).pathname;
      const bad = await short.api('PATCH', sessionUrl, { raw: '', headers: { authorization: 'Bearer forged.123.abc' } });
      assert.equal(bad.status, 403, bad.text);
      const fresh = await grant(fans[1]);
      assert.equal(await renewed.page.evaluate((t) => window.player.renew(t), fresh.token), true);

      // The unrenewed session ends when its token does; the renewed one plays on.
      await waitFor(async () => (await metric(short, 'stagecast_whep_tokens_expired_total')) === 1, { timeout: 15000, what: 'the first session ended by its token' });
      assert.ok(Date.now() >= first.expiresAt * 1000, 'not before the token ran out');
      assert.equal(await metric(short, 'stagecast_whep_sessions'), 1);
      const n = await renewed.page.evaluate(() => window.player.stats().then((st) => st.video.framesDecoded));
      await until(renewed.page, (k) => window.player.stats().then((st) => st.video.framesDecoded > k + 30), n, { timeout: 10000, what: 'the renewed session still playing' });
      // Until its own (renewed) token runs out too.
      await waitFor(async () => (await metric(short, 'stagecast_whep_tokens_expired_total')) === 2, { timeout: 15000, what: 'the renewed session ended at its new expiry' });
      assert.ok(Date.now() >= fresh.expiresAt * 1000);
    } finally {
      await lapsing.context.close();
      await renewed.context.close();
    }
  } finally {
    await short.cleanup();
  }
});

test('a stream published over WHIP plays over WHEP from its own RTP; a new viewer\'s key frame request reaches the publisher', async () => {
  const s = await createStream(server, artist, { title: 'WHIP to WHEP' });
  const pub = await browserPublisher(server, { whipUrl: s.whipUrl, token: s.streamKey, width: 640, height: 360 });
  try {
    assert.equal(pub.result.status, 201, JSON.stringify(pub.result));
    await waitFor(async () => (await server.api('GET', `/api/livestream/${s.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE over WHIP' });
    const before = await metric(server, 'stagecast_whip_viewer_keyframe_requests_total');
    const viewer = await playInBrowser(`/whep/${s.id}`);
    try {
      assert.ok(viewer.result.ok, JSON.stringify(viewer.result));
      await until(viewer.page, () => window.player.stats().then((st) => st.video && st.video.framesDecoded > 60), null, { timeout: 20000, what: 'frames of the WHIP stream decoded' });
      const stats = await viewer.page.evaluate(() => window.player.stats());
      assert.ok(stats.video.freezeCount <= 2, JSON.stringify(stats));
      // The publisher's own Opus reaches the viewer, not re-encoded from the AAC made for HLS.
      await until(viewer.page, () => window.player.stats().then((st) => st.audio && st.audio.packetsReceived > 50), null, { timeout: 10000, what: 'audio from the WHIP publisher' });
      const audio = (await viewer.page.evaluate(() => window.player.stats())).audio;
      assert.ok(audio.concealedSamples < audio.totalSamplesReceived / 4, JSON.stringify(audio));
      assert.match(server.log, new RegExp(`whep ${s.id}: the publisher's Opus goes to WebRTC viewers as it came`));
      // The video goes out as the publisher's own RTP payloads, not depacketised and packetised
      // again: (nearly) every video packet the viewer got was forwarded.
      const forwarded = await metric(server, 'stagecast_whep_forwarded_rtp_packets_total');
      const received = (await viewer.page.evaluate(() => window.player.stats())).video.packetsReceived;
      assert.ok(forwarded > 50, `forwarded ${forwarded}`);
      assert.ok(forwarded >= received * 0.9, `forwarded ${forwarded} of the ${received} video packets the viewer received`);
      // The new viewer asked for a key frame to start on: passed to the publisher as a PLI.
      assert.ok(await metric(server, 'stagecast_whip_viewer_keyframe_requests_total') > before);
      assert.ok((await pub.stats()).video.plis >= 1);
      assert.deepEqual(viewer.errors, []);
    } finally {
      await viewer.context.close();
    }
  } finally {
    await pub.stop();
  }
});

test('5% of the media lost on the way to the viewer: NACKs answered from the cache, playback goes on', async () => {
  const relay = await lossyRelay({ lossEvery: 20, drop: 'toClient' });
  const lossy = await startServer({ args: ['--webrtc.tcp=false', `--webrtc.udp_candidates=127.0.0.1:${relay.port}`] });
  relay.target = lossy.webrtcUdpPort;
  try {
    const a = await verifiedArtist(lossy, 'Lossy Artist');
    const s = await createStream(lossy, a, { title: 'Lossy' });
    const pub = publish(`${s.rtmpUrl}/${s.streamKey}`, { seconds: 600, size: '640x360', gop: 30, bframes: 0 });
    publishers.push(pub);
    await waitFor(async () => (await lossy.api('GET', `/api/livestream/${s.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
    const { context, page, result } = await playInBrowser(`/whep/${s.id}`, lossy);
    try {
      assert.ok(result.ok, JSON.stringify(result));
      await until(page, () => window.player.stats().then((st) => st.video && st.video.framesDecoded > 300), null, { timeout: 30000, what: '300 frames decoded through the lossy path' });
      const stats = await page.evaluate(() => window.player.stats());
      const resent = await metric(lossy, 'stagecast_whep_retransmitted_packets_total');
      const missed = await metric(lossy, 'stagecast_whep_nack_missed_total');
      console.log(`relay dropped ${relay.dropped} of ${relay.dropped + relay.forwarded} datagrams; the server resent ${resent} packets (${missed} no longer cached); the browser sent ${stats.video.nackCount} NACKs, lost ${stats.video.packetsLost}, froze ${stats.video.freezeCount} times`);
      assert.ok(relay.dropped > 50, `dropped ${relay.dropped}`);
      assert.ok(stats.video.nackCount > 0, JSON.stringify(stats));
      assert.ok(resent > relay.dropped / 4, `resent ${resent} for ${relay.dropped} dropped`);
      // Retransmissions fill the holes: few freezes, and frames keep coming.
      assert.ok(stats.video.freezeCount <= 5, JSON.stringify(stats));
      await until(page, (n) => window.player.stats().then((st) => st.video.framesDecoded > n + 60), stats.video.framesDecoded, { timeout: 10000, what: 'frames to keep coming' });
    } finally {
      await context.close();
    }
  } finally {
    await lossy.cleanup();
    relay.close();
  }
});

test('a source with B-frames is played over WHEP from its highest transcoded rung, encoded without them', async () => {
  // Without a ladder there is nothing WebRTC can carry: a clear refusal (the Viewer falls back to
  // LL-HLS), once the server has seen the reordering.
  const plain = await createStream(server, artist, { title: 'B-frames, no ladder' });
  publishers.push(publish(`${plain.rtmpUrl}/${plain.streamKey}`, { seconds: 600, size: '640x360', gop: 60, bframes: 2 }));
  await waitFor(async () => (await server.api('GET', `/api/livestream/${plain.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
  const refused = await waitFor(async () => {
    const v = await playInBrowser(`/whep/${plain.id}`);
    await v.context.close();
    return !v.result.ok && v.result;
  }, { timeout: 20000, what: 'the offer refused' });
  assert.equal(refused.status, 409, JSON.stringify(refused));
  assert.equal(refused.code, 'no_realtime_rendition');

  const ladder = await startServer({ args: ['--transcode.enabled=true', '--transcode.preset=superfast', '--transcode.ladder=360p:800k'] });
  try {
    const a = await verifiedArtist(ladder, 'Ladder Artist');
    const s = await createStream(ladder, a, { title: 'OBS-like B-frames' });
    publishers.push(publish(`${s.rtmpUrl}/${s.streamKey}`, { seconds: 600, size: '854x480', gop: 60, bframes: 2 }));
    await waitFor(async () => (await ladder.api('GET', `/api/livestream/${s.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
    // The 360p rung exists once the transcoder has seen the source.
    await waitFor(async () => {
      const r = await fetch(`${ladder.url}/hls/${s.id}/master.m3u8`);
      return r.status === 200 && (await r.text()).includes('RESOLUTION=640x360');
    }, { timeout: 30000, what: 'the 360p rung' });
    const { context, page, result } = await playInBrowser(`/whep/${s.id}`, ladder);
    try {
      assert.ok(result.ok, JSON.stringify(result));
      await until(page, () => window.player.stats().then((st) => st.video && st.video.framesDecoded > 90), null, { timeout: 20000, what: 'frames of the rung decoded' });
      const stats = await page.evaluate(() => window.player.stats());
      assert.equal(stats.video.frameHeight, 360, JSON.stringify(stats));
      assert.ok(stats.video.freezeCount <= 2, JSON.stringify(stats));
      await until(page, () => window.player.stats().then((st) => st.audio && st.audio.packetsReceived > 50), null, { timeout: 10000, what: 'audio with the rung' });
    } finally {
      await context.close();
    }
  } finally {
    await ladder.cleanup();
  }
});

test('a viewer behind a narrow link moves down the ladder by its REMB, and back up when the link widens', async () => {
  const relay = await lossyRelay({ drop: 'none' });
  const adaptive = await startServer({ args: ['--webrtc.tcp=false', `--webrtc.udp_candidates=127.0.0.1:${relay.port}`,
    '--transcode.enabled=true', '--transcode.preset=superfast', '--transcode.ladder=240p:250k'] });
  relay.target = adaptive.webrtcUdpPort;
  try {
    const a = await verifiedArtist(adaptive, 'Ladder Artist');
    const s = await createStream(adaptive, a, { title: 'Adaptive' });
    publishers.push(publish(`${s.rtmpUrl}/${s.streamKey}`, { seconds: 600, size: '640x360', gop: 30, bframes: 0, cbr: '1500k' }));
    await waitFor(async () => {
      const r = await fetch(`${adaptive.url}/hls/${s.id}/master.m3u8`);
      return r.status === 200 && ((await r.text()).match(/#EXT-X-STREAM-INF/g) ?? []).length === 2;
    }, { timeout: 30000, what: 'the source and its 240p rung' });
    const { context, page, result } = await playInBrowser(`/whep/${s.id}`, adaptive);
    try {
      assert.ok(result.ok, JSON.stringify(result));
      const height = (h) => until(page, (want) => window.player.stats().then((st) => st.video?.frameHeight === want && st.video.framesDecoded > 30), h, { timeout: 40000, what: `${h}p decoded` });
      await height(360);
      // Past the warm-up (the browser's estimate ramps up first), the link narrows to 700 kb/s.
      await new Promise((r) => setTimeout(r, 6000));
      relay.rateKbps = 700;
      await height(240);
      assert.ok(await metric(adaptive, 'stagecast_whep_rendition_switches_total') >= 1);
      // Wide again: the viewer's estimate earns it a try up, which holds.
      relay.rateKbps = 0;
      await until(page, () => window.player.stats().then((st) => st.video.frameHeight === 360), null, { timeout: 60000, what: 'back to 360p' });
      assert.ok(await metric(adaptive, 'stagecast_whep_rendition_switches_total') >= 2);
    } finally {
      await context.close();
    }
  } finally {
    await adaptive.cleanup();
    relay.close();
  }
});
