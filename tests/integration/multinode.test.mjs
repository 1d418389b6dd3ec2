// Two Stagecast nodes acting as one platform through a real redis-server (docs/operations.md,
// "Multi-node"): chat posted on A reaches B's viewers once and in order, a ban on A holds on B,
// chat settings changed on A apply on B, a tip confirmed on B shows on A, the viewer count is A's and B's members together, a stream
// published to A plays from B (redirected to A), Redis killed and restarted mid-chat degrades
// (each node serves its own members, says so and counts it) and recovers with no crash, and A
// killed with SIGKILL has its streams ended as interrupted by B once its lease lapses, while A
// restarted ends none of B's.
// The nodes share a real PostgreSQL started here (SC_TEST_CLUSTER_STORE=sqlite: one SQLite file
// on this machine instead).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './lib/redis.mjs';
import { Postgres } from './lib/postgres.mjs';
import { Cluster } from './lib/cluster.mjs';
import { register } from './lib/fixtures.mjs';
import { ChatClient, member } from './lib/chat_client.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { waitFor, ffprobeJson } from './lib/media.mjs';
import { redisCommand } from './lib/redis.mjs';
import { metric } from './lib/metrics.mjs';

let redis; let postgres; let cluster; let A; let B; let artist; let stream;

before(async () => {
  redis = await startRedis();
  // Not a time: the nodes take it as a Redis without the cluster's state and set it afresh.
  await redisCommand(redis.port, 'SET', 'stagecast:since', 'garbage');
  let storeUrl = null;
  if (process.env.SC_TEST_CLUSTER_STORE !== 'sqlite') {
    postgres = new Postgres().start();
    storeUrl = await postgres.database('cluster');
  }
  cluster = new Cluster({
    redisUrl: redis.url,
    storeUrl,
    args: [
      '--chat.rate_limit_messages=10000', '--realtime.events_per_second=2000',
      '--realtime.events_burst=2000', '--realtime.viewer_count_interval_ms=200',
      '--streams.reconnect_grace_seconds=2',
      // Short leases, so that a dead node's streams end within a few seconds here.
      '--cluster.lease_ttl_ms=3000', '--cluster.lease_renew_ms=1000',
    ],
  });
  A = await cluster.start('node-a');
  B = await cluster.start('node-b');
  artist = await register(A, { role: 'ARTIST', displayName: 'Cluster Artist' });
  const onboard = await A.api('POST', '/api/artists/me/stripe/onboarding', { token: artist.token });
  assert.equal(onboard.status, 200, onboard.text);
  stream = await liveStream(A, artist);
  await waitFor(async () => /^\$\d+\r\n\d+\r\n$/.test(await redisCommand(redis.port, 'GET', 'stagecast:since')), { what: 'stagecast:since set afresh' });
});

after(async () => {
  await stream?.stop();
  await cluster?.cleanup();
  await redis?.cleanup();
  postgres?.stop();
});

async function chatTexts(client, count, timeoutMs = 15000) {
  const out = [];
  while (out.length < count) out.push((await client.next('chat', timeoutMs)).message.text);
  return out;
}

test('200 messages posted on A reach a viewer on B once each and in order', async () => {
  const fan = await register(A, { displayName: 'Poster' });
  const onB = await member(B, null, stream.id);
  const poster = await member(A, fan, stream.id);
  const texts = Array.from({ length: 200 }, (_, i) => `message ${i}`);
  for (const text of texts) poster.send({ type: 'chat', text });
  assert.deepEqual(await chatTexts(onB, 200), texts);
  assert.deepEqual(await chatTexts(poster, 200), texts, 'the poster on A: its own node, once each');
  assert.deepEqual(await onB.collect('chat', 500), [], 'no message twice on B');
  assert.deepEqual(await poster.collect('chat', 100), [], 'no echo on A');
  // A joiner on B gets them in its history as well (the room on B kept them).
  const late = await member(B, null, stream.id);
  assert.deepEqual(late.joined.history.map((m) => m.text), texts.slice(-50));
  for (const c of [onB, poster, late]) await c.close();
  assert.ok(await metric(A, 'stagecast_bus_room_events_echo_total') >= 200, 'A dropped its own echoes');
});

