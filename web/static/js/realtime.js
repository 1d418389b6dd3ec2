// Client of the realtime gateway (docs/realtime.md): one WebSocket on /ws, JSON events with a
// "type". The token is sent in an `auth` event, never in the URL (URLs land in logs). Requests
// carry a requestId and resolve with the server's reply (ack, joined, authenticated, pong) or
// reject with its error. The connection comes back by itself with backoff and rejoins the room;
// the `joined` reply carries the chat history again, so the page redraws the chat from it.

let nextRequest = 1;

// Refusals of auth/join that may pass later (docs/realtime.md, "Errors and close codes").
const RETRYABLE = new Set(['viewer_limit', 'overloaded', 'db_unavailable', 'busy', 'timeout', 'disconnected']);

export class RealtimeError extends Error {
  constructor(code, message, retryAfterMs) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

export class Realtime {
  constructor({ streamId, getToken, url } = {}) {
    this.streamId = streamId;
    this.getToken = getToken ?? (() => null);
    this.url = url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.handlers = new Map();
    this.pending = new Map();
    this.closed = false;
    this.attempt = 0;
    this.state = 'idle';
  }

  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
    return this;
  }

  emit(type, event) {
    for (const fn of this.handlers.get(type) ?? []) {
      try { fn(event); } catch (e) { console.error(e); }
    }
    for (const fn of this.handlers.get('*') ?? []) {
      try { fn(event); } catch (e) { console.error(e); }
    }
  }

  setState(state, detail) {
    this.state = state;
    this.emit('state', { type: 'state', state, detail });
  }

  connect() {
    this.closed = false;
    clearTimeout(this.retryTimer);
    this.setState(this.attempt ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => this.onOpen(ws));
    ws.addEventListener('message', (m) => this.onMessage(m));
    ws.addEventListener('close', (e) => this.onClose(ws, e));
  }

  async onOpen(ws) {
    try {
      const token = this.getToken();
      if (token) {
        const me = await this.request('auth', { token });
        this.user = me.user;
      }
      const joined = await this.request('join', { streamId: this.streamId });
      if (ws !== this.ws) return;
      this.attempt = 0;
      this.joined = joined;
      this.setState('joined');
      this.emit('joined', joined);
      this.startPing();
    } catch (e) {
      if (ws !== this.ws) return;
      this.setState('refused', e);
      this.emit('refused', e);
      // Refusals like login_required or banned do not get better by retrying at once.
      this.closed = !RETRYABLE.has(e.code);
      ws.close(1000);
    }
  }

  onMessage(m) {
    let event;
    try { event = JSON.parse(m.data); } catch { return; }
    if (!event || typeof event.type !== 'string') return;
    if (event.type === 'batch' && Array.isArray(event.events)) {
      for (const e of event.events) this.dispatch(e);
      return;
    }
    this.dispatch(event);
  }

  dispatch(event) {
    const waiting = event.requestId !== undefined ? this.pending.get(event.requestId) : undefined;
    if (waiting) {
      this.pending.delete(event.requestId);
      clearTimeout(waiting.timer);
      if (event.type === 'error') {
        const err = event.error ?? {};
        waiting.reject(new RealtimeError(err.code ?? 'error', err.message ?? 'refused', err.retryAfterMs));
      } else {
        waiting.resolve(event);
      }
      return;
    }
    this.emit(event.type, event);
  }

  onClose(ws, e) {
    if (ws !== this.ws) return;
    clearInterval(this.pingTimer);
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new RealtimeError('disconnected', 'connection lost'));
    }
    this.pending.clear();
    this.ws = null;
    if (this.closed) {
      if (this.state !== 'refused') this.setState('closed', e);
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    this.attempt += 1;
    const delay = Math.min(15000, 500 * 2 ** Math.min(this.attempt, 5)) * (0.75 + Math.random() / 2);
    this.setState('reconnecting', { delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startPing() {
    clearInterval(this.pingTimer);
    // Keeps idle connections alive through proxies that cut silent sockets.
    this.pingTimer = setInterval(() => { this.request('ping').catch(() => {}); }, 25000);
  }

  request(type, fields = {}, { timeout = 10000 } = {}) {
    return new Promise((resolve, reject) => {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        reject(new RealtimeError('disconnected', 'not connected, try again in a moment'));
        return;
      }
      const requestId = `r${nextRequest++}`;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RealtimeError('timeout', 'no answer from the server'));
      }, timeout);
      this.pending.set(requestId, { resolve, reject, timer });
      ws.send(JSON.stringify({ type, requestId, ...fields }));
    });
  }

  // Reconnects now (after signing in or out).
  restart() {
    this.attempt = 0;
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    clearInterval(this.pingTimer);
    this.connect();
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.ws?.close(1000);
  }
}
