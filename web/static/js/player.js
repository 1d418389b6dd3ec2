// The video player: hls.js in low-latency mode where MediaSource exists, the browser's own HLS
// where it plays HLS natively (Safari, iOS). hls.js is loaded only when needed, from the copy
// pinned in web/package.json and embedded into the server (no CDN).
//
// Playback URLs carry a short-lived signed token (docs/hls.md). The server writes the same token
// into the URIs of the playlists it serves, so before the token expires the player asks the API
// for a fresh one and hls.js's requests are rewritten to carry it (xhrSetup): playback goes on
// without reloading the source.
//
// Real-time playback (WebRTC over WHEP, whep_player.js): the same playback grant carries the WHEP
// URL and whether the server makes it the first choice (preferRealtime, webrtc.viewer_default);
// a failure to connect falls back to LL-HLS within seconds.

import { WhepPlayer } from './whep_player.js';
import { HLS_LIVE_CONFIG, followLiveEdge } from './hls_live_config.js';

let hlsLoading = null;

function hlsBase() {
  return document.querySelector('meta[name="stagecast-hls-js"]')?.content ?? null;
}

export function loadHlsJs() {
  if (globalThis.Hls) return Promise.resolve(globalThis.Hls);
  if (!hlsLoading) {
    hlsLoading = new Promise((resolve, reject) => {
      const base = hlsBase();
      if (!base) { reject(new Error('hls.js location missing')); return; }
      const s = document.createElement('script');
      s.src = `${base}hls.min.js`;
      s.onload = () => (globalThis.Hls ? resolve(globalThis.Hls) : reject(new Error('hls.js did not load')));
      s.onerror = () => reject(new Error('hls.js did not load'));
      document.head.append(s);
    });
  }
  return hlsLoading;
}

export function canPlayHlsNatively(video) {
  return video.canPlayType('application/vnd.apple.mpegurl') !== '';
}

// Safari (macOS, iOS, iPadOS) plays HLS itself, low-latency included, and more frugally than
// script: it gets the native player. Other browsers that say they can play HLS (Chrome on
// Android, recent desktop Chrome) get hls.js when they have MediaSource, for the quality menu and
// the low-latency tuning; native is their fallback.
export function prefersNativeHls(video) {
  if (!canPlayHlsNatively(video)) return false;
  const hasMse = 'MediaSource' in globalThis || 'ManagedMediaSource' in globalThis;
  return !hasMse || navigator.vendor === 'Apple Computer, Inc.';
}

function expiresAtMs(expiresAt) {
  // Seconds or milliseconds since the epoch.
  return expiresAt < 1e12 ? expiresAt * 1000 : expiresAt;
}

export class Player {
  // getPlayback(): Promise<{url, token, expiresAt}> from POST /api/livestream/{id}/playback.
  // onLevels(levels, selected, playing): the quality menu. onFatal(kind): the page decides what
  // next ('forbidden' when the token or access is gone, 'unavailable', 'media').
  // prefer: 'auto' (Real-time where the server offers and prefers it, else the HLS rule above),
  // 'hls' (the HLS rule, no WebRTC: the fan turned Real-time off), 'native' or 'hls.js' (the
  // Viewer's ?player= override, for trying either path on any browser that has it), or 'webrtc':
  // real-time playback over WHEP where the server offers it (the playback answer's whepUrl).
  // WebRTC that does not connect within a few seconds falls back to LL-HLS.
  constructor(video, { getPlayback, onLevels, onFatal, onPlaying, prefer = 'auto' }) {
    this.video = video;
    this.getPlayback = getPlayback;
    this.onLevels = onLevels ?? (() => {});
    this.onFatal = onFatal ?? (() => {});
    this.onPlaying = onPlaying ?? (() => {});
    this.prefer = prefer;
    this.hls = null;
    this.token = null;
    this.mediaRecoveries = 0;
    this.mode = null;
    this.rtc = null;
    this.realtimeAvailable = false;  // the server offered WHEP for this playback
  }

