// docs/openapi.json against the running server: every documented operation exists, and the
// responses of a real session match the documented schemas.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist } from './lib/fixtures.mjs';
import { spec, validate, responseSchema } from './lib/openapi.mjs';
import { subscriberKeys, subscriptionJson } from './lib/push_service.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.cleanup(); });

function check(method, path, response) {
  const schema = responseSchema(method, path, response.status);
  if (schema) assert.deepEqual(validate(response.body, schema), [], `${method} ${path} ${response.status}: ${response.text}`);
}

test('every documented operation is served', async () => {
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const method of Object.keys(ops)) {
      const concrete = path.replace(/\{[^}]+\}/g, 'doesnotexist0000');
      const r = await server.api(method.toUpperCase(), concrete, { raw: method === 'get' || method === 'delete' ? undefined : '{}', headers: { 'content-type': 'application/json' } });
      assert.notEqual(r.status, 405, `${method} ${path}`);
      if (r.status === 404) assert.notEqual(r.body?.error?.message, 'no such resource', `${method} ${path} is not routed`);
      assert.ok(Object.keys(ops[method].responses).includes(String(r.status)), `${method} ${path} answered ${r.status}, not documented`);
    }
  }
});

test('responses of a session match the documented schemas', async () => {
  const email = `schema-${Date.now()}@example.com`;
  let r = await server.api('POST', '/api/auth/register', { body: { email, password: 'schema password', displayName: 'Schema', role: 'ARTIST' } });
  check('POST', '/api/auth/register', r);
  r = await server.api('POST', '/api/auth/login', { body: { email, password: 'schema password' } });
  check('POST', '/api/auth/login', r);
  const token = r.body.token;
  const artistId = r.body.user.id;
  check('GET', '/api/me', await server.api('GET', '/api/me', { token }));
  check('PUT', '/api/admin/users/{id}', await server.admin('PUT', `/api/admin/users/${artistId}`, { role: 'ARTIST', stripeAccountId: 'acct_schema' }));
  const fan = await register(server);
  check('PUT', '/api/admin/subscriptions', await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId, tier: 1, status: 'ACTIVE', expiresAt: null }));
  r = await server.api('POST', '/api/livestream', { token, body: { title: 'Schema', visibility: 'SUBSCRIBERS', chat: { blockedWords: ['x'] } } });
  check('POST', '/api/livestream', r);
  const id = r.body.id;
  check('GET', '/api/livestream', await server.api('GET', '/api/livestream'));
  check('GET', '/api/livestream/{id}', await server.api('GET', `/api/livestream/${id}`, { token: fan.token }));
  check('PATCH', '/api/livestream/{id}', await server.api('PATCH', `/api/livestream/${id}`, { token, body: { description: 'd' } }));
  check('POST', '/api/livestream/{id}/key', await server.api('POST', `/api/livestream/${id}/key`, { token }));
  check('POST', '/api/livestream/{id}/playback', await server.api('POST', `/api/livestream/${id}/playback`, { token: fan.token }));
  const stranger = await register(server);
  check('POST', '/api/livestream/{id}/playback', await server.api('POST', `/api/livestream/${id}/playback`, { token: stranger.token }));
  check('POST', '/api/livestream/{id}/end', await server.api('POST', `/api/livestream/${id}/end`, { token }));
  check('GET', '/api/livestream/{id}/recordings', await server.api('GET', `/api/livestream/${id}/recordings`, { token: fan.token }));
  check('POST', '/api/livestream', await server.api('POST', '/api/livestream', { token, body: { title: 5 } }));
  check('GET', '/api/push/vapid-public-key', await server.api('GET', '/api/push/vapid-public-key'));
  const keys = subscriberKeys();
  const sub = subscriptionJson('https://push.example.net/schema', keys);
  r = await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: sub });
  assert.equal(r.status, 201, r.text);
  check('POST', '/api/push/subscriptions', r);
  check('POST', '/api/push/subscriptions', await server.api('POST', '/api/push/subscriptions', { token: fan.token, body: { ...sub, endpoint: 'http://push.example.net/x' } }));
  assert.equal((await server.api('DELETE', '/api/push/subscriptions', { token: fan.token, body: { endpoint: sub.endpoint } })).status, 204);
  await verifiedArtist(server);
});
