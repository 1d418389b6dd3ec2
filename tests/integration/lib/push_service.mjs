// A push service imitation (RFC 8030) on loopback, and the browser side of Web Push: a
// subscriber's P-256 key pair and auth secret, the decryption of what the server pushed
// (RFC 8291, with npm http_ece: an implementation independent of the server's) and the check of
// the VAPID Authorization (RFC 8292) with the public key it names.
//
// Each endpoint is http://127.0.0.1:<port>/push/<id>; `script` (per id) lists the statuses to
// answer in order (the last one repeats), with optional Retry-After: e.g. [{status: 429,
// retryAfter: 1}, {status: 201}]. Every request is kept with its headers, body and arrival time.
// `answerDelayMs` (0) holds each answer that long after the request arrived (a slower service).
import http from 'node:http';
import crypto from 'node:crypto';
import ece from 'http_ece';

export class PushService {
  constructor() {
    this.requests = [];   // {id, headers, body, at, status}
    this.scripts = new Map();
    this.seen = new Map();  // id -> requests so far (the step of its script to answer)
    this.waiters = [];
    this.answerDelayMs = 0;
  }

  async listen(port = 0) {
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('error', () => {});  // a sender killed mid-request (the SIGKILL tests)
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const m = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url);
        if (req.method !== 'POST' || !m) { res.writeHead(404).end(); return; }
        const id = m[1];
        const seen = this.seen.get(id) ?? 0;
        this.seen.set(id, seen + 1);
        const script = this.scripts.get(id) ?? [{ status: 201 }];
        const step = script[Math.min(seen, script.length - 1)];
        this.requests.push({ id, headers: req.headers, body: Buffer.concat(chunks), at: Date.now(), status: step.status });
        const headers = {};
        if (step.retryAfter !== undefined) headers['retry-after'] = String(step.retryAfter);
        if (step.status === 201) headers.location = `/message/${crypto.randomUUID()}`;
        const answer = () => { if (!res.destroyed) res.writeHead(step.status, headers).end(); };
        if (this.answerDelayMs > 0) setTimeout(answer, this.answerDelayMs); else answer();
        for (const w of this.waiters.splice(0)) w();
      });
    });
    this.server.keepAliveTimeout = 30000;
    await new Promise((resolve, reject) => { this.server.once('error', reject); this.server.listen(port, '127.0.0.1', resolve); });
    this.port = this.server.address().port;
    this.origin = `http://127.0.0.1:${this.port}`;
    return this;
  }

  endpoint(id) { return `${this.origin}/push/${id}`; }
  accepted() { return this.requests.filter((r) => r.status === 201); }

  async until(pred, timeoutMs = 20000, what = 'pushes') {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}: ${this.requests.length} requests`);
      await new Promise((resolve) => { const t = setTimeout(resolve, Math.min(left, 250)); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  close() {
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

// A browser's subscription keys.
export function subscriberKeys() {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = crypto.randomBytes(16);
  return { ecdh, auth, p256dh: ecdh.getPublicKey().toString('base64url'), authB64: auth.toString('base64url') };
}

export function subscriptionJson(endpoint, keys) {
  return { endpoint, expirationTime: null, keys: { p256dh: keys.p256dh, auth: keys.authB64 } };
}

// RFC 8291 decryption of one push body (aes128gcm) with the subscriber's private key.
export function decryptPush(body, keys) {
  return ece.decrypt(body, { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth }).toString('utf8');
}

// Checks `Authorization: vapid t=<jwt>, k=<key>` (RFC 8292 2-3): an ES256 JWT whose signature
// verifies with k, aud = the push service's origin, exp within 24 hours, a mailto:/https: sub.
// Returns the claims; throws when anything is wrong.
export function verifyVapid(authorization, { audience, publicKey, nowSeconds = Date.now() / 1000 }) {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`not a vapid Authorization: ${authorization}`);
  const [, jwt, k] = m;
  if (publicKey && k !== publicKey) throw new Error('k is not the server\'s public key');
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' });
  const [h, c, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  if (header.alg !== 'ES256' || header.typ !== 'JWT') throw new Error(`header ${JSON.stringify(header)}`);
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('the JWT signature does not verify with k');
  const claims = JSON.parse(Buffer.from(c, 'base64url'));
  if (claims.aud !== audience) throw new Error(`aud ${claims.aud}, expected ${audience}`);
  if (!(claims.exp > nowSeconds && claims.exp <= nowSeconds + 24 * 3600 + 60)) throw new Error(`exp ${claims.exp}`);
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) throw new Error(`sub ${claims.sub}`);
  return claims;
}