  async start() {
    this.stop();
    this.stopped = false;
    const playback = await this.getPlayback();
    if (this.stopped) return;
    this.token = playback.token;
    this.scheduleRefresh(playback.expiresAt);
    const video = this.video;
    video.muted = true;  // autoplay policies allow muted playback; the page offers unmute
    video.playsInline = true;
    video.addEventListener('playing', this.playingListener = () => this.onPlaying(), { once: false });
    this.realtimeAvailable = Boolean(playback.whepUrl) && WhepPlayer.supported();
    const tryRealtime = this.prefer === 'webrtc' || (this.prefer === 'auto' && playback.preferRealtime === true);
    if (tryRealtime && this.realtimeAvailable && (await this.startWebrtc(playback.whepUrl))) return;
    if (this.stopped) return;

    const native = this.prefer === 'native' ? canPlayHlsNatively(video)
      : this.prefer === 'hls.js' ? false : prefersNativeHls(video);
    const Hls = native ? null : await loadHlsJs().catch(() => null);
    if (this.stopped) return;
    if (Hls && Hls.isSupported()) {
      this.mode = 'hls.js';
      this.startHlsJs(Hls, playback.url);
    } else if (canPlayHlsNatively(video)) {
      this.mode = 'native';
      video.src = playback.url;
      video.addEventListener('error', this.nativeError = () => this.onFatal('unavailable'));
      video.addEventListener('loadedmetadata', () => this.onLevels([], -1, null), { once: true });
      video.play().catch(() => {});
    } else {
      this.onFatal('unsupported');
    }
  }

  // True when WebRTC plays (or the player was stopped meanwhile); false to fall back to HLS.
  async startWebrtc(url) {
    const rtc = new WhepPlayer(url);
    let media;
    try {
      media = await rtc.connect();
    } catch {
      return false;
    }
    if (this.stopped) {
      rtc.stop();
      return true;
    }
    this.rtc = rtc;
    this.mode = 'webrtc';
    // A session that fails or is ended by the server: the page reconnects (WebRTC again first).
    rtc.onended = () => this.onFatal('unavailable');
    this.video.srcObject = media;
    this.video.play().catch(() => {});
    this.onLevels([], -1, null);
    return true;
  }