test('a ban on A holds on B: the member on B is removed and cannot join again', async () => {
  const fan = await register(A, { displayName: 'Troll' });
  const owner = await member(A, artist, stream.id);
  const onB = await member(B, fan, stream.id);
  assert.equal((await owner.request({ type: 'ban', userId: fan.id, reason: 'spam' })).type, 'ack');
  assert.equal((await onB.next('left', 5000)).reason, 'banned');
  const again = await ChatClient.connect(B);
  await again.auth(fan.token);
  assert.equal((await again.refusal({ type: 'join', streamId: stream.id })).code, 'banned');
  for (const c of [owner, again]) await c.close();
});

test("a ban on A holds in the artist's other live stream, whose room is on B only", async () => {
  const fan = await register(A, { displayName: 'Elsewhere' });
  const other = await liveStream(B, artist);
  try {
    // A learns of the second live stream at its next check (cluster.lease_renew_ms).
    await waitFor(async () => await metric(A, 'stagecast_cluster_live_streams') >= 2, { timeout: 8000, what: 'A sees both streams' });
    const onB = await member(B, fan, other.id);
    const owner = await member(A, artist, stream.id);
    assert.equal((await owner.request({ type: 'ban', userId: fan.id, reason: 'everywhere' })).type, 'ack');
    assert.equal((await onB.next('left', 5000)).reason, 'banned');
    assert.equal((await owner.request({ type: 'unban', userId: fan.id })).type, 'ack');
    await owner.close();
  } finally {
    await other.stop();
  }
});

test('chat settings changed on A apply to the room on B (slow mode)', async () => {
  const fan = await register(A, { displayName: 'Slow' });
  const onB = await member(B, fan, stream.id);
  const r = await A.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body: { chat: { slowModeSeconds: 30 } } });
  assert.equal(r.status, 200, r.text);
  const e = await onB.next('chat_settings', 5000);
  assert.equal(e.chat.slowModeSeconds, 30);
  await onB.say('one');
  assert.equal((await onB.refusal({ type: 'chat', text: 'two' })).code, 'slow_mode', 'B enforces what A set');
  const off = await A.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body: { chat: { slowModeSeconds: 0 } } });
  assert.equal(off.status, 200, off.text);
  assert.equal((await onB.next('chat_settings', 5000)).chat.slowModeSeconds, 0);
  await onB.close();
});

test('a tip confirmed by the webhook path on B shows in chat on A', async () => {
  const fan = await register(B, { displayName: 'Tipper' });
  const onA = await member(A, artist, stream.id);
  const r = await B.api('POST', `/api/livestream/${stream.id}/tips`, { token: fan.token, body: { amountCents: 500, currency: 'usd', message: 'across nodes' } });
  assert.equal(r.status, 201, r.text);
  const confirmed = await B.api('POST', `/api/sandbox/payments/${r.body.paymentIntentId}/confirm`, { token: fan.token, body: { outcome: 'succeeded' } });
  assert.equal(confirmed.status, 200, confirmed.text);
  const tip = await onA.next('tip', 5000);
  assert.equal(tip.message.text, 'across nodes');
  assert.equal(tip.tip.amountCents, 500);
  assert.deepEqual(await onA.collect('tip', 500), [], 'once');
  await onA.close();
});

