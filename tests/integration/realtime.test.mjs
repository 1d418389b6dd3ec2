// Realtime chat end to end against the real binary with Node's `ws` (docs/realtime.md): one room
// with two fans and the owner, history, the chat rules, moderation, bans, a database locked by
// another process mid-test, bad input, the viewer limit.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockDatabase } from './lib/sqlite_lock.mjs';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { ChatClient, member } from './lib/chat_client.mjs';

let server;
before(async () => {
  server = await startServer({ args: ['--chat.blocked_words=globalbadword'] });
});
after(async () => { await server.cleanup(); });

async function metric(name) {
  const r = await server.api('GET', '/metrics');
  let total = 0;
  for (const line of r.text.split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{')) total += Number(line.split(' ').pop());
  }
  return total;
}

test('two fans and the owner in one room: history on join, everyone sees every message', async () => {
  const artist = await verifiedArtist(server, 'The Band');
  const ann = await register(server, { displayName: 'Ann' });
  const bob = await register(server, { displayName: 'Bob' });
  const stream = await createStream(server, artist);

  const owner = await member(server, artist, stream.id);
  assert.equal(owner.joined.you.role, 'owner');
  assert.equal(owner.joined.stream.title, stream.title);
  assert.deepEqual(owner.joined.history, []);
  const a = await member(server, ann, stream.id);
  await a.say('first!');
  await a.say('second');
  await owner.say('welcome everyone');

  // Bob arrives later and gets the history, oldest first, then the live messages.
  const b = await member(server, bob, stream.id);
  assert.deepEqual(b.joined.history.map((m) => m.text), ['first!', 'second', 'welcome everyone']);
  assert.equal(b.joined.history[0].displayName, 'Ann');
  assert.equal(b.joined.viewers, 3);
  const id = await b.say('hi from bob');
  for (const c of [owner, a, b]) {
    const m = await c.next((e) => e.type === 'chat' && e.message.id === id);
    assert.equal(m.message.text, 'hi from bob');
    assert.equal(m.message.userId, bob.id);
    assert.equal(m.message.displayName, 'Bob');
  }
  const count = await owner.next((e) => e.type === 'viewers' && e.count === 3, 3000);
  assert.equal(count.streamId, stream.id);

  // The REST history says the same.
  const h = await server.api('GET', `/api/livestream/${stream.id}/chat?limit=50`, { token: bob.token });
  assert.equal(h.status, 200, h.text);
  assert.deepEqual(h.body.items.map((m) => m.text), ['first!', 'second', 'welcome everyone', 'hi from bob']);
  for (const c of [owner, a, b]) await c.close();
});

test('a blocked word is refused and never reaches the room', async () => {
  const artist = await verifiedArtist(server);
  const ann = await register(server, { displayName: 'Ann' });
  const stream = await createStream(server, artist, { chat: { blockedWords: ['Spoiler'] } });
  const a = await member(server, ann, stream.id);
  const watcher = await member(server, null, stream.id);
  for (const text of ['total SPOILER: he dies', 'a globalbadword']) {
    const e = await a.refusal({ type: 'chat', text });
    assert.equal(e.code, 'blocked_word');
  }
  await a.say('spoilers are fine as another word');
  const seen = await watcher.next('chat');
  assert.equal(seen.message.text, 'spoilers are fine as another word');
  await a.close();
  await watcher.close();
});

test('slow mode is enforced per fan, the owner is exempt', async () => {
  const artist = await verifiedArtist(server);
  const ann = await register(server);
  const stream = await createStream(server, artist, { chat: { slowModeSeconds: 2 } });
  const a = await member(server, ann, stream.id);
  const owner = await member(server, artist, stream.id);
  await a.say('one');
  const e = await a.refusal({ type: 'chat', text: 'two' });
  assert.equal(e.code, 'slow_mode');
  assert.ok(e.retryAfterMs > 0 && e.retryAfterMs <= 2000, JSON.stringify(e));
  await owner.say('owner 1');
  await owner.say('owner 2');
  await sleep(e.retryAfterMs + 100);
  await a.say('two, later');
  await a.close();
  await owner.close();
});

test('a moderator appointed by the owner deletes a message and every client sees it go', async () => {
  const artist = await verifiedArtist(server);
  const mod = await register(server, { displayName: 'Mod' });
  const ann = await register(server, { displayName: 'Ann' });
  const stream = await createStream(server, artist);
  const owner = await member(server, artist, stream.id);
  const m = await member(server, mod, stream.id);
  const a = await member(server, ann, stream.id);

  const appointed = await server.api('PUT', `/api/livestream/${stream.id}/moderators/${mod.id}`, { token: artist.token });
  assert.equal(appointed.status, 200, appointed.text);
  assert.equal((await m.next('moderator_added')).userId, mod.id);

  const id = await a.say('something awful');
  await m.next((e) => e.type === 'chat' && e.message.id === id);
  const done = await m.request({ type: 'delete_message', messageId: id, reason: 'awful' });
  assert.equal(done.type, 'ack', JSON.stringify(done));
  for (const c of [owner, m, a]) assert.equal((await c.next('message_deleted')).messageId, id);

  const late = await member(server, null, stream.id);
  assert.ok(!late.joined.history.some((x) => x.id === id));
  const h = await server.api('GET', `/api/livestream/${stream.id}/chat`, { token: ann.token });
  assert.ok(!h.body.items.some((x) => x.id === id));
  const trail = await server.api('GET', `/api/livestream/${stream.id}/moderation`, { token: artist.token });
  assert.equal(trail.status, 200, trail.text);
  assert.deepEqual(trail.body.items.map((x) => x.action), ['DELETE_MESSAGE', 'APPOINT_MODERATOR']);
  assert.equal(trail.body.items[0].actorId, mod.id);
  assert.equal(trail.body.items[0].targetUserId, ann.id);
  assert.equal(trail.body.items[0].reason, 'awful');
  for (const c of [owner, m, a, late]) await c.close();
});

test('a timed-out user cannot post until the time is up', async () => {
  const artist = await verifiedArtist(server);
  const ann = await register(server);
  const stream = await createStream(server, artist);
  const owner = await member(server, artist, stream.id);
  const a = await member(server, ann, stream.id);
  const r = await owner.request({ type: 'timeout', userId: ann.id, seconds: 2, reason: 'cool down' });
  assert.equal(r.type, 'ack', JSON.stringify(r));
  const t = await a.next('user_timed_out');
  assert.equal(t.userId, ann.id);
  const e = await a.refusal({ type: 'chat', text: 'but why' });
  assert.equal(e.code, 'timed_out');
  assert.ok(e.retryAfterMs > 0 && e.retryAfterMs <= 2000);
  await sleep(e.retryAfterMs + 100);
  await a.say('ok, sorry');
  await owner.close();
  await a.close();
});

test('a banned user is removed and cannot join again', async () => {
  const artist = await verifiedArtist(server);
  const ann = await register(server);
  const stream = await createStream(server, artist);
  const owner = await member(server, artist, stream.id);
  const a = await member(server, ann, stream.id);
  assert.equal((await owner.request({ type: 'ban', userId: ann.id, reason: 'spam' })).type, 'ack');
  assert.equal((await a.next('left')).reason, 'banned');
  const again = await ChatClient.connect(server);
  await again.auth(ann.token);
  assert.equal((await again.refusal({ type: 'join', streamId: stream.id })).code, 'banned');
  // The ban holds in the artist's other streams too.
  const other = await createStream(server, artist, { title: 'Another night' });
  assert.equal((await again.refusal({ type: 'join', streamId: other.id })).code, 'banned');
  for (const c of [owner, a, again]) await c.close();
});

test("a non-moderator's moderation attempt is refused and changes nothing", async () => {
  const artist = await verifiedArtist(server);
  const ann = await register(server);
  const bob = await register(server);
  const stream = await createStream(server, artist);
  const a = await member(server, ann, stream.id);
  const b = await member(server, bob, stream.id);
  const id = await b.say('hello ann');
  for (const attempt of [
    { type: 'delete_message', messageId: id },
    { type: 'timeout', userId: bob.id, seconds: 600 },
    { type: 'ban', userId: bob.id },
    { type: 'appoint_moderator', userId: ann.id },
  ]) {
    const e = await a.refusal(attempt);
    assert.ok(['not_moderator', 'not_owner'].includes(e.code), JSON.stringify(e));
  }
  const viaRest = await server.api('PUT', `/api/livestream/${stream.id}/moderators/${ann.id}`, { token: ann.token });
  assert.equal(viaRest.status, 403);
  assert.deepEqual(await b.collect('message_deleted', 300), []);
  await b.say('still talking');
  const h = await server.api('GET', `/api/livestream/${stream.id}/chat`, { token: bob.token });
  assert.ok(h.body.items.some((m) => m.id === id));
  const trail = await server.api('GET', `/api/livestream/${stream.id}/moderation`, { token: artist.token });
  assert.deepEqual(trail.body.items, []);
  const mods = await server.api('GET', `/api/livestream/${stream.id}/moderators`, { token: artist.token });
  assert.deepEqual(mods.body.items, []);
  await a.close();
  await b.close();
});

// Another process holds SQLite's write lock for longer than the server's store timeout: its
// writes fail, and chat must still flow live.
test('the database made unavailable mid-test: chat still flows live, writes catch up later', async () => {
  const artist = await verifiedArtist(server);
  const ann = await register(server, { displayName: 'Ann' });
  const stream = await createStream(server, artist);
  const a = await member(server, ann, stream.id);
  const owner = await member(server, artist, stream.id);
  await a.say('before the outage');
  const failuresBefore = await metric('stagecast_realtime_write_failures_total');

  const lock = await lockDatabase(join(server.dataDir, 'stagecast.db'));
  const ids = [];
  try {
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      a.send({ type: 'chat', text: `during the outage ${i}`, requestId: `outage${i}` });
      const seen = await owner.next((e) => e.type === 'chat' && e.message.text === `during the outage ${i}`, 2000);
      ids.push(seen.message.id);
      assert.ok(Date.now() - started < 1500, 'live delivery waited for the database');
    }
    // Past the server's store timeout (2 s) the write fails, is counted, and waits for a retry.
    const deadline = Date.now() + 15000;
    while ((await metric('stagecast_realtime_write_failures_total')) <= failuresBefore) {
      assert.ok(Date.now() < deadline, 'no write failure was counted');
      await sleep(250);
    }
    a.send({ type: 'chat', text: 'still live', requestId: 'outage5' });
    await owner.next((e) => e.type === 'chat' && e.message.text === 'still live', 2000);
    // An ack means stored (realtime.chat_ack=stored): none came while the database was locked.
    assert.ok(!a.events.some((e) => e.type === 'ack' && e.requestId?.startsWith('outage')), 'a message was acknowledged before it was stored');
  } finally {
    await lock.release();
  }
  // Each one is acknowledged once the lock is gone, with the id everyone saw.
  for (let i = 0; i < 5; i++) {
    const ack = await a.next((e) => e.type === 'ack' && e.requestId === `outage${i}`, 20000);
    assert.equal(ack.messageId, ids[i]);
  }
  await a.next((e) => e.type === 'ack' && e.requestId === 'outage5', 20000);
  // The queued writes land once the lock is gone, in order.
  const deadline = Date.now() + 20000;
  for (;;) {
    const h = await server.api('GET', `/api/livestream/${stream.id}/chat`, { token: ann.token });
    const texts = h.body.items.map((m) => m.text);
    if (texts.length === 7) {
      assert.deepEqual(texts, ['before the outage', ...ids.map((_, i) => `during the outage ${i}`), 'still live']);
      break;
    }
    assert.ok(Date.now() < deadline, `history did not catch up: ${JSON.stringify(texts)}`);
    await sleep(250);
  }
  await a.close();
  await owner.close();
});

