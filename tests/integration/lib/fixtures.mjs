// Users and streams made through the public API, the way a client would.
import assert from 'node:assert/strict';

let counter = 0;
export function uniqueEmail(prefix = 'user') {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

export async function register(server, { role = 'FAN', displayName = 'Someone', password = 'correct horse battery' } = {}) {
  const email = uniqueEmail(role.toLowerCase());
  const r = await server.api('POST', '/api/auth/register', { body: { email, password, displayName, role } });
  assert.equal(r.status, 202, r.text);
  // The same answer whether or not the email had an account: the session comes from signing in.
  const s = await server.api('POST', '/api/auth/login', { body: { email, password } });
  assert.equal(s.status, 200, s.text);
  return { ...s.body.user, token: s.body.token, email, password };
}

// An ARTIST with a connected Stripe account (set through the admin API, as the platform would).
export async function verifiedArtist(server, displayName = 'Artist') {
  const artist = await register(server, { role: 'ARTIST', displayName });
  const r = await server.admin('PUT', `/api/admin/users/${artist.id}`, { role: 'ARTIST', stripeAccountId: 'acct_1TestArtist' });
  assert.equal(r.status, 200, r.text);
  return artist;
}

export async function createStream(server, artist, body = {}) {
  const r = await server.api('POST', '/api/livestream', { token: artist.token, body: { title: 'Live now', visibility: 'PUBLIC', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}
