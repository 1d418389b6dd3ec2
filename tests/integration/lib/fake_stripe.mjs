// A small local imitation of the parts of Stripe's API that Stagecast calls, following the
// request and response shapes of Stripe's API reference (form-encoded POSTs under /v1, bearer
// secret key, Idempotency-Key replay, {"error": {...}} bodies). It RECORDS every request so tests
// can assert what the server sent: amount, fee, destination, metadata, headers.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const id = (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`;

export class FakeStripe {
  constructor({ secretKey = 'sk_test_stagecast_fake' } = {}) {
    this.secretKey = secretKey;
    this.requests = [];           // { method, path, headers, params, body }
    this.idempotent = new Map();  // key -> { path, body, status, response }
    this.failures = [];           // queued { status, body, headers } answered before anything else
    this.paymentIntents = new Map();
    this.accounts = new Map();
  }

  async start() {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  async stop() {
    await new Promise((resolve) => this.server.close(resolve));
  }

  // The next `times` requests answer `status` with a Stripe error of `type`.
  failNext({ status, type = 'api_error', code, message = 'injected failure', times = 1, headers = {} }) {
    for (let i = 0; i < times; i += 1) {
      this.failures.push({ status, body: { error: { type, code, message } }, headers });
    }
  }

  requestsTo(path) {
    return this.requests.filter((r) => r.path === path);
  }

  handle(req, res) {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const record = { method: req.method, path: req.url, headers: req.headers, params, body };
      this.requests.push(record);
      const send = (status, json, headers = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
        return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      }
      if (this.failures.length) {
        const f = this.failures.shift();
        return send(f.status, f.body, f.headers);
      }
      const key = req.headers['idempotency-key'];
      if (key && this.idempotent.has(key)) {
        const saved = this.idempotent.get(key);
        if (saved.path !== req.url || saved.body !== body) {
          return send(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } });
        }
        return send(saved.status, saved.response, { 'idempotent-replayed': 'true' });
      }
      const [status, response] = this.route(req.method, req.url, params);
      if (key) this.idempotent.set(key, { path: req.url, body, status, response });
      send(status, response);
    });
  }

  route(method, path, p) {
    const invalid = (message, param) => [400, { error: { type: 'invalid_request_error', message, param } }];
    if (method !== 'POST') return [404, { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } }];
    if (path === '/v1/payment_intents') {
      const amount = Number(p.amount);
      if (!/^\d+$/.test(p.amount ?? '') || amount < 50) return invalid('Amount must be at least 50 cents', 'amount');
      if (!p.currency) return invalid('Missing required param: currency.', 'currency');
      const fee = p.application_fee_amount === undefined ? undefined : Number(p.application_fee_amount);
      if (fee !== undefined && (!/^\d+$/.test(p.application_fee_amount) || fee > amount)) {
        return invalid('The application fee must not exceed the amount', 'application_fee_amount');
      }
      const destination = p['transfer_data[destination]'];
      if (destination !== undefined && !/^acct_\w+$/.test(destination)) {
        return invalid(`No such destination: '${destination}'`, 'transfer_data[destination]');
      }
      const metadata = {};
      for (const [k, v] of Object.entries(p)) {
        const m = /^metadata\[(.+)\]$/.exec(k);
        if (m) metadata[m[1]] = v;
      }
      const pi = {
        id: id('pi'), object: 'payment_intent', amount, amount_received: 0, currency: p.currency,
        application_fee_amount: fee ?? null,
        transfer_data: destination ? { destination } : null,
        metadata, description: p.description ?? null, livemode: false,
        created: Math.floor(Date.now() / 1000), status: 'requires_payment_method',
      };
      pi.client_secret = `${pi.id}_secret_${randomBytes(8).toString('hex')}`;
      this.paymentIntents.set(pi.id, pi);
      return [200, pi];
    }
    if (path === '/v1/accounts') {
      if (p.type !== 'express') return invalid('Only express accounts here', 'type');
      const account = { id: `acct_${randomBytes(8).toString('hex')}`, object: 'account', type: 'express', email: p.email ?? null, charges_enabled: false, payouts_enabled: false, details_submitted: false };
      this.accounts.set(account.id, account);
      return [200, account];
    }
    if (path === '/v1/account_links') {
      if (!this.accounts.has(p.account)) return invalid(`No such account: '${p.account}'`, 'account');
      for (const field of ['refresh_url', 'return_url', 'type']) {
        if (!p[field]) return invalid(`Missing required param: ${field}.`, field);
      }
      const created = Math.floor(Date.now() / 1000);
      return [200, { object: 'account_link', created, expires_at: created + 300, url: `https://connect.stripe.test/setup/e/${p.account}/${randomBytes(6).toString('hex')}` }];
    }
    return [404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (POST: ${path})` } }];
  }

  // The raw body of an Event Stripe would POST to the webhook endpoint.
  event(type, object, { id: eventId = id('evt') } = {}) {
    return JSON.stringify({
      id: eventId, object: 'event', api_version: '2024-06-20', created: Math.floor(Date.now() / 1000),
      livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type,
      data: { object },
    });
  }

  // The PaymentIntent as Stripe would show it once it `succeeded` or after a failed attempt.
  paymentIntentObject(piId, status) {
    const pi = this.paymentIntents.get(piId);
    const out = { ...pi, status };
    if (status === 'succeeded') out.amount_received = pi.amount;
    else out.last_payment_error = { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' };
    return out;
  }

  chargeObject(piId, { refunded = true } = {}) {
    const pi = this.paymentIntents.get(piId);
    return { id: id('ch'), object: 'charge', amount: pi.amount, amount_refunded: refunded ? pi.amount : 1, refunded, payment_intent: piId, currency: pi.currency, metadata: pi.metadata, status: 'succeeded' };
  }

  disputeObject(piId, status = 'needs_response') {
    const pi = this.paymentIntents.get(piId);
    return { id: id('dp'), object: 'dispute', amount: pi.amount, charge: id('ch'), payment_intent: piId, currency: pi.currency, reason: 'fraudulent', status };
  }
}
