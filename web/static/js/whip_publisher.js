// A WHIP client (RFC 9725): publishes a MediaStream to the server over WebRTC. No DOM and no
// other module of the pages, so that the Studio and a benchmark page can both use it.
//
// One session: an offer with sendonly transceivers (H.264 packetization-mode 1 first, then
// Opus), POSTed as application/sdp with the caller's bearer token; 201 brings the answer and the
// session's Location, which a DELETE ends. The offer goes out right after setLocalDescription,
// without waiting for ICE candidates: the server is ICE-lite and learns our address from our
// connectivity checks (docs/webrtc.md).
//
// States: idle → connecting → live ⇄ reconnecting; stopped (by stop()) and failed (with
// `error`) are final. A live session whose connection stays `disconnected` for a few seconds,
// turns `failed`, or whose DTLS transport closes is replaced: the old session is DELETEd when
// possible, then a new offer is POSTed with backoff. During a reconnect a 409 (our own old
// session, still held by the server within its grace period), a network error or a 5xx is
// retried; any other refusal ends in `failed` with the server's message.

const DISCONNECTED_GRACE_MS = 3000;  // `disconnected` often recovers by itself within this
const CONNECT_TIMEOUT_MS = 15000;    // from the answer to a connected transport
const DELETE_TIMEOUT_MS = 2000;      // an unreachable server must not hold up the reconnect
const BACKOFF_MS = [1000, 2000, 4000, 8000];  // then 10 s between attempts
const BACKOFF_MAX_MS = 10000;
const RECONNECT_GIVE_UP_MS = 180000;

export class WhipError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Network failures, server errors and 409 may pass; a refusal will not change by retrying.
function retryable(e) {
  return e.status === 0 || e.status === 409 || e.status === 429 || e.status >= 500;
}

