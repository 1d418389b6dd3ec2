// The Studio's "Go live from browser" panel: camera and microphone pickers, a preview, a quality
// choice, Go live / Stop, the connection state, publishing over WHIP (whip_publisher.js).
//
// Shown only to the owner of a stream that is not ENDED and whose API object carries a
// `whipUrl` (the server hands one out only where WHIP ingest answers), so the page never offers
// what the server cannot do. The camera is asked for only when the artist clicks, never on load.
import { h, fill, show } from './dom.js';
import { WhipPublisher } from './whip_publisher.js';

// Capture size and the video bitrate ceiling of each choice (the server's ladder encodes the
// lower rungs from this source, docs/transcode.md).
export const QUALITIES = [
  { id: '1080p', label: '1080p · 4.5 Mbps', width: 1920, height: 1080, bitrate: 4_500_000 },
  { id: '720p', label: '720p · 2.5 Mbps', width: 1280, height: 720, bitrate: 2_500_000 },
  { id: '480p', label: '480p · 1 Mbps', width: 854, height: 480, bitrate: 1_000_000 },
];
const DEFAULT_QUALITY = '720p';

const STATES = {
  idle: { text: 'not live', badge: '' },
  connecting: { text: 'connecting…', badge: 'warn' },
  live: { text: 'LIVE', badge: 'live' },
  reconnecting: { text: 'reconnecting…', badge: 'warn' },
  stopped: { text: 'stopped', badge: '' },
  failed: { text: 'failed', badge: 'warn' },
};

function mediaErrorText(e) {
  if (e?.name === 'NotAllowedError') return 'Camera and microphone are blocked for this site: allow them in the browser’s site settings, then try again.';
  if (e?.name === 'NotFoundError') return 'No camera was found. Connect one and try again.';
  if (e?.name === 'NotReadableError') return 'The camera or microphone is in use by another application.';
  if (e?.name === 'OverconstrainedError') return 'The chosen camera cannot deliver this quality; pick a lower one.';
  return `Cannot open the camera or microphone: ${e?.message ?? e}`;
}

export class GoLivePanel {
  constructor(root, { getToken }) {
    this.root = root;
    this.getToken = getToken;
    this.stream = null;     // the Studio's stream object
    this.media = null;      // MediaStream being previewed and published
    this.publisher = null;
    this.quality = QUALITIES.find((q) => q.id === DEFAULT_QUALITY);
    // Leaving the page while live: ask first, and end the session on the server at once rather
    // than leaving it to time out (keepalive lets the DELETE outlive the page).
    window.addEventListener('beforeunload', (e) => {
      if (this.active) e.preventDefault();
    });
    window.addEventListener('pagehide', () => {
      if (this.active) this.publisher.stop({ keepalive: true });
    });
    navigator.mediaDevices?.addEventListener?.('devicechange', () => { if (this.media) this.listDevices(); });
  }

  // Publishing or trying to (a reconnect included).
  get active() {
    return ['connecting', 'live', 'reconnecting'].includes(this.publisher?.state);
  }

  get streamId() {
    return this.stream?.id ?? null;
  }

  // Shows the panel for `stream` (or hides it). The same stream again keeps what runs.
  render(stream, me) {
    if (this.stream && this.stream.id === stream?.id && this.root.childElementCount) {
      this.update(stream);
      return;
    }
    this.close();
    if (!this.allowed(stream, me)) return;
    this.stream = stream;
    this.build();
    show(this.root, true);
  }

  // A newer copy of the same stream (polled): an ENDED stream closes the panel.
  update(stream) {
    if (!this.stream || stream?.id !== this.stream.id) return;
    Object.assign(this.stream, stream);
    if (stream.status === 'ENDED' || !stream.whipUrl) this.close();
  }

  allowed(stream, me) {
    return Boolean(stream && me && stream.whipUrl && stream.status !== 'ENDED' && stream.artistId === me.id);
  }

  // Stops publishing (DELETE on the session), releases the camera, hides the panel.
  close() {
    if (this.publisher && this.publisher.state !== 'stopped' && this.publisher.state !== 'failed') this.publisher.stop();
    this.publisher = null;
    this.releaseMedia();
    this.stream = null;
    this.el = null;
    this.root.replaceChildren();
    show(this.root, false);
  }

  // ---- the panel --------------------------------------------------------------------------

  build() {
    const el = this.el = {
      state: h('span', { class: 'badge', id: 'golive-state', 'aria-live': 'polite' }),
      message: h('p', { class: 'small', id: 'golive-message', role: 'status', hidden: true }),
      media: h('button', { type: 'button', id: 'golive-media', text: 'Turn on camera and microphone' }),
      setup: h('div', { class: 'golive', hidden: true }),
      preview: h('video', { id: 'golive-preview', muted: true, autoplay: true, playsinline: true }),
      camera: h('select', { id: 'golive-camera', name: 'camera' }),
      mic: h('select', { id: 'golive-mic', name: 'microphone' }),
      quality: h('select', { id: 'golive-quality', name: 'quality' },
        QUALITIES.map((q) => h('option', { value: q.id, text: q.label, selected: q === this.quality }))),
      start: h('button', { type: 'button', class: 'primary', id: 'golive-start', text: 'Go live' }),
      stop: h('button', { type: 'button', id: 'golive-stop', text: 'Stop' }),
    };
    el.media.addEventListener('click', () => (this.media ? this.releaseMedia() : this.openMedia()));
    el.camera.addEventListener('change', () => this.switchDevice('video', el.camera.value));
    el.mic.addEventListener('change', () => this.switchDevice('audio', el.mic.value));
    el.quality.addEventListener('change', () => this.setQuality(el.quality.value));
    el.start.addEventListener('click', () => this.goLive());
    el.stop.addEventListener('click', () => this.stop());
    fill(el.setup,
      h('div', { class: 'screen preview' }, el.preview),
      h('div', { class: 'form-grid' },
        h('label', {}, h('span', { text: 'Camera' }), el.camera),
        h('label', {}, h('span', { text: 'Microphone' }), el.mic),
        h('label', {}, h('span', { text: 'Quality' }), el.quality)),
      h('div', { class: 'row' }, el.start, el.stop));
    fill(this.root,
      h('div', { class: 'row' }, h('h2', { class: 'grow', text: 'Go live from browser' }), el.state),
      h('p', { class: 'muted small', text: 'Stream straight from this browser with your camera and microphone, no encoder needed. Viewers watch it like any stream.' }),
      h('div', { class: 'row' }, el.media),
      el.setup,
      el.message);
    this.showState();
  }

