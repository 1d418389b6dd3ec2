// The platform core end to end over HTTP: accounts, the admin API, the stream lifecycle, restart.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, StagecastProcess } from './lib/server.mjs';
import { register, verifiedArtist, createStream, uniqueEmail } from './lib/fixtures.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

test('register, login and /api/me', async () => {
  const fan = await register(server, { displayName: 'Fan One' });
  assert.equal(fan.role, 'FAN');
  assert.equal(fan.displayName, 'Fan One');
  assert.equal(fan.passwordHash, undefined);
  const login = await server.api('POST', '/api/auth/login', { body: { email: fan.email, password: fan.password } });
  assert.equal(login.status, 200);
  assert.ok(login.body.token);
  const me = await server.api('GET', '/api/me', { token: login.body.token });
  assert.equal(me.status, 200);
  assert.equal(me.body.id, fan.id);
  const wrong = await server.api('POST', '/api/auth/login', { body: { email: fan.email, password: 'wrong password!' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, 'invalid_credentials');
  const unknown = await server.api('POST', '/api/auth/login', { body: { email: uniqueEmail(), password: 'whatever123' } });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.error.code, 'invalid_credentials');
  const dup = await server.api('POST', '/api/auth/register', { body: { email: fan.email.toUpperCase(), password: 'another password', displayName: 'X', role: 'FAN' } });
  assert.equal(dup.status, 202);  // the same answer as for a new email: no account enumeration
  const taken = await server.api('POST', '/api/auth/login', { body: { email: fan.email, password: 'another password' } });
  assert.equal(taken.status, 401);  // and the existing account was not touched
  const admin = await server.api('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'another password', displayName: 'X', role: 'ADMIN' } });
  assert.equal(admin.status, 422);
});

test('only a verified artist may create a stream', async () => {
  const fan = await register(server);
  let r = await server.api('POST', '/api/livestream', { token: fan.token, body: { title: 'Nope' } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'forbidden');
  const unverified = await register(server, { role: 'ARTIST' });
  r = await server.api('POST', '/api/livestream', { token: unverified.token, body: { title: 'Nope' } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'artist_not_verified');
  r = await server.api('POST', '/api/livestream', { body: { title: 'Nope' } });
  assert.equal(r.status, 401);
  const artist = await verifiedArtist(server);
  r = await server.api('POST', '/api/livestream', { token: artist.token, body: { title: 'First show', description: 'Hello', visibility: 'PUBLIC', chat: { slowModeSeconds: 5, blockedWords: ['Spoiler'] } } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.status, 'CREATED');
  assert.match(r.body.streamKey, /^sk_[A-Za-z0-9_-]{32,}$/);
  assert.match(r.body.rtmpUrl, /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
  assert.deepEqual(r.body.chat.blockedWords, ['spoiler']);
  // The key is shown once: reading the stream back never shows it.
  const again = await server.api('GET', `/api/livestream/${r.body.id}`, { token: artist.token });
  assert.equal(again.status, 200);
  assert.equal(again.body.streamKey, undefined);
  assert.equal(again.body.title, 'First show');
  // A fan sees the public fields but not the owner's.
  const asFan = await server.api('GET', `/api/livestream/${r.body.id}`, { token: fan.token });
  assert.equal(asFan.body.rtmpUrl, undefined);
  assert.equal(asFan.body.chat.blockedWords, undefined);
  assert.equal(asFan.body.access.watch, true);
});

test('list, patch, rotate key, end', async () => {
  const artist = await verifiedArtist(server);
  const other = await verifiedArtist(server);
  const s = await createStream(server, artist, { title: 'Lifecycle' });
  await createStream(server, other, { title: 'Someone else' });
  let r = await server.api('GET', `/api/livestream?artistId=${artist.id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((i) => i.id), [s.id]);
  r = await server.api('GET', '/api/livestream?status=BOGUS');
  assert.equal(r.status, 422);

  r = await server.api('PATCH', `/api/livestream/${s.id}`, { token: artist.token, body: { title: 'Renamed', visibility: 'TIER', minTier: 2 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.title, 'Renamed');
  assert.equal(r.body.visibility, 'TIER');
  r = await server.api('PATCH', `/api/livestream/${s.id}`, { token: other.token, body: { title: 'Hijack' } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'not_owner');

  r = await server.api('POST', `/api/livestream/${s.id}/key`, { token: artist.token });
  assert.equal(r.status, 200);
  assert.notEqual(r.body.streamKey, s.streamKey);
  r = await server.api('POST', `/api/livestream/${s.id}/key`, { token: other.token });
  assert.equal(r.status, 403);

  r = await server.api('POST', `/api/livestream/${s.id}/end`, { token: artist.token });
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ENDED');
  r = await server.api('POST', `/api/livestream/${s.id}/end`, { token: artist.token });
  assert.equal(r.status, 409);
  r = await server.api('DELETE', `/api/livestream/${s.id}`, { token: artist.token });
  assert.equal(r.status, 204);
  r = await server.api('GET', `/api/livestream/${s.id}`);
  assert.equal(r.status, 404);
});

test('bad input gets the right status and a JSON error, and writes nothing', async () => {
  const artist = await verifiedArtist(server);
  const before = await server.api('GET', `/api/livestream?artistId=${artist.id}`);
  const cases = [
    [{ raw: '{"title": "unterminated' }, 400, 'invalid_json'],
    [{ raw: '[1,2,3]' }, 400, 'invalid_json'],
    [{ raw: '' }, 400, 'invalid_json'],
    [{ raw: '['.repeat(100) + ']'.repeat(100) }, 400, 'invalid_json'],
    // A duplicate key is refused, at the top and nested, not "the last one wins".
    [{ raw: '{"title":"a","title":"b"}' }, 400, 'invalid_json'],
    [{ raw: '{"title":"a","chat":{"enabled":true,"enabled":false}}' }, 400, 'invalid_json'],
    [{ body: { title: 42 } }, 422, 'validation_failed'],
    [{ body: { title: 'ok', priceCents: 10.5, visibility: 'PAID' } }, 422, 'validation_failed'],
    [{ body: { title: 'ok', visibility: 'SECRET' } }, 422, 'validation_failed'],
    [{ body: { title: 'ok', colour: 'red' } }, 422, 'validation_failed'],
    [{ body: { title: 'ok', chat: { slowMode: 3 } } }, 422, 'validation_failed'],
    [{ body: { title: 'ok', chat: { slowModeSeconds: '3' } } }, 422, 'validation_failed'],
    [{ body: { description: 'no title' } }, 422, 'validation_failed'],
    [{ body: { title: '' } }, 422, 'validation_failed'],
    [{ body: { title: 'x'.repeat(141) } }, 422, 'validation_failed'],
    [{ body: { title: 'ok', scheduledAt: 1 } }, 422, 'validation_failed'],
  ];
  for (const [req, status, code] of cases) {
    const r = await server.api('POST', '/api/livestream', { token: artist.token, ...req, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, status, `${JSON.stringify(req).slice(0, 80)} -> ${r.text}`);
    assert.equal(r.body.error.code, code);
    assert.equal(typeof r.body.error.message, 'string');
  }
  const afterList = await server.api('GET', `/api/livestream?artistId=${artist.id}`);
  assert.equal(afterList.body.items.length, before.body.items.length);

  let r = await server.api('POST', '/api/auth/register', { body: { email: 'not-an-email', password: 'long enough pw', displayName: 'X', role: 'FAN' } });
  assert.equal(r.status, 422);
  r = await server.api('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'short', displayName: 'X', role: 'FAN' } });
  assert.equal(r.status, 422);
  r = await server.api('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'long enough pw', role: 'FAN' } });
  assert.equal(r.status, 422);
  assert.match(r.body.error.message, /displayName/);
});

test('bad, forged and expired tokens are refused', async () => {
  const fan = await register(server);
  const [h, p, sig] = fan.token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const forgedPayload = Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' })).toString('base64url');
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const expired = Buffer.from(JSON.stringify({ ...claims, exp: 1000 })).toString('base64url');
  for (const token of [`${h}.${forgedPayload}.${sig}`, `${none}.${p}.`, `${h}.${expired}.${sig}`, 'garbage', `${h}.${p}.${'A'.repeat(43)}`]) {
    const r = await server.api('GET', '/api/me', { token });
    assert.equal(r.status, 401, token);
    assert.equal(r.body.error.code, 'unauthorized');
  }
  const r = await server.api('GET', '/api/me', { headers: { authorization: 'Basic abc' } });
  assert.equal(r.status, 401);
});

test('the admin API needs its key', async () => {
  const fan = await register(server);
  let r = await server.api('PUT', `/api/admin/users/${fan.id}`, { body: { role: 'ARTIST' } });
  assert.equal(r.status, 401);
  r = await server.api('PUT', `/api/admin/users/${fan.id}`, { body: { role: 'ARTIST' }, headers: { 'x-api-key': 'wrong' } });
  assert.equal(r.status, 401);
  r = await server.admin('PUT', `/api/admin/users/${fan.id}`, { role: 'WIZARD' });
  assert.equal(r.status, 422);
  const artist = await register(server, { role: 'ARTIST' });
  r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 2, status: 'ACTIVE', expiresAt: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.tier, 2);
  r = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1.5, status: 'ACTIVE' });
  assert.equal(r.status, 422);
});

test('a restart on the same data directory keeps everything', async () => {
  const dataServer = await new StagecastProcess().start();
  try {
    const artist = await verifiedArtist(dataServer, 'Persistent');
    const s = await createStream(dataServer, artist, { title: 'Survives restarts' });
    await dataServer.api('PATCH', `/api/livestream/${s.id}`, { token: artist.token, body: { description: 'patched' } });
    await dataServer.stop();
    const again = await new StagecastProcess({ dataDir: dataServer.dataDir }).start();
    try {
      // The old token still works: the generated secret is kept in the data directory.
      const me = await again.api('GET', '/api/me', { token: artist.token });
      assert.equal(me.status, 200);
      assert.equal(me.body.verifiedArtist, true);
      const login = await again.api('POST', '/api/auth/login', { body: { email: artist.email, password: artist.password } });
      assert.equal(login.status, 200);
      const r = await again.api('GET', `/api/livestream/${s.id}`, { token: artist.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.title, 'Survives restarts');
      assert.equal(r.body.description, 'patched');
    } finally {
      await again.stop();
    }
  } finally {
    await dataServer.cleanup();
  }
});