// H.264 with packetization-mode=1 first, in the order the server ranks profiles (constrained
// baseline, baseline, main, high), then everything else the browser has (RTX, RED, FEC and
// other codecs stay available to a server that prefers them).
export function preferredCodecs(kind, capabilities = RTCRtpSender.getCapabilities(kind)) {
  const codecs = capabilities?.codecs ?? [];
  if (kind === 'audio') {
    const opus = codecs.filter((c) => c.mimeType.toLowerCase() === 'audio/opus');
    return [...opus, ...codecs.filter((c) => !opus.includes(c))];
  }
  const rank = (c) => {
    const fmtp = c.sdpFmtpLine ?? '';
    if (c.mimeType.toLowerCase() !== 'video/h264' || !/packetization-mode=1/.test(fmtp)) return 99;
    const profile = /profile-level-id=([0-9a-f]{6})/i.exec(fmtp)?.[1]?.toLowerCase() ?? '420010';
    if (profile.startsWith('42e0')) return 0;
    if (profile.startsWith('42')) return 1;
    if (profile.startsWith('4d')) return 2;
    if (profile.startsWith('64')) return 3;
    return 4;
  };
  return codecs.map((c, i) => ({ c, i, r: rank(c) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.c);
}

export class WhipPublisher {
  // url: the stream's whipUrl; getToken(): the bearer token (read at every request);
  // stream: the MediaStream (its tracks are not stopped here); maxBitrate: video, bits/s;
  // onState(state, error): every change.
  constructor({ url, getToken, stream, maxBitrate, onState = () => {} }) {
    this.url = url;
    this.getToken = getToken;
    this.stream = stream;
    this.maxBitrate = maxBitrate;
    this.onState = onState;
    this.state = 'idle';
    this.error = null;
    this.pc = null;
    this.resource = null;  // absolute URL of the session (from Location)
    this.etag = null;
    this.transceivers = {};  // by kind, of the current session
    this.timers = new Set();
    this.generation = 0;   // bumped per session: late events of an old one are ignored
    this.connectedOnce = false;
    this.reconnectStarted = 0;
    this.attempt = 0;
  }

  async start() {
    if (this.state !== 'idle') throw new Error(`start() in state ${this.state}`);
    this.set('connecting');
    try {
      await this.open();
    } catch (e) {
      this.fail(e);
    }
  }

  // Ends publishing: DELETE on the session, then the connection closes. `keepalive` lets the
  // DELETE outlive the page (pagehide).
  async stop({ keepalive = false } = {}) {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.set('stopped');
    await this.teardown({ keepalive });
  }

  // A new camera or microphone while publishing: no new offer needed.
  async replaceTrack(kind, track) {
    await this.transceivers[kind]?.sender.replaceTrack(track);
  }

  async setMaxBitrate(bps) {
    this.maxBitrate = bps;
    const sender = this.videoSender();
    if (!sender) return;
    const params = sender.getParameters();
    if (!params.encodings?.length) return;
    params.encodings[0].maxBitrate = bps;
    await sender.setParameters(params);
  }

  videoSender() {
    return this.transceivers.video?.sender ?? null;
  }

  // ---- one session ------------------------------------------------------------------------

  async open() {
    const generation = ++this.generation;
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.pc = pc;
    this.sessionConnected = false;
    this.transceivers = {};
    for (const track of this.stream.getTracks()) {
      const init = { direction: 'sendonly', streams: [this.stream] };
      if (track.kind === 'video' && this.maxBitrate) init.sendEncodings = [{ maxBitrate: this.maxBitrate }];
      const t = pc.addTransceiver(track, init);
      this.transceivers[track.kind] = t;
      // Under congestion or CPU load, fewer frames rather than fewer lines: a source whose
      // resolution changes mid-stream ends the server's lower qualities (docs/transcode.md).
      if (track.kind === 'video') {
        const params = t.sender.getParameters();
        params.degradationPreference = 'maintain-resolution';
        t.sender.setParameters(params).catch(() => {});
      }
      try {
        t.setCodecPreferences?.(preferredCodecs(track.kind));
      } catch {
        // A browser that refuses the list negotiates its own order; the server still picks.
      }
    }
    pc.addEventListener('connectionstatechange', () => this.onConnectionState(pc, generation));
    await pc.setLocalDescription(await pc.createOffer());
    const res = await this.request('POST', this.url, {
      headers: { 'content-type': 'application/sdp' },
      body: pc.localDescription.sdp,
    });
    const location = res.headers.get('location');
    const resource = location ? new URL(location, this.url).href : null;
    if (generation !== this.generation) {
      // Stopped (or replaced) while the POST was on its way: end what it made.
      if (res.ok && resource) this.request('DELETE', resource, { timeout: DELETE_TIMEOUT_MS }).catch(() => {});
      return;
    }
    if (res.status !== 201 && res.status !== 200) throw await errorOf(res);
    this.resource = resource;
    this.etag = res.headers.get('etag');
    const answer = await res.text();
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    // DTLS closing (the server ended the session) is a loss even while ICE still answers.
    const dtls = this.videoSender()?.transport;
    dtls?.addEventListener('statechange', () => {
      if (['closed', 'failed'].includes(dtls.state)) this.lost(generation);
    });
    this.later(() => {
      if (generation === this.generation && !this.sessionConnected) this.lost(generation);
    }, CONNECT_TIMEOUT_MS);
  }

  onConnectionState(pc, generation) {
    if (generation !== this.generation) return;
    const s = pc.connectionState;
    if (s === 'connected') {
      this.sessionConnected = true;
      this.connectedOnce = true;
      this.reconnectStarted = 0;
      this.attempt = 0;
      if (this.state === 'connecting' || this.state === 'reconnecting') this.set('live');
    } else if (s === 'failed') {
      this.lost(generation);
    } else if (s === 'disconnected') {
      this.later(() => {
        if (generation === this.generation && pc.connectionState === 'disconnected') this.lost(generation);
      }, DISCONNECTED_GRACE_MS);
    }
  }

  // The media connection of this session is gone (or never came).
  lost(generation) {
    if (generation !== this.generation || !['connecting', 'live', 'reconnecting'].includes(this.state)) return;
    if (!this.connectedOnce) {
      // Never connected: the network blocks media to the server; retrying would not help.
      this.fail(new WhipError(0, 'media_unreachable',
        'Could not connect media to the server. A firewall may block WebRTC (UDP and TCP).'));
      return;
    }
    this.reconnect();
  }

  async reconnect() {
    this.set('reconnecting');
    this.reconnectStarted ||= Date.now();
    await this.teardown({});
    this.retry();
  }

  retry() {
    if (this.state !== 'reconnecting') return;
    if (Date.now() - this.reconnectStarted >= RECONNECT_GIVE_UP_MS) {
      this.fail(this.error ?? new WhipError(0, 'reconnect_failed',
        'Lost the connection to the server and could not reconnect.'));
      return;
    }
    const delay = BACKOFF_MS[this.attempt] ?? BACKOFF_MAX_MS;
    this.attempt += 1;
    this.later(async () => {
      if (this.state !== 'reconnecting') return;
      try {
        await this.open();
      } catch (e) {
        if (this.state !== 'reconnecting') return;
        const err = asWhipError(e);
        await this.teardown({});
        if (retryable(err)) {
          this.error = err;  // shown while retrying (e.g. the server's 409 message)
          this.onState(this.state, err);
          this.retry();
        } else {
          this.fail(err);
        }
      }
    }, delay);
  }

  // DELETE the session (best effort) and close the connection.
  async teardown({ keepalive }) {
    this.generation += 1;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const resource = this.resource;
    this.resource = null;
    this.closePc();
    if (!resource) return;
    try {
      await this.request('DELETE', resource, { keepalive, timeout: DELETE_TIMEOUT_MS });
    } catch {
      // The server forgets a session whose media stopped (consent freshness) anyway.
    }
  }

  closePc() {
    this.pc?.close();
    this.pc = null;
  }

  async request(method, url, { headers = {}, body, keepalive = false, timeout } = {}) {
    const token = this.getToken();
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    const abort = timeout ? AbortSignal.timeout(timeout) : undefined;
    try {
      return await fetch(url, { method, headers: h, body, keepalive, signal: abort, cache: 'no-store' });
    } catch {
      throw new WhipError(0, 'network_error', 'Cannot reach the server. Check your connection.');
    }
  }

  later(fn, ms) {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    this.timers.add(t);
  }

  fail(e) {
    if (this.state === 'stopped' || this.state === 'failed') return;  // e.g. stop() mid-offer
    this.error = asWhipError(e);
    this.set('failed');
    this.teardown({});  // a session the server made (an answer we could not use) is ended too
  }

  set(state) {
    this.state = state;
    if (state === 'live' || state === 'connecting') this.error = null;
    this.onState(state, this.error);
  }
}

function asWhipError(e) {
  if (e instanceof WhipError) return e;
  return new WhipError(0, 'webrtc_error', e?.message ?? String(e));
}

async function errorOf(res) {
  let body;
  try { body = await res.json(); } catch { body = undefined; }
  const err = body?.error ?? {};
  return new WhipError(res.status, err.code ?? `http_${res.status}`,
    err.message ?? `The server answered ${res.status} ${res.statusText}`.trim());
}
