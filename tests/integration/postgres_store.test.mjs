// The server on PostgreSQL (store.url=postgres://...): a real cluster started by the test, an
// artist and a fan signing up, a stream published with ffmpeg and chatted in, then the server
// restarted on the same database with everything still there. What the server wrote is read
// back with the npm `pg` client, not only through the server's own API. And a database that
// cannot be reached at start stops the server with a clear error naming host and port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StagecastProcess } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { member } from './lib/chat_client.mjs';
import { waitFor } from './lib/media.mjs';
import { startPostgres } from './lib/postgres.mjs';

let pg;
before(async () => { pg = await startPostgres(); });
after(() => pg?.stop());

test('a server on PostgreSQL keeps users, streams and chat across a restart', async () => {
  const storeUrl = await pg.database('stagecast_restart');
  const args = [`--store.url=${storeUrl}`];
  const first = new StagecastProcess({ args });
  let second;
  try {
    await first.start();
    const artist = await verifiedArtist(first, 'PG Artist');
    const fan = await register(first, { displayName: 'PG Fan' });
    const stream = await liveStream(first, artist, { title: 'On Postgres' });
    const chat = await member(first, fan, stream.id);
    for (let i = 0; i < 3; i++) {
      chat.send({ type: 'chat', text: `hello postgres ${i}`, requestId: `m${i}` });
      const ack = await chat.next((e) => (e.type === 'ack' || e.type === 'error') && e.requestId === `m${i}`, 10000);
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
    }
    await new Promise((r) => setTimeout(r, 2000));  // a few seconds of media on the wire

    // What the server wrote, read by another client.
    const users = await pg.query('stagecast_restart', 'SELECT role FROM users WHERE id = $1', [artist.id]);
    assert.deepEqual(users, [{ role: 'ARTIST' }]);
    const live = await pg.query('stagecast_restart', 'SELECT status, title FROM live_streams WHERE id = $1', [stream.id]);
    assert.deepEqual(live, [{ status: 'LIVE', title: 'On Postgres' }]);
    const rows = await pg.query('stagecast_restart',
      'SELECT body, seq::int AS seq FROM stream_chat_messages WHERE stream_id = $1 ORDER BY seq', [stream.id]);
    assert.deepEqual(rows.map((r) => r.body), ['hello postgres 0', 'hello postgres 1', 'hello postgres 2']);
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3]);
    const migrations = await pg.query('stagecast_restart', 'SELECT count(*)::int AS n FROM schema_migrations');
    assert.ok(migrations[0].n >= 8);

    await chat.close();
    await stream.stop();
    await waitFor(async () => (await first.api('GET', `/api/livestream/${stream.id}`)).body.status === 'ENDED',
      { timeout: 20000, what: 'ENDED' });
    await first.stop();

    second = new StagecastProcess({ args });
    await second.start();
    const login = await second.api('POST', '/api/auth/login', { body: { email: fan.email, password: fan.password } });
    assert.equal(login.status, 200, login.text);
    const s = await second.api('GET', `/api/livestream/${stream.id}`);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.body.title, 'On Postgres');
    assert.equal(s.body.status, 'ENDED');
    const history = await second.api('GET', `/api/livestream/${stream.id}/chat?limit=10`, { token: login.body.token });
    assert.equal(history.status, 200, history.text);
    assert.deepEqual(history.body.items.map((m) => m.text ?? m.body),
      ['hello postgres 0', 'hello postgres 1', 'hello postgres 2']);
    const list = await second.api('GET', '/api/livestream');
    assert.equal(list.status, 200, list.text);
    assert.ok(JSON.stringify(list.body).includes(stream.id));
  } finally {
    await first.cleanup();
    await second?.cleanup();
  }
});

test('an unreachable database at start stops the server with db_unavailable naming host and port', async () => {
  // The cluster's port, a database that does not exist there: refused with a clear message.
  const server = new StagecastProcess({
    args: [`--store.url=postgres://stagecast:not-logged-pw@127.0.0.1:${pg.port}/no_such_db`],
  });
  try {
    await assert.rejects(server.start(), (e) => {
      assert.match(e.message, /exited early/);
      assert.match(server.log, /db_unavailable|cannot connect to PostgreSQL/);
      assert.match(server.log, new RegExp(`127\\.0\\.0\\.1:${pg.port}`));
      assert.doesNotMatch(server.log, /not-logged-pw/);
      return true;
    });
  } finally {
    await server.cleanup();
  }
});
