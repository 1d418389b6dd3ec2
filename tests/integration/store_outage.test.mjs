// The database made unavailable by another process (the sqlite3 tool holding the write lock):
// /readyz says so with 503 within seconds, API calls that need the database fail within the
// store's timeout (store.timeout_ms, 2 s by default) instead of hanging, what does not need it
// (healthz, metrics, HLS) keeps answering, and everything recovers when the lock goes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { waitFor } from './lib/media.mjs';
import { lockDatabase } from './lib/sqlite_lock.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

test('readyz is 503 while SQLite is locked, and API calls fail within the store timeout', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'before' });
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

  const lock = await lockDatabase(join(server.dataDir, 'stagecast.db'));
  try {
    const notReady = await waitFor(async () => {
      const r = await fetch(`${server.url}/readyz`);
      return r.status === 503 && (await r.json());
    }, { timeout: 8000, what: 'readyz 503' });
    assert.equal(notReady.error.code, 'not_ready');
    assert.match(notReady.error.message, /database/);

    // A write the API cannot make: bounded by store.timeout_ms (2 s), with a clear error.
    const started = Date.now();
    const r = await server.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body: { title: 'during' } });
    const took = Date.now() - started;
    console.log(`PATCH during the lock: ${r.status} ${r.body?.error?.code} after ${took} ms`);
    assert.equal(r.status, 503, r.text);
    assert.ok(took < 3500, `the call took ${took} ms`);
    // Several at once are each bounded too (they do not queue behind each other's timeouts).
    const t0 = Date.now();
    const many = await Promise.all([1, 2, 3, 4].map((i) => server.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body: { title: `during ${i}` } })));
    const all = Date.now() - t0;
    assert.ok(many.every((m) => m.status === 503), JSON.stringify(many.map((m) => m.status)));
    assert.ok(all < 5000, `four parallel calls took ${all} ms`);
    // What needs no database keeps answering at once.
    const h0 = Date.now();
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.ok(Date.now() - h0 < 500);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^stagecast_store_available 0$/m);
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, { timeout: 8000, what: 'ready again' });
  const r = await server.api('PATCH', `/api/livestream/${stream.id}`, { token: artist.token, body: { title: 'after' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.title, 'after');
});
