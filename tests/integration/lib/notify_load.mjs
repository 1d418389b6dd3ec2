// Thousands of subscribers for the notification tests and bench/notify: fans made through the
// admin API (as the platform syncs them), subscribed to one artist, each with a push
// subscription on the push service imitation (POSTed with a token minted with the server's
// auth.jwt_secret, as a signed-in browser would); and a mail sink (npm smtp-server) that counts
// mails per recipient and Message-ID.
import crypto from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import assert from 'node:assert/strict';
import { decryptPush, subscriberKeys, subscriptionJson } from './push_service.mjs';

export const JWT_SECRET = 'notify-load-jwt-secret-0123456789abcdef0123456789';
export const JWT_ISSUER = 'stagecast';

export function mintToken(userId, role = 'FAN') {
  const now = Math.floor(Date.now() / 1000);
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const c = Buffer.from(JSON.stringify({ sub: userId, role, iss: JWT_ISSUER, iat: now, exp: now + 3600 })).toString('base64url');
  const s = crypto.createHmac('sha256', JWT_SECRET).update(`${h}.${c}`).digest('base64url');
  return `${h}.${c}.${s}`;
}

async function pool(items, concurrency, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  }));
}

async function ok(r, what) {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  return r;
}

// n fans of `artistId`, each with a push subscription at push.endpoint(<fan id>).
export async function seedAudience(server, artistId, n, push, { concurrency = 16 } = {}) {
  const run = `${process.pid}${Date.now()}`;
  const fans = Array.from({ length: n }, (_, i) => ({ id: `fan${run}x${i}`, email: `fan${i}-${run}@load.test`, keys: subscriberKeys() }));
  await pool(fans, concurrency, async (f) => {
    await ok(await server.admin('PUT', `/api/admin/users/${f.id}`, { role: 'FAN', email: f.email, displayName: `Fan ${f.id}` }), 'user');
    await ok(await server.admin('PUT', '/api/admin/subscriptions', { fanId: f.id, artistId, tier: 1, status: 'ACTIVE', expiresAt: null }), 'subscription');
    if (push) {
      await ok(await server.api('POST', '/api/push/subscriptions', { token: mintToken(f.id), body: subscriptionJson(push.endpoint(f.id), f.keys) }), 'push subscription');
    }
  });
  return fans;
}

// A plain SMTP sink on loopback (no TLS: the STARTTLS path is notifications_email's).
// answerDelayMs: how long each mail waits for its answer once received (a slower mail server:
// the multi-node crash test paces the delivery with it, so that the kill finds both nodes sending).
export class MailSink {
  constructor({ answerDelayMs = 0 } = {}) {
    this.mails = []; this.waiters = []; this.connections = 0; this.socketErrors = 0; this.answerDelayMs = answerDelayMs;
  }
  async listen(port = 0) {
    this.server = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, size: 1 << 20,
      maxClients: 64,
      onConnect: (session, cb) => { this.connections += 1; cb(); },
      onData: (stream, session, cb) => {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const id = /^Message-ID: (<[^>]+>)\r$/m.exec(raw)?.[1];
          this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), messageId: id, at: Date.now() });
          for (const w of this.waiters.splice(0)) w();
          if (this.answerDelayMs > 0) setTimeout(cb, this.answerDelayMs); else cb();
        });
      },
    });
    await new Promise((resolve, reject) => { this.server.once('error', reject); this.server.listen(port, '127.0.0.1', resolve); });
    // A client killed mid-session (the SIGKILL tests) resets its connection: smtp-server reports
    // that as an 'error' event, which is expected here and must not end the test.
    this.server.on('error', (e) => { this.socketErrors += 1; this.lastError = e; });
    this.port = this.server.server.address().port;
    return this;
  }
  close() { return new Promise((resolve) => this.server.close(resolve)); }
  async until(pred, timeoutMs, what = 'mails') {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}: ${this.mails.length} mails`);
      await new Promise((resolve) => { const t = setTimeout(resolve, Math.min(left, 250)); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }
}

export function sinkArgs(port) {
  return [`--notify.smtp_url=smtp://127.0.0.1:${port}`, '--notify.smtp_tls=none', '--notify.email_from=live@stagecast.test',
    `--auth.jwt_secret=${JWT_SECRET}`, `--auth.jwt_issuer=${JWT_ISSUER}`, '--notify.push_allow_http_loopback=true',
    '--notify.push_subject=mailto:ops@stagecast.test'];
}

// Per subscriber: how many copies arrived and how many distinct notifications they were.
export function tally(keys) {
  const copies = new Map();
  const distinct = new Map();
  for (const [who, what] of keys) {
    copies.set(who, (copies.get(who) ?? 0) + 1);
    if (!distinct.has(who)) distinct.set(who, new Set());
    distinct.get(who).add(what);
  }
  return { copies, distinct };
}

// Per subscriber: the pushes that reached them, as [fan id, tag|Topic] of every request, each
// body decrypted with that fan's key (asserts it was accepted and names a seeded fan).
export function pushTally(requests, fans) {
  const byId = new Map(fans.map((f) => [f.id, f]));
  return tally(requests.map((r) => {
    const fan = byId.get(r.id);
    assert.ok(fan, r.id);
    assert.equal(r.status, 201);
    return [r.id, JSON.parse(decryptPush(r.body, fan.keys)).tag + '|' + r.headers.topic];
  }));
}