test('bad input: malformed JSON and unknown types get an error, oversized and binary frames close', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist);
  const c = await member(server, null, stream.id);
  c.send('{"type": "chat", oops');
  assert.equal((await c.next('error')).error.code, 'invalid_json');
  assert.equal((await c.refusal({ type: 'warp' })).code, 'unknown_type');
  assert.equal((await c.refusal({ type: 'join' })).code, 'invalid_event');
  c.send({ type: 'ping', requestId: 'still-there' });
  assert.equal((await c.next('pong')).requestId, 'still-there');

  const big = await ChatClient.connect(server);
  big.send(JSON.stringify({ type: 'chat', text: 'x'.repeat(big.hello.limits.maxFrameBytes + 1) }));
  assert.equal(await big.closed, 1009);
  const bin = await ChatClient.connect(server);
  bin.sendBinary(Buffer.from([1, 2, 3]));
  assert.equal(await bin.closed, 1003);
  await c.close();
});

test('a token in the query string authenticates nothing', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist);
  const c = new ChatClient(server);
  await c.open(`/ws?token=${encodeURIComponent(artist.token)}`);
  await c.next('hello');
  c.joined = await c.join(stream.id);
  assert.equal(c.joined.you.role, 'anonymous');
  assert.equal((await c.refusal({ type: 'chat', text: 'hi' })).code, 'login_required');
  await c.close();
});

test('the viewer limit gives the next viewer a clear error', async () => {
  const small = await startServer({ args: ['--streams.max_viewers=2'] });
  try {
    const artist = await verifiedArtist(small);
    const stream = await createStream(small, artist);
    const v1 = await member(small, null, stream.id);
    const v2 = await member(small, null, stream.id);
    const v3 = await ChatClient.connect(small);
    const e = await v3.refusal({ type: 'join', streamId: stream.id });
    assert.equal(e.code, 'viewer_limit');
    assert.match(e.message, /limit of 2 viewers/);
    const owner = await member(small, artist, stream.id);  // the artist always gets in
    assert.equal(owner.joined.viewers, 3);
    for (const c of [v1, v2, v3, owner]) await c.close();
  } finally {
    await small.cleanup();
  }
});