  startHlsJs(Hls, url) {
    const base = hlsBase();
    const hls = new Hls({
      // Low latency, and how far behind the live edge (hls_live_config.js, docs/hls.md).
      ...HLS_LIVE_CONFIG,
      // The demuxer worker from this origin (the CSP allows no blob: workers).
      workerPath: base ? `${base}hls.worker.js` : undefined,
      enableWorker: Boolean(base),
      xhrSetup: (xhr, requestUrl) => {
        const fresh = this.withCurrentToken(requestUrl);
        if (fresh !== requestUrl) xhr.open('GET', fresh, true);
      },
    });
    this.hls = hls;
    followLiveEdge(hls, Hls);
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.video.play().catch(() => {});
      this.reportLevels();
      this.watchForLateRungs(url);
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, () => this.reportLevels());
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const status = data.response?.code;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && this.mediaRecoveries < 2) {
        this.mediaRecoveries += 1;
        if (this.mediaRecoveries === 2) hls.swapAudioCodec();
        hls.recoverMediaError();
        return;
      }
      this.onFatal(status === 403 || status === 401 ? 'forbidden' : data.type === Hls.ErrorTypes.MEDIA_ERROR ? 'media' : 'unavailable');
    });
    hls.loadSource(url);
    hls.attachMedia(this.video);
  }

  // Right after a stream goes live the multivariant playlist may list only the source: the
  // transcoded rungs join once their first parts exist (docs/hls.md), and hls.js reads that
  // playlist once. For the first seconds, look again; if rungs joined, load the source anew so
  // the quality menu and ABR get them.
  watchForLateRungs(url) {
    clearTimeout(this.rungTimer);
    const known = this.hls?.levels.length ?? 0;
    const check = async (attempt) => {
      if (!this.hls || this.stopped) return;
      try {
        const text = await (await fetch(this.withCurrentToken(url), { cache: 'no-store' })).text();
        const variants = text.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).length;
        if (this.hls && variants > known) {
          this.hls.loadSource(url);
          return;  // MANIFEST_PARSED comes again and watches on from the new count
        }
      } catch {
        // The next attempt, or the player's own retries, deal with it.
      }
      if (attempt < 3) this.rungTimer = setTimeout(() => check(attempt + 1), 4000);
    };
    this.rungTimer = setTimeout(() => check(1), 3000);
  }

  withCurrentToken(requestUrl) {
    if (!this.token) return requestUrl;
    try {
      const u = new URL(requestUrl, location.href);
      if (!u.pathname.startsWith('/hls/') || !u.searchParams.has('token')) return requestUrl;
      if (u.searchParams.get('token') === this.token) return requestUrl;
      u.searchParams.set('token', this.token);
      return u.href;
    } catch {
      return requestUrl;
    }
  }

  scheduleRefresh(expiresAt) {
    clearTimeout(this.refreshTimer);
    if (!expiresAt) return;
    // At 80% of its life, and at least 3 s before it ends: the renewal itself takes a round trip
    // and the requests made meanwhile still carry the old token (a slow device or network).
    const lifetime = expiresAtMs(expiresAt) - Date.now();
    const delay = Math.max(1000, Math.min(lifetime * 0.8, lifetime - 3000));
    this.refreshTimer = setTimeout(async () => {
      try {
        const p = await this.getPlayback();
        this.token = p.token;
        if (this.mode === 'webrtc' && this.rtc && !(await this.rtc.renew(p.token))) {
          // The server no longer knows the session (or refused the token): start over.
          this.onFatal('unavailable');
          return;
        }
        if (this.mode === 'native') {
          // Safari's own player cannot be told a new token; switch sources at the live edge.
          this.video.src = p.url;
          this.video.play().catch(() => {});
        }
        this.scheduleRefresh(p.expiresAt);
      } catch {
        this.onFatal('forbidden');
      }
    }, delay);
  }

  reportLevels() {
    const hls = this.hls;
    if (!hls) return;
    const levels = hls.levels.map((l, index) => ({ index, height: l.height, width: l.width, bitrate: l.bitrate }));
    this.onLevels(levels, hls.autoLevelEnabled ? -1 : hls.currentLevel, hls.currentLevel);
  }

  // An explicit choice switches now (hls.js flushes and refills the buffer: the viewer asked
  // for it). Back to automatic (-1) switches smoothly from the next fragment, with no stall.
  setLevel(index) {
    if (!this.hls) return;
    if (index === -1) this.hls.nextLevel = -1;
    else this.hls.currentLevel = index;
    this.reportLevels();
  }

  latency() {
    return this.hls?.latency ?? null;
  }

  // What WebRTC received, for tests and the console (null unless in webrtc mode).
  async realtimeStats() {
    return this.rtc ? this.rtc.stats() : null;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.rungTimer);
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    if (this.playingListener) this.video.removeEventListener('playing', this.playingListener);
    if (this.nativeError) this.video.removeEventListener('error', this.nativeError);
    if (this.rtc) {
      this.rtc.stop();
      this.rtc = null;
      this.video.srcObject = null;
    }
    if (this.mode === 'native' || this.video.src) {
      this.video.removeAttribute('src');
      this.video.load();
    }
    this.mode = null;
    this.mediaRecoveries = 0;
  }
}

export function levelLabel(level, all) {
  if (!level.height) return `${Math.round(level.bitrate / 1000)} kbps`;
  const sameHeight = all.filter((l) => l.height === level.height).length > 1;
  return sameHeight ? `${level.height}p · ${Math.round(level.bitrate / 1000)} kbps` : `${level.height}p`;
}
