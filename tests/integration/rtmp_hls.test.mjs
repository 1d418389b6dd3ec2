// Go live from an OBS-like encoder: ffmpeg publishes RTMP to the real binary; ffprobe, ffmpeg and
// plain HTTP read the Low-Latency HLS back.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, StagecastProcess } from './lib/server.mjs';
import { member } from './lib/chat_client.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, ffprobeJson, decodeAll, waitFor } from './lib/media.mjs';

let server;
before(async () => { server = await startServer({ args: ['--streams.reconnect_grace_seconds=3'] }); });
after(async () => { await server.cleanup(); });

async function getText(url) {
  const r = await fetch(url);
  return { status: r.status, text: await r.text(), headers: r.headers };
}

test('OBS-like publish becomes LL-HLS that ffprobe and ffmpeg read without error', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'ffmpeg live' });
  const base = `${server.url}/hls/${stream.id}`;
  const sentSeconds = 8;
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: sentSeconds });

  // Live within seconds: the API says LIVE and the multivariant playlist lists the rendition.
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { what: 'LIVE' });
  const master = await waitFor(async () => { const r = await getText(`${base}/master.m3u8`); return r.status === 200 && r; }, { what: 'master playlist' });
  assert.match(master.headers.get('content-type'), /mpegurl/i);
  assert.match(master.text, /#EXT-X-STREAM-INF:.*BANDWIDTH=\d+/);
  assert.match(master.text, /RESOLUTION=1280x720/);
  assert.match(master.text, /CODECS="avc1\.64[0-9a-f]{4},mp4a\.40\.2"/);
  const mediaUri = master.text.split('\n').find((l) => l && !l.startsWith('#'));
  const mediaUrl = new URL(mediaUri, `${base}/master.m3u8`).href;

  const playlist = await waitFor(async () => { const r = await getText(mediaUrl); return r.status === 200 && r.text.includes('#EXT-X-PART:') && r; }, { what: 'parts' });
  for (const tag of ['#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES', 'PART-HOLD-BACK=', '#EXT-X-PART-INF:PART-TARGET=', '#EXT-X-PRELOAD-HINT:TYPE=PART', '#EXT-X-PROGRAM-DATE-TIME:', '#EXT-X-MAP:URI=', '#EXT-X-TARGETDURATION:']) {
    assert.ok(playlist.text.includes(tag), `playlist lacks ${tag}:\n${playlist.text}`);
  }
  assert.match(playlist.headers.get('cache-control'), /max-age=[01]\b|no-cache/);
  assert.equal(playlist.headers.get('access-control-allow-origin'), '*');

  // A blocking request for the next part returns as soon as that part exists.
  const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part(\d+)\.(\d+)\.m4s/.exec(playlist.text);
  assert.ok(hint, playlist.text);
  const [msn, part] = [Number(hint[1]), Number(hint[2])];
  const t0 = performance.now();
  const blocked = await getText(`${mediaUrl}${mediaUrl.includes('?') ? '&' : '?'}_HLS_msn=${msn}&_HLS_part=${part}`);
  const waited = performance.now() - t0;
  assert.equal(blocked.status, 200);
  assert.ok(blocked.text.includes(`part${msn}.${part}.m4s`), blocked.text);
  assert.ok(waited < 1500, `blocking reload took ${waited} ms`);
  console.log(`blocking reload for part ${msn}.${part} answered after ${waited.toFixed(0)} ms`);

  // Parts and segments are immutable and cacheable by a CDN.
  const partRes = await fetch(new URL(`part${msn}.${part}.m4s`, mediaUrl));
  assert.equal(partRes.status, 200);
  assert.match(partRes.headers.get('cache-control'), /max-age=\d{5,}/);
  assert.match(partRes.headers.get('content-type'), /video\/(mp4|iso\.segment)/);

  const { code } = await pub.done;
  assert.equal(code, 0);
  // Grace period (3 s) passes without a publisher: the stream ends and the playlist closes.
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'ENDED', { timeout: 20000, what: 'ENDED' });
  const final = await getText(mediaUrl);
  assert.match(final.text, /#EXT-X-ENDLIST/);

  const probe = ffprobeJson(`${base}/master.m3u8`, ['-show_streams', '-show_format']);
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  assert.equal(video.codec_name, 'h264');
  assert.equal(video.width, 1280);
  assert.equal(video.height, 720);
  assert.equal(audio.codec_name, 'aac');
  assert.equal(Number(audio.sample_rate), 48000);
  assert.equal(audio.channels, 2);
  const duration = Number(probe.format.duration);
  assert.ok(Math.abs(duration - sentSeconds) < 0.6, `duration ${duration}, sent ${sentSeconds}`);

  // Audio and video stay in sync: both tracks cover the same span.
  const frames = ffprobeJson(`${base}/master.m3u8`, ['-show_entries', 'packet=pts_time,codec_type']);
  const span = (type) => {
    const t = frames.packets.filter((p) => p.codec_type === type).map((p) => Number(p.pts_time));
    return [Math.min(...t), Math.max(...t), t.length];
  };
  const [v0, v1, vn] = span('video');
  const [a0, a1, an] = span('audio');
  console.log(`video ${vn} frames ${v0.toFixed(3)}..${v1.toFixed(3)} s, audio ${an} frames ${a0.toFixed(3)}..${a1.toFixed(3)} s`);
  assert.ok(Math.abs(v0 - a0) < 0.1, `start skew ${v0 - a0}`);
  assert.ok(Math.abs(v1 - a1) < 0.15, `end skew ${v1 - a1}`);
  assert.ok(Math.abs(vn - 30 * sentSeconds) <= 2, `video frames ${vn}`);

  const decoded = decodeAll(`${base}/master.m3u8`);
  assert.equal(decoded.status, 0, decoded.stderr);
  assert.equal(decoded.stderr.trim(), '');
});