test('Redis killed and restarted during chat: each node goes on alone, then fan-out resumes', async () => {
  const fan = await register(A, { displayName: 'Through the outage' });
  const poster = await member(A, fan, stream.id);
  const otherOnA = await member(A, null, stream.id);
  const onB = await member(B, null, stream.id);
  await poster.say('before');
  assert.equal((await onB.next('chat')).message.text, 'before');
  assert.equal((await otherOnA.next('chat')).message.text, 'before');

  await redis.kill('SIGKILL');
  for (const node of [A, B]) {
    await waitFor(async () => (await node.api('GET', '/readyz')).body?.bus === 'degraded', { timeout: 10000, what: 'bus degraded' });
    assert.equal((await node.api('GET', '/readyz')).status, 200, 'degraded, still ready');
  }
  assert.ok(await metric(A, 'stagecast_bus_disconnects_total') >= 1);
  // Chat goes on within A.
  await poster.say('during');
  assert.equal((await otherOnA.next('chat')).message.text, 'during');

  await redis.start();
  for (const node of [A, B]) {
    await waitFor(async () => (await node.api('GET', '/readyz')).body?.bus === undefined, { timeout: 15000, what: 'bus back' });
  }
  // Redis came back empty: A's lease is missing until A reconnects (after up to its 5 s
  // backoff), and B must not take that for A's death.
  await waitFor(async () => /node-a/.test(await redisCommand(redis.port, 'GET', `stagecast:lease:${stream.id}`)), { timeout: 15000, what: 'A\'s lease back' });
  assert.equal((await B.api('GET', `/api/livestream/${stream.id}`)).body.status, 'LIVE', 'B ended none of A\'s streams');
  await poster.say('after');
  assert.equal((await onB.next((e) => e.type === 'chat' && e.message.text === 'after', 10000)).message.text, 'after');
  assert.equal((await otherOnA.next('chat')).message.text, 'after');
  for (const c of [poster, otherOnA, onB]) await c.close();
  assert.equal(A.proc.exitCode, null);
  assert.equal(B.proc.exitCode, null);
});

test('the viewer count is the members on A and B together', async () => {
  const onA = await Promise.all([member(A, null, stream.id), member(A, null, stream.id)]);
  const onB = await Promise.all([member(B, null, stream.id), member(B, null, stream.id), member(B, null, stream.id)]);
  for (const c of [onA[0], onB[0]]) {
    await c.next((e) => e.type === 'viewers' && e.count === 5, 8000);
  }
  // The API (the home page's cards) says the same on either node.
  for (const node of [A, B]) {
    await waitFor(async () => (await node.api('GET', `/api/livestream/${stream.id}`)).body?.viewers === 5, { timeout: 8000, what: 'API viewers 5' });
  }
  for (const c of [...onA, ...onB]) await c.close();
});

