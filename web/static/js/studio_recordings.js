// The Studio's recordings of a stream (docs/web.md, docs/recording.md): each recording or clip
// with its state, duration and size, gaps when some of it was lost, Play (the Viewer), Download
// (the MP4) and Delete (the recording and its objects). Polled while a recording is being made.
import { h, fill, show, formatDateTime, formatDuration } from './dom.js';
import { api } from './api.js';
import { ClipForm, clipPageUrl } from './studio_clips.js';

const STATUS_TEXT = {
  RECORDING: 'Recording…',
  FINALIZING: 'Finishing…',
  READY: 'Ready',
  PARTIAL: 'Partial',
  FAILED: 'Failed',
};

export function formatBytes(n) {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} kB`;
  return `${n} B`;
}

export class RecordingsPanel {
  constructor(el, stream) {
    this.el = el;
    this.stream = stream;
    this.items = [];
    this.error = '';
    // Built once: the form keeps what is typed in it across refreshes.
    this.clipForm = new ClipForm(stream, { onMade: () => this.refresh() });
    this.errorEl = h('p', { class: 'error', role: 'alert', hidden: true });
    this.listEl = h('div');
    fill(this.el, h('h2', { text: 'Recordings' }), this.errorEl, this.clipForm.el, this.listEl);
  }

  async refresh() {
    try {
      const list = await api('GET', `/api/livestream/${encodeURIComponent(this.stream.id)}/recordings`);
      this.items = list.items;
      this.error = '';
    } catch (e) {
      this.error = e.message;
    }
    this.render();
    return this.items.some((r) => r.status === 'RECORDING' || r.status === 'FINALIZING');
  }

  render() {
    const rows = this.items.slice().reverse().map((r) => this.row(r));
    this.errorEl.textContent = this.error;
    show(this.errorEl, Boolean(this.error));
    this.clipForm.update(this.items);
    fill(this.listEl,
      rows.length
        ? h('ul', { class: 'recording-list' }, ...rows)
        : h('p', { class: 'muted small', text: 'No recordings yet. With “Record for replay” on, each broadcast is kept and can be replayed once it ends.' }));
    show(this.el, true);
  }

  row(r) {
    const when = formatDateTime(r.startedAt);
    const facts = [STATUS_TEXT[r.status] ?? r.status, formatDuration(r.durationMs), formatBytes(r.bytes)];
    const gaps = r.gaps.length
      ? h('p', { class: 'muted small', text: `Missing: ${r.gaps.map((g) => `${g.rendition} ${formatDuration(g.startMs)} for ${formatDuration(g.durationMs)}`).join(', ')}` })
      : null;
    const href = r.kind === 'CLIP' ? clipPageUrl(this.stream.id, r.id)
      : `/watch/${encodeURIComponent(this.stream.id)}?recording=${encodeURIComponent(r.id)}`;
    const play = r.replayUrl || r.kind === 'CLIP'
      ? h('a', { class: 'button small', href, target: '_blank', rel: 'noopener', text: r.kind === 'CLIP' ? 'Clip page' : 'Play' })
      : null;
    const download = r.downloadUrl
      ? h('a', { class: 'button small', href: r.downloadUrl, download: `${this.stream.title || 'recording'}.mp4`, text: 'Download MP4' })
      : null;
    const finished = ['READY', 'PARTIAL', 'FAILED'].includes(r.status);
    const del = finished
      ? h('button', { class: 'danger small', type: 'button', text: 'Delete', on: { click: () => this.remove(r) } })
      : null;
    return h('li', { class: 'recording', 'data-status': r.status, 'data-id': r.id },
      h('div', { class: 'row' },
        h('strong', { class: 'grow', text: r.kind === 'CLIP' ? `Clip: ${r.title ?? ''}` : `Broadcast of ${when}` }),
        h('span', { class: `badge ${r.status.toLowerCase()}`, text: facts[0] })),
      h('p', { class: 'muted small', text: `${facts[1]} · ${facts[2]}${r.error ? ` · ${r.error}` : ''}` }),
      gaps,
      h('div', { class: 'row' }, play, download, del));
  }

  async remove(r) {
    if (!confirm('Delete this recording? Its video files are removed too; this cannot be undone.')) return;
    try {
      await api('DELETE', `/api/livestream/${encodeURIComponent(this.stream.id)}/recordings/${encodeURIComponent(r.id)}`);
    } catch (e) {
      this.error = e.message;
    }
    await this.refresh();
  }
}