test('a wrong key is refused, a second publisher is refused, a drop within the grace period resumes', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'keys' });
  const wrong = publish(`${stream.rtmpUrl}/sk_${'x'.repeat(32)}`, { seconds: 2 });
  const wrongResult = await wrong.done;
  assert.notEqual(wrongResult.code, 0);
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`)).body.status, 'CREATED');

  const first = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 6 });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { what: 'LIVE' });
  const second = await publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 2 }).done;
  assert.notEqual(second.code, 0, 'a second publisher on the same key must be refused');
  assert.equal((await first.done).code, 0);

  // Back within the 3 s grace period: same stream, still LIVE, a discontinuity in the playlist.
  const again = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 3 });
  const playlistUrl = `${server.url}/hls/${stream.id}/source/index.m3u8`;
  await waitFor(async () => (await getText(playlistUrl)).text.includes('#EXT-X-DISCONTINUITY'), { what: 'discontinuity' });
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`)).body.status, 'LIVE');
  assert.equal((await again.done).code, 0);
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'ENDED', { timeout: 20000, what: 'ENDED' });
  // An ENDED stream's key no longer publishes.
  assert.notEqual((await publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 1 }).done).code, 0);
});

test('the owner ends a live stream from the API and the publisher is cut off', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'end me' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 30 });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { what: 'LIVE' });
  const r = await server.api('POST', `/api/livestream/${stream.id}/end`, { token: artist.token });
  assert.equal(r.status, 200);
  const t0 = Date.now();
  await pub.done;
  assert.ok(Date.now() - t0 < 10000, 'publisher should be disconnected promptly');
});

test('non-public streams need a signed playback token on every HLS request', async () => {
  const artist = await verifiedArtist(server);
  const fan = await register(server);
  const stream = await createStream(server, artist, { title: 'subs only', visibility: 'SUBSCRIBERS' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 6 });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { what: 'LIVE' });
  assert.equal((await fetch(`${server.url}/hls/${stream.id}/master.m3u8`)).status, 403);
  assert.equal((await fetch(`${server.url}/hls/${stream.id}/master.m3u8?token=forged.123.abc`)).status, 403);
  const denied = await server.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.code, 'subscription_required');
  await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  const grant = await server.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token });
  assert.equal(grant.status, 200);
  const master = await waitFor(async () => { const r = await getText(grant.body.url); return r.status === 200 && r; }, { what: 'signed master' });
  const mediaUri = master.text.split('\n').find((l) => l && !l.startsWith('#'));
  assert.match(mediaUri, /token=/);
  const media = await getText(new URL(mediaUri, grant.body.url).href);
  assert.equal(media.status, 200);
  for (const uri of media.text.split('\n').filter((l) => l.includes('.m4s') || l.includes('.mp4'))) {
    assert.match(uri, /token=/, `URI without token: ${uri}`);
  }
  // The token is bound to its stream.
  const other = await createStream(server, artist, { title: 'other', visibility: 'SUBSCRIBERS' });
  assert.equal((await fetch(`${server.url}/hls/${other.id}/master.m3u8?token=${encodeURIComponent(grant.body.token)}`)).status, 403);
  await pub.done;
});