test('a stream published to A plays from B: B redirects HLS to A', async () => {
  const path = `/hls/${stream.id}/master.m3u8`;
  await waitFor(async () => (await fetch(B.url + path, { redirect: 'manual' })).status === 307, { timeout: 8000, what: 'a redirect from B' });
  const r = await fetch(B.url + path + '?sid=abc', { redirect: 'manual' });
  assert.equal(r.status, 307);
  assert.equal(r.headers.get('location'), `${A.url}${path}?sid=abc`);
  const followed = await fetch(B.url + path);
  assert.equal(followed.status, 200);
  assert.match(await followed.text(), /^#EXTM3U/);
  const probe = ffprobeJson(B.url + path, ['-show_streams']);
  assert.ok(probe.streams.some((x) => x.codec_type === 'video'), JSON.stringify(probe));
});

test('a node in proxy mode serves HLS of a stream A holds itself: no redirect, the same bytes, blocking reloads relayed', async () => {
  const C = await cluster.start('node-c', { args: ['--cluster.hls_mode=proxy'] });
  try {
    const path = `/hls/${stream.id}/master.m3u8`;
    const master = await waitFor(async () => {
      const r = await fetch(C.url + path, { redirect: 'manual' });
      return r.status === 200 && r;
    }, { timeout: 8000, what: 'the playlist through C' });
    assert.equal(master.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.ok(master.headers.get('cache-control'));
    const text = await master.text();
    assert.match(text, /^#EXTM3U/);
    // A media playlist's blocking reload (LL-HLS) is held by A and relayed by C.
    const media = new URL(text.split('\n').find((l) => l && !l.startsWith('#')), C.url + path);
    const playlist = await (await fetch(media)).text();
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)[1]) + (playlist.match(/#EXTINF/g) ?? []).length;
    media.searchParams.set('_HLS_msn', String(msn + 1));
    const held = await fetch(media);
    assert.equal(held.status, 200);
    assert.match(await held.text(), new RegExp(`#EXT-X-PART:.*URI="[^"]*part${msn + 1}\\.`));
    // ffprobe reads the stream from C as from A.
    const probe = ffprobeJson(C.url + path, ['-show_streams']);
    assert.ok(probe.streams.some((x) => x.codec_type === 'video'), JSON.stringify(probe));
    assert.ok(await metric(C, 'stagecast_hls_proxied_total') >= 4);
  } finally {
    await C.stop();
  }
});

test('the chat rate limit holds across nodes: a user posting on two nodes gets one budget', async () => {
  // Two more nodes of their own platform (another store, the same Redis) with a small limit.
  const small = new Cluster({ redisUrl: redis.url, args: ['--chat.rate_limit_messages=4', '--chat.rate_limit_window_seconds=60'] });
  try {
    const C = await small.start('node-c');
    const D = await small.start('node-d');
    const owner = await register(C, { role: 'ARTIST', displayName: 'Small' });
    assert.equal((await C.api('POST', '/api/artists/me/stripe/onboarding', { token: owner.token })).status, 200);
    const s = await C.api('POST', '/api/livestream', { token: owner.token, body: { title: 'limits', visibility: 'PUBLIC' } });
    assert.equal(s.status, 201, s.text);
    const fan = await register(C, { displayName: 'Chatty' });
    const onC = await member(C, fan, s.body.id);
    const onD = await member(D, fan, s.body.id);
    const outcomes = [];
    for (const [i, c] of [onC, onD, onC, onD, onC, onD].entries()) {
      const r = await c.request({ type: 'chat', text: `n${i}` });
      outcomes.push(r.type === 'ack' ? 'ok' : r.error.code);
    }
    assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    assert.ok(await metric(C, 'stagecast_chat_shared_rate_limited_total') + await metric(D, 'stagecast_chat_shared_rate_limited_total') === 2);
    for (const c of [onC, onD]) await c.close();
  } finally {
    await small.cleanup();
  }
});

test('A killed with SIGKILL: B ends its streams as interrupted once the lease lapses; A restarted ends none of B\'s', async () => {
  // A second stream, ingested by B.
  const onB = await liveStream(B, artist);
  const lease = await redisCommand(redis.port, 'GET', `stagecast:lease:${stream.id}`);
  assert.match(lease, new RegExp(`node-a ${A.url.replace(/[.:/]/g, '\\$&')}`));
  assert.match(await redisCommand(redis.port, 'GET', `stagecast:lease:${onB.id}`), /node-b/);

  const killedAt = Date.now();
  A.proc.kill('SIGKILL');
  await A.exited;
  await stream.stop();
  await waitFor(async () => (await B.api('GET', `/api/livestream/${stream.id}`)).body.status === 'ENDED', { timeout: 15000, what: 'A\'s stream ended by B' });
  const ended = (await B.api('GET', `/api/livestream/${stream.id}`)).body;
  assert.equal(ended.endReason, 'interrupted');
  // Lease TTL (3 s) plus at most two checks of B (1 s apart).
  assert.ok(Date.now() - killedAt < 3000 + 2 * 1000 + 2000, `ended after ${Date.now() - killedAt} ms`);
  stream = null;

  // A comes back (same node id): B's stream stays LIVE.
  A = await cluster.start('node-a');
  await waitFor(async () => (await A.api('GET', '/readyz')).status === 200, { what: 'A ready' });
  const after = await A.api('GET', `/api/livestream/${onB.id}`);
  assert.equal(after.body.status, 'LIVE', 'A restarted ends none of B\'s streams');
  assert.ok(await metric(B, 'stagecast_cluster_streams_interrupted_total') >= 1);
  await onB.stop();
});
