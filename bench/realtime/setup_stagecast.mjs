// Creates the benchmark's users and stream on a running Stagecast through its public API:
// a verified artist (the sender; owners are exempt from slow mode) and a PUBLIC stream that
// anonymous viewers may join. Prints {"streamId", "token"}.
//   node setup_stagecast.mjs <base-url> <admin-api-key>
const [base, adminKey] = process.argv.slice(2);

async function call(method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const email = `bench-${process.pid}-${Date.now()}@example.com`;
await call('POST', '/api/auth/register', { email, password: 'benchmark password', displayName: 'Sender', role: 'ARTIST' });
const reg = await call('POST', '/api/auth/login', { email, password: 'benchmark password' });
await call('PUT', `/api/admin/users/${reg.user.id}`, { role: 'ARTIST', stripeAccountId: 'acct_1Bench' }, { 'x-api-key': adminKey });
const stream = await call('POST', '/api/livestream', { title: 'Benchmark room', visibility: 'PUBLIC' }, { authorization: `Bearer ${reg.token}` });
console.log(JSON.stringify({ streamId: stream.id, token: reg.token }));