test('a ban stops a fan\'s playback token on the next HLS request, an unban restores it', async () => {
  const artist = await verifiedArtist(server);
  const fan = await register(server);
  const stream = await createStream(server, artist, { title: 'ban', visibility: 'SUBSCRIBERS' });
  await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 8 });
  try {
    const grant = await server.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token });
    assert.equal(grant.status, 200);
    await waitFor(async () => (await fetch(grant.body.url)).status === 200, { what: 'signed master' });
    const owner = await member(server, artist, stream.id);
    assert.equal((await owner.request({ type: 'ban', userId: fan.id, reason: 'abuse' })).type, 'ack');
    // The very next request with the same (unexpired) token is refused.
    assert.equal((await fetch(grant.body.url)).status, 403);
    const mediaUrl = grant.body.url.replace('master.m3u8', 'source/index.m3u8');
    assert.equal((await fetch(mediaUrl)).status, 403);
    assert.equal((await owner.request({ type: 'unban', userId: fan.id })).type, 'ack');
    assert.equal((await fetch(grant.body.url)).status, 200, 'an unban restores it');
    await owner.close();
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
});

test('with anonymous viewers off, even a PUBLIC stream\'s HLS needs a playback token', async () => {
  const closed = await startServer({ args: ['--auth.allow_anonymous_viewers=false'] });
  try {
    const artist = await verifiedArtist(closed);
    const fan = await register(closed);
    const stream = await createStream(closed, artist, { title: 'members only', visibility: 'PUBLIC' });
    const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 5 });
    await waitFor(async () => (await closed.api('GET', `/api/livestream/${stream.id}`, { token: fan.token })).body.status === 'LIVE', { what: 'LIVE' });
    assert.equal((await fetch(`${closed.url}/hls/${stream.id}/master.m3u8`)).status, 403);
    assert.equal((await fetch(`${closed.url}/hls/${stream.id}/source/index.m3u8`)).status, 403);
    const anonymous = await closed.api('POST', `/api/livestream/${stream.id}/playback`);
    assert.equal(anonymous.status, 401, anonymous.text);
    const grant = await closed.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token });
    assert.equal(grant.status, 200, grant.text);
    const master = await waitFor(async () => { const r = await getText(grant.body.url); return r.status === 200 && r; }, { what: 'signed master' });
    assert.match(master.text, /token=/);
    await pub.done;
  } finally {
    await closed.cleanup();
  }
});

// A stream goes live on a server of its own, `cut(server)` stops that server, and `check` runs
// against a new server on the same data directory.
async function liveThenRestart(title, cut, check) {
  const first = await new StagecastProcess().start();
  try {
    const artist = await verifiedArtist(first);
    const stream = await createStream(first, artist, { title });
    const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 30 });
    await waitFor(async () => (await first.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { what: 'LIVE' });
    await cut(first);
    await pub.done;  // the encoder is cut off
    const again = await new StagecastProcess({ dataDir: first.dataDir }).start();
    try {
      const r = await again.api('GET', `/api/livestream/${stream.id}`, { token: artist.token });
      assert.equal(r.status, 200, r.text);
      await check(again, stream, r.body);
    } finally {
      await again.stop();
    }
  } finally {
    await first.cleanup();
  }
}

test('a stream live when the server is stopped is ENDED, not left LIVE, after a restart', async () => {
  await liveThenRestart('cut by a restart', (first) => first.stop(), async (again, stream, body) => {
    assert.equal(body.status, 'ENDED', JSON.stringify(body));
    assert.equal(body.endReason, 'shutdown');
  });
});

test('a stream cut by a crash (SIGKILL) is ENDED as interrupted when the server starts again', async () => {
  const kill = async (first) => { first.proc.kill('SIGKILL'); await first.exited; };
  await liveThenRestart('cut by a crash', kill, async (again, stream, body) => {
    assert.equal(body.status, 'ENDED', JSON.stringify(body));
    assert.equal(body.endReason, 'interrupted');
    // Ended means ended: the encoder reconnecting with the same key is refused.
    const retry = publish(`${stream.rtmpUrl.replace(/:\d+\//, `:${again.rtmpPort}/`)}/${stream.streamKey}`, { seconds: 2 });
    assert.notEqual((await retry.done).code, 0);
  });
});

test('garbage and truncated chunks on the RTMP port do not disturb a live stream', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'robust' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 6 });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { what: 'LIVE' });
  const send = (bytes) => new Promise((resolve) => {
    const s = net.connect(server.rtmpPort, '127.0.0.1');
    s.on('error', resolve);
    s.on('close', resolve);
    s.write(bytes);
    setTimeout(() => s.destroy(), 500);
  });
  const { randomBytes } = await import('node:crypto');
  await Promise.all([
    send(randomBytes(4096)),
    send(Buffer.concat([Buffer.from([3]), randomBytes(1536)])),  // C0 + C1, then nonsense
    send(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536), Buffer.alloc(1536), Buffer.from([0x02, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0x14])])),
    send(Buffer.from('GET / HTTP/1.1\r\n\r\n')),
  ]);
  assert.equal((await pub.done).code, 0);
  const r = await getText(`${server.url}/hls/${stream.id}/source/index.m3u8`);
  assert.equal(r.status, 200);
  assert.equal((await server.api('GET', '/healthz')).status, 200);
});
