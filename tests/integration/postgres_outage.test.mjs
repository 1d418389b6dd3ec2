// PostgreSQL stopped for 20 s during chat (issue 16): the server on store.url=postgres://...
// keeps chat flowing (messages are broadcast to the room while the database is down, their
// writes queued), /readyz says 503 and API calls that need the database answer 503
// db_unavailable within store.timeout_ms; once PostgreSQL is back the server reconnects by
// itself, every queued message is acknowledged in order and stored, and the API works again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { member } from './lib/chat_client.mjs';
import { waitFor } from './lib/media.mjs';
import { startPostgres } from './lib/postgres.mjs';

const OUTAGE_MS = 20000;
let pg;
let server;
before(async () => {
  pg = await startPostgres();
  server = await startServer({ args: [`--store.url=${await pg.database('stagecast_outage')}`] });
});
after(async () => {
  await server?.cleanup();
  pg?.stop();
});

test('chat flows while PostgreSQL is stopped for 20 s, and everything acknowledged is stored once it returns', async () => {
  const artist = await verifiedArtist(server);
  const fan = await register(server, { displayName: 'Sender' });
  const viewer = await register(server, { displayName: 'Viewer' });
  const stream = await createStream(server, artist, { title: 'before' });
  const sender = await member(server, fan, stream.id);
  const watcher = await member(server, viewer, stream.id);
  const say = (text, requestId) => sender.send({ type: 'chat', text, requestId });
  const ackOf = (requestId, ms) => sender.next((e) => (e.type === 'ack' || e.type === 'error') && e.requestId === requestId, ms);

  say('before the outage', 'b0');
  assert.equal((await ackOf('b0', 5000)).type, 'ack');

  pg.pause();
  const downAt = Date.now();
  try {
    await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 503, { timeout: 8000, what: 'readyz 503' });
    const t0 = Date.now();
    const r = await server.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body: { title: 'during' } });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, 'db_unavailable');
    assert.ok(Date.now() - t0 < 3500, `the call took ${Date.now() - t0} ms`);

    // Chat keeps flowing: each message reaches the other member at once, database or not.
    for (let i = 1; i <= 5; i++) {
      say(`during the outage ${i}`, `d${i}`);
      const seen = await watcher.next((e) => e.type === 'chat' && e.message.text === `during the outage ${i}`, 3000);
      assert.equal(seen.message.userId, fan.id);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^stagecast_store_available 0$/m);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
  } finally {
    pg.resume();
  }

  // The queued writes land (retried with backoff up to 5 s) and their acks come, in order.
  for (let i = 1; i <= 5; i++) {
    const ack = await ackOf(`d${i}`, 20000);
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
  }
  await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, { timeout: 10000, what: 'ready again' });
  const r = await server.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body: { title: 'after' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.title, 'after');

  const rows = await pg.query('stagecast_outage',
    'SELECT body FROM stream_chat_messages WHERE stream_id = $1 ORDER BY seq', [stream.id]);
  assert.deepEqual(rows.map((row) => row.body),
    ['before the outage', ...[1, 2, 3, 4, 5].map((i) => `during the outage ${i}`)]);
  await sender.close();
  await watcher.close();
});