  showState(note) {
    const el = this.el;
    if (!el) return;
    const state = this.publisher?.state ?? 'idle';
    const s = STATES[state];
    el.state.textContent = s.text;
    el.state.className = `badge ${s.badge}`.trim();
    el.state.dataset.state = state;
    const error = this.publisher?.error;
    const text = note
      ?? (state === 'failed' && error ? error.message
        : state === 'reconnecting' ? `The connection to the server was lost; trying again.${error ? ` (${error.message})` : ''}`
          : state === 'live' ? 'You are live. Viewers see you within a few seconds.'
            : '');
    el.message.textContent = text;
    el.message.className = `small ${state === 'failed' || (note && !this.media) ? 'error' : 'muted'}`;
    show(el.message, Boolean(text));
    const busy = this.active;
    const hasVideo = Boolean(this.media?.getVideoTracks().length);
    el.start.disabled = busy || !hasVideo;
    el.stop.disabled = !busy;
    el.media.disabled = busy;
    // The capture size is the stream's source resolution: changing it while live would end the
    // ladder of lower qualities (docs/transcode.md), so it is chosen before going live.
    el.quality.disabled = busy;
    el.media.textContent = this.media ? 'Turn off camera and microphone' : 'Turn on camera and microphone';
    show(el.setup, Boolean(this.media));
  }

  // ---- devices ----------------------------------------------------------------------------

  videoConstraints(deviceId) {
    const q = this.quality;
    return { deviceId: deviceId ? { exact: deviceId } : undefined, width: { ideal: q.width }, height: { ideal: q.height }, frameRate: { ideal: 30 } };
  }

  async openMedia() {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.showState('This browser cannot capture a camera here (a secure https:// page is needed).');
      return;
    }
    this.el.media.disabled = true;
    try {
      // Labels and device ids come with the permission, so the pickers are filled after it.
      const media = await navigator.mediaDevices.getUserMedia({ video: this.videoConstraints(), audio: true });
      if (!this.el) { media.getTracks().forEach((t) => t.stop()); return; }  // closed meanwhile
      this.media = media;
      this.el.preview.srcObject = media;
      await this.listDevices();
      this.showState();
    } catch (e) {
      this.showState(mediaErrorText(e));
      this.el.media.disabled = false;
    }
  }

  async listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const fillSelect = (select, kind, track, fallback) => {
      const list = devices.filter((d) => d.kind === kind);
      const current = track?.getSettings().deviceId;
      fill(select, ...list.map((d, i) => h('option', { value: d.deviceId, text: d.label || `${fallback} ${i + 1}`, selected: d.deviceId === current })));
    };
    if (!this.el) return;
    fillSelect(this.el.camera, 'videoinput', this.media?.getVideoTracks()[0], 'Camera');
    fillSelect(this.el.mic, 'audioinput', this.media?.getAudioTracks()[0], 'Microphone');
  }

  // A new camera or microphone; while live the sender switches to it without a new session.
  async switchDevice(kind, deviceId) {
    if (!this.media) return;
    try {
      const got = await navigator.mediaDevices.getUserMedia(kind === 'video'
        ? { video: this.videoConstraints(deviceId) }
        : { audio: { deviceId: { exact: deviceId } } });
      const track = got.getTracks()[0];
      for (const old of kind === 'video' ? this.media.getVideoTracks() : this.media.getAudioTracks()) {
        this.media.removeTrack(old);
        old.stop();
      }
      this.media.addTrack(track);
      this.el.preview.srcObject = this.media;
      await this.publisher?.replaceTrack(kind, track);
      this.showState();
    } catch (e) {
      this.showState(mediaErrorText(e));
    }
  }

  async setQuality(id) {
    this.quality = QUALITIES.find((q) => q.id === id) ?? this.quality;
    const track = this.media?.getVideoTracks()[0];
    try {
      if (track) await track.applyConstraints(this.videoConstraints(track.getSettings().deviceId));
      await this.publisher?.setMaxBitrate(this.quality.bitrate);
    } catch (e) {
      this.showState(mediaErrorText(e));
    }
  }

  releaseMedia() {
    if (this.active) return;
    this.media?.getTracks().forEach((t) => t.stop());
    this.media = null;
    if (this.el?.preview) this.el.preview.srcObject = null;
    this.showState();
  }

  // ---- publishing -------------------------------------------------------------------------

  async goLive() {
    if (!this.media || this.active || !this.stream?.whipUrl) return;
    const publisher = new WhipPublisher({
      url: this.stream.whipUrl,
      getToken: this.getToken,
      stream: this.media,
      maxBitrate: this.quality.bitrate,
      onState: () => { if (publisher === this.publisher) this.showState(); },
    });
    this.publisher = publisher;
    await publisher.start();
  }

  async stop() {
    await this.publisher?.stop();
    this.showState();
  }
}
