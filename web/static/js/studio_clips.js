// The Studio's clip form (docs/web.md, docs/recording.md): cut a clip from the stream's live
// recording (what is already stored of it) or from a finished recording, on key frames and with
// no re-encode: a start, a duration and a title. The clip gets its own page (/clips/{stream}/{id}),
// where it plays and downloads. Kept across the panel's refreshes, so typing is never lost.
import { h, fill, show, formatDuration } from './dom.js';
import { api } from './api.js';

const MAX_CLIP_S = 300;

export function clipPageUrl(streamId, clipId) {
  return `/clips/${encodeURIComponent(streamId)}/${encodeURIComponent(clipId)}`;
}

// "90", "1:30" or "1:02:03" -> seconds; NaN otherwise.
export function parseClock(text) {
  const parts = String(text).trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return NaN;
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

export class ClipForm {
  constructor(stream, { onMade }) {
    this.stream = stream;
    this.onMade = onMade;
    this.source = h('select', { name: 'clip-source', 'aria-label': 'Cut from' });
    this.start = h('input', { name: 'clip-start', type: 'text', inputmode: 'numeric', value: '0:00', required: true, 'aria-label': 'Start (m:ss)', size: 6 });
    this.duration = h('input', { name: 'clip-duration', type: 'number', min: 1, max: MAX_CLIP_S, value: 30, required: true, 'aria-label': 'Duration (seconds)' });
    this.title = h('input', { name: 'clip-title', type: 'text', maxlength: 140, required: true, placeholder: 'Title of the clip', 'aria-label': 'Title' });
    this.submit = h('button', { class: 'primary small', type: 'submit', text: 'Cut clip' });
    this.message = h('p', { class: 'small', role: 'status', 'aria-live': 'polite' });
    this.hint = h('p', { class: 'muted small' });
    this.el = h('form', { class: 'clip-form', on: { submit: (e) => { e.preventDefault(); this.cut(); } } },
      h('h3', { text: 'Cut a clip' }),
      h('div', { class: 'row' },
        h('label', {}, h('span', { class: 'muted small', text: 'From ' }), this.source),
        h('label', {}, h('span', { class: 'muted small', text: 'Start ' }), this.start),
        h('label', {}, h('span', { class: 'muted small', text: 'Seconds ' }), this.duration)),
      h('div', { class: 'row' }, this.title, this.submit),
      this.hint,
      this.message);
    this.source.addEventListener('change', () => this.renderHint());
    this.sources = [];
    show(this.el, false);
  }

  // The recordings a clip can come from: the one being made while live, and the playable ones.
  update(items) {
    this.sources = items.filter((r) => r.kind === 'RECORDING' && (r.status === 'RECORDING' || r.replayUrl));
    const chosen = this.source.value;
    fill(this.source, ...this.sources.slice().reverse().map((r) => h('option', {
      value: r.id,
      text: r.status === 'RECORDING' ? 'Live now (what is recorded so far)' : `Broadcast, ${formatDuration(r.durationMs)}`,
    })));
    if (this.sources.some((r) => r.id === chosen)) this.source.value = chosen;
    this.renderHint();
    show(this.el, this.sources.length > 0);
  }

  renderHint() {
    const r = this.sources.find((x) => x.id === this.source.value);
    this.hint.textContent = r?.status === 'RECORDING'
      ? 'Cut from what is already recorded of the live stream. Clips start on the key frame at or before the start, up to 5 minutes.'
      : 'Clips start on the key frame at or before the start, up to 5 minutes.';
  }

  async cut() {
    const start = parseClock(this.start.value);
    const seconds = Number(this.duration.value);
    if (!Number.isFinite(start) || start < 0) return this.say('The start is a time like 1:30.', true);
    if (!(seconds >= 1 && seconds <= MAX_CLIP_S)) return this.say(`A clip lasts 1 to ${MAX_CLIP_S} seconds.`, true);
    if (!this.title.value.trim()) return this.say('Give the clip a title.', true);
    this.submit.disabled = true;
    this.say('Cutting…');
    try {
      const clip = await api('POST', `/api/livestream/${encodeURIComponent(this.stream.id)}/clips`, {
        startMs: Math.round(start * 1000),
        durationMs: Math.round(seconds * 1000),
        title: this.title.value.trim(),
        recordingId: this.source.value,
      });
      fill(this.message, 'Clip ready: ',
        h('a', { href: clipPageUrl(this.stream.id, clip.id), target: '_blank', rel: 'noopener', class: 'clip-link', text: clip.title ?? 'open' }),
        ` (${formatDuration(clip.durationMs)}, from ${formatDuration(clip.clipStartMs ?? 0)})`);
      this.message.classList.remove('error');
      this.title.value = '';
      await this.onMade?.(clip);
    } catch (e) {
      this.say(e.message, true);
    } finally {
      this.submit.disabled = false;
    }
  }

  say(text, error = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', error);
  }
}
