// A /ws client on Node's `ws` (an implementation independent of the server's): queues events,
// unwraps `batch` frames, and waits for an event of a given type with a deadline.
import WebSocket from 'ws';

export class ChatClient {
  constructor(server) {
    this.server = server;
    this.events = [];
    this.skipped = [];
    this.waiters = [];
    this.closeCode = null;
  }

  // `tls`: over wss to the server's HTTPS port, trusting `tls.ca` (PEM).
  static async connect(server, { path = '/ws', tls } = {}) {
    const c = new ChatClient(server);
    c.tls = tls;
    await c.open(path);
    c.hello = await c.next('hello');
    return c;
  }

  open(path) {
    return new Promise((resolve, reject) => {
      this.ws = this.tls
        ? new WebSocket(`wss://127.0.0.1:${this.server.httpsPort}${path}`, { ca: this.tls.ca })
        : new WebSocket(`ws://127.0.0.1:${this.server.httpPort}${path}`);
      this.closed = new Promise((done) => {
        this.ws.on('close', (code) => { this.closeCode = code; this.wake(); done(code); });
      });
      this.ws.on('open', resolve);
      this.ws.on('error', reject);
      this.ws.on('message', (data, isBinary) => {
        const text = isBinary ? data : data.toString('utf8');
        let event;
        try { event = JSON.parse(text); } catch { event = { type: '__unparsable__', text }; }
        if (event.type === 'batch') this.events.push(...event.events);
        else this.events.push(event);
        this.wake();
      });
    });
  }

  wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(event) { this.ws.send(typeof event === 'string' ? event : JSON.stringify(event)); }
  sendBinary(bytes) { this.ws.send(bytes, { binary: true }); }

  // The next event of `type` (or matching a predicate); others are kept in `skipped`. Throws on
  // timeout.
  async next(type, timeoutMs = 5000) {
    const match = typeof type === 'function' ? type : (e) => e.type === type;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.events.length) {
        const e = this.events.shift();
        if (match(e)) return e;
        this.skipped.push(e);
      }
      if (this.closeCode !== null) throw new Error(`closed (${this.closeCode}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} event within ${timeoutMs} ms; skipped: ${JSON.stringify(this.skipped.slice(-5))}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  // The reply matching `match`, taken out of the queue wherever it is; the events around it stay
  // queued for later next() calls (a broadcast may overtake the ack of the request that caused it).
  async reply(match, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex(match);
      if (i >= 0) return this.events.splice(i, 1)[0];
      if (this.closeCode !== null) throw new Error(`closed (${this.closeCode}) while waiting for a reply`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms; queued: ${JSON.stringify(this.events.slice(-5))}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  // Events of `type` arriving within `windowMs`.
  async collect(type, windowMs) {
    const out = [];
    const deadline = Date.now() + windowMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return out;
      try { out.push(await this.next(type, left)); } catch { return out; }
    }
  }

  async auth(token) {
    this.send({ type: 'auth', token });
    return this.next('authenticated');
  }

  async join(streamId) {
    this.send({ type: 'join', streamId });
    return this.next('joined');
  }

  // Sends a chat message and returns its id (from the ack).
  async say(text) {
    const requestId = `r${Math.random().toString(36).slice(2)}`;
    this.send({ type: 'chat', text, requestId });
    const e = await this.reply((x) => (x.type === 'ack' || x.type === 'error') && x.requestId === requestId);
    if (e.type === 'error') throw new Error(`chat refused: ${JSON.stringify(e.error)}`);
    return e.messageId;
  }

  // The ack or error answering `event` (sent with a fresh requestId).
  async request(event) {
    const requestId = `q${Math.random().toString(36).slice(2)}`;
    this.send({ ...event, requestId });
    return this.reply((x) => (x.type === 'ack' || x.type === 'error') && x.requestId === requestId);
  }

  // The error answering `event`; throws when it was accepted.
  async refusal(event) {
    const e = await this.request(event);
    if (e.type !== 'error') throw new Error(`expected a refusal of ${JSON.stringify(event)}`);
    return e.error;
  }

  close() { this.ws.close(); return this.closed; }
}

// A member of `streamId`'s room: connected, authenticated when `user` is given, joined.
export async function member(server, user, streamId, { tls } = {}) {
  const c = await ChatClient.connect(server, { tls });
  if (user) await c.auth(user.token);
  c.joined = await c.join(streamId);
  return c;
}
