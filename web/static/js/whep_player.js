// A WHEP client (draft-ietf-wish-whep): receives a stream over WebRTC. No DOM and no other
// module of the pages, so that the Viewer and the tests use the same code.
//
// One session: an offer with recvonly video and audio transceivers (the server sends H.264 and
// Opus; a stream without audio has its audio section rejected), POSTed as application/sdp to the stream's WHEP URL (with
// the playback token in the query where the stream needs one); 201 brings the answer and the
// session's Location, which stop() DELETEs. As for WHIP, the offer goes out without waiting for
// ICE candidates: the server is ICE-lite and learns our address from our checks.
//
// connect() resolves with the MediaStream once the transport is connected, or rejects with a
// WhepError (the server's refusal) or a timeout, so a caller can fall back to LL-HLS. A session
// made with a playback token ends when the token does: renew() hands the server a fresh one.

const CONNECT_TIMEOUT_MS = 5000;

export class WhepError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class WhepPlayer {
  // url: `/whep/{id}`, with `?token=` when the stream needs a playback token.
  constructor(url, { timeoutMs = CONNECT_TIMEOUT_MS } = {}) {
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.pc = null;
    this.location = null;
    this.stream = new MediaStream();
    this.onended = null;  // called once when a connected session fails or the server ends it
  }

  static supported() {
    return typeof RTCPeerConnection === 'function';
  }

  async connect() {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (e) => this.stream.addTrack(e.track);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const r = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: pc.localDescription.sdp,
    });
    if (r.status !== 201) {
      let code = 'refused';
      let message = `the server answered ${r.status}`;
      try {
        const body = await r.json();
        code = body.error?.code ?? code;
        message = body.error?.message ?? message;
      } catch { /* not JSON */ }
      this.close();
      throw new WhepError(r.status, code, message);
    }
    this.location = new URL(r.headers.get('location'), new URL(this.url, location.href)).href;
    await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new WhepError(0, 'timeout', 'WebRTC did not connect in time')), this.timeoutMs);
      const check = () => {
        if (pc.connectionState === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
          clearTimeout(timer);
          reject(new WhepError(0, 'failed', 'the WebRTC connection failed'));
        }
      };
      pc.addEventListener('connectionstatechange', check);
      check();
    }).catch((e) => {
      this.stop();
      throw e;
    });
    pc.addEventListener('connectionstatechange', () => {
      if (['failed', 'closed'].includes(pc.connectionState)) this.#ended();
    });
    return this.stream;
  }

  // A fresh playback token for a session made with one: the server ends a session whose token
  // runs out. Resolves true when the server took it.
  async renew(token) {
    if (!this.location) return false;
    try {
      const r = await fetch(this.location, { method: 'PATCH', headers: { authorization: `Bearer ${token}` } });
      return r.status === 204 || r.status === 200;
    } catch {
      return false;
    }
  }

  // What the browser received (RTCInboundRtpStreamStats): frames decoded and freezes of the
  // video, packets and samples of the audio.
  async stats() {
    const out = { video: null, audio: null };
    if (!this.pc) return out;
    for (const s of (await this.pc.getStats()).values()) {
      if (s.type !== 'inbound-rtp') continue;
      if (s.kind === 'video') {
        out.video = {
          framesDecoded: s.framesDecoded ?? 0,
          packetsReceived: s.packetsReceived ?? 0,
          freezeCount: s.freezeCount ?? 0,
          packetsLost: s.packetsLost ?? 0,
          nackCount: s.nackCount ?? 0,
          frameWidth: s.frameWidth ?? 0,
          frameHeight: s.frameHeight ?? 0,
        };
      } else if (s.kind === 'audio') {
        out.audio = {
          packetsReceived: s.packetsReceived ?? 0,
          totalSamplesReceived: s.totalSamplesReceived ?? 0,
          concealedSamples: s.concealedSamples ?? 0,
        };
      }
    }
    return out;
  }

  #ended() {
    const cb = this.onended;
    this.onended = null;
    if (cb) cb();
  }

  close() {
    this.pc?.close();
    this.pc = null;
  }

  async stop() {
    const at = this.location;
    this.location = null;
    this.onended = null;
    this.close();
    if (at) {
      try { await fetch(at, { method: 'DELETE' }); } catch { /* the server ends it on consent expiry */ }
    }
  }
}
