// The Studio's analytics (docs/analytics.md, docs/web.md): for the selected stream, its figures
// (live, then the summary once it ended) and charts of viewers, chat and tips per bucket (a
// minute) drawn with uPlot (pinned in web/package.json, embedded and served from
// /static/vendor/uplot/ like hls.js, loaded only here); a CSV export; and "My streams", the
// artist's past streams with their figures.
import { h, fill, show, formatMoney, formatDuration, formatDateTime, formatTime } from './dom.js';
import { api, session } from './api.js';

let uplotLoading = null;

function vendorBase() {
  return document.querySelector('meta[name="stagecast-uplot"]')?.content ?? null;
}

function loadUplot() {
  if (globalThis.uPlot) return Promise.resolve(globalThis.uPlot);
  if (!uplotLoading) {
    uplotLoading = new Promise((resolve, reject) => {
      const base = vendorBase();
      if (!base) { reject(new Error('charts are not available')); return; }
      document.head.append(h('link', { rel: 'stylesheet', href: `${base}uPlot.min.css` }));
      const script = document.createElement('script');
      script.src = `${base}uPlot.iife.min.js`;
      script.onload = () => (globalThis.uPlot ? resolve(globalThis.uPlot) : reject(new Error('uPlot did not load')));
      script.onerror = () => { uplotLoading = null; reject(new Error('charts could not be loaded')); };
      document.head.append(script);
    });
  }
  return uplotLoading;
}

const money = (cents, currency) => formatMoney(cents, (currency ?? 'usd').toUpperCase());

// The figures of a stream, in display order: [key, label, text].
function figureList(f) {
  const live = !f.final;
  return [
    live ? ['viewersNow', 'Watching now', String(f.viewersNow)] : null,
    ['peakViewers', 'Peak viewers', String(f.peakViewers)],
    ['peakAt', 'Peak at', f.peakAt ? formatTime(f.peakAt) : '—'],
    ['uniqueViewers', 'Unique viewers', String(f.uniqueViewers)],
    ['watchTimeMs', 'Watch time', formatDuration(f.watchTimeMs)],
    ['averageWatchTimeMs', 'Average watch', formatDuration(f.averageWatchTimeMs)],
    ['chatters', 'Chatters', String(f.chatters)],
    ['messages', 'Messages', String(f.messages)],
    ['tipsCount', 'Tips', String(f.tips.count)],
    ['tipsGross', 'Tips gross', money(f.tips.grossCents, f.tips.currency)],
    ['tipsFee', 'Platform fee', money(f.tips.feeCents, f.tips.currency)],
    ['tipsNet', 'Tips net', money(f.tips.netCents, f.tips.currency)],
    ['newSubscribers', 'New subscribers', String(f.newSubscribers)],
  ].filter(Boolean);
}

function statList(f) {
  return h('dl', { class: 'stats', id: 'analytics-summary' },
    figureList(f).map(([key, label, text]) => h('div', {}, h('dt', { text: label }), h('dd', { text, dataset: { figure: key } }))));
}

// Downloads the CSV with the session's token (a plain link would carry no Authorization).
async function downloadCsv(streamId, button) {
  button.disabled = true;
  try {
    const res = await fetch(`/api/livestream/${encodeURIComponent(streamId)}/analytics.csv`, {
      headers: { authorization: `Bearer ${session.token}` }, cache: 'no-store',
    });
    if (!res.ok) throw new Error(`export failed (${res.status})`);
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: `stream-${streamId}-analytics.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    alert(e.message);
  } finally {
    button.disabled = false;
  }
}

const CHARTS = [
  { key: 'viewers', title: 'Viewers', label: 'viewers', stroke: '#6ea8fe', value: (b) => b.viewers },
  { key: 'messages', title: 'Chat messages', label: 'messages', stroke: '#75d99a', value: (b) => b.messages },
  { key: 'tips', title: 'Tips', label: 'tips ($)', stroke: '#f5c26b', value: (b) => b.tipsCents / 100 },
];

export class AnalyticsCharts {
  constructor(el) {
    this.el = el;
    this.streamId = null;
    this.plots = [];
    this.figures = null;
    this.serial = 0;
    globalThis.stagecastAnalytics = { points: () => this.points() };
  }

  // Points drawn in the viewers chart (one per bucket).
  points() {
    return this.plots[0]?.data?.[0]?.length ?? 0;
  }

  close() {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    this.streamId = null;
    this.figures = null;
    show(this.el, false);
  }

  async open(stream) {
    this.close();
    this.streamId = stream.id;
    const serial = ++this.serial;
    if (stream.status === 'CREATED' || stream.status === 'SCHEDULED') return;  // nothing yet
    try {
      const figures = await api('GET', `/api/livestream/${encodeURIComponent(stream.id)}/analytics`);
      if (serial !== this.serial) return;
      await this.render(figures);
    } catch (e) {
      if (serial !== this.serial) return;
      fill(this.el, h('h2', { text: 'Analytics' }), h('p', { class: 'error', role: 'alert', text: e.message }));
      show(this.el, true);
    }
  }

  // The owner's live figures from the WebSocket (`analytics` event).
  live(figures) {
    if (figures?.streamId !== this.streamId) return;
    this.render(figures).catch(() => {});
  }

  async render(f) {
    this.figures = f;
    const heading = f.final ? `Summary · ended ${formatDateTime(f.endedAt)}` : 'Live analytics over time';
    const csv = h('button', { type: 'button', class: 'small', id: 'analytics-csv', text: 'Export CSV' });
    csv.addEventListener('click', () => downloadCsv(f.streamId, csv));
    const boxes = CHARTS.map((c) => h('figure', { class: 'analytics-chart', dataset: { chart: c.key } }, h('figcaption', { class: 'muted small', text: c.title })));
    const minutes = f.bucketMs === 60000 ? 'a minute' : `${Math.round(f.bucketMs / 1000)} s`;
    fill(this.el,
      h('div', { class: 'row' }, h('h2', { class: 'grow', text: heading }), csv),
      statList(f),
      h('p', { class: 'muted small', text: `One point per ${minutes}: the most people watching at once, messages and tips in it.` }),
      ...boxes);
    show(this.el, true);
    const uPlot = await loadUplot();
    for (const p of this.plots) p.destroy();
    const x = f.series.map((b) => b.at / 1000);
    const width = Math.max(260, this.el.clientWidth - 24);
    this.plots = CHARTS.map((c, i) => new uPlot({
      width, height: 140,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      series: [{}, { label: c.label, stroke: c.stroke, width: 2, fill: `${c.stroke}33`, points: { show: true, size: 5 } }],
      axes: [{ stroke: '#9aa4b2', grid: { stroke: '#2a3140' } }, { stroke: '#9aa4b2', grid: { stroke: '#2a3140' }, size: 44 }],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
    }, [x, f.series.map(c.value)], boxes[i]));
  }
}

// "My streams": the artist's past streams, newest first, with their figures.
export class MyStreams {
  constructor(el, { onPick }) {
    this.el = el;
    this.onPick = onPick;
  }

  async load(artistId) {
    let items = [];
    try {
      const page = await api('GET', `/api/livestream?artistId=${encodeURIComponent(artistId)}&status=ENDED&limit=20`);
      items = page.items.filter((s) => s.startedAt).sort((a, b) => b.startedAt - a.startedAt);
    } catch {
      show(this.el, false);
      return;
    }
    const figures = await Promise.all(items.map((s) =>
      api('GET', `/api/livestream/${encodeURIComponent(s.id)}/analytics`).catch(() => null)));
    const rows = items.map((s, i) => {
      const f = figures[i];
      const facts = [formatDateTime(s.startedAt), s.endedAt ? formatDuration(s.endedAt - s.startedAt) : null];
      if (f) {
        facts.push(`${f.uniqueViewers} viewers`, `peak ${f.peakViewers}`, `${formatDuration(f.watchTimeMs)} watched`,
          `${f.messages} messages`, `${money(f.tips.netCents, f.tips.currency)} in tips`);
      }
      return h('li', {},
        h('button', { type: 'button', dataset: { analyticsStream: s.id }, on: { click: () => this.onPick(s.id) } },
          h('span', { class: 'title', text: s.title }),
          h('span', { class: 'muted small', text: facts.filter(Boolean).join(' · ') })));
    });
    fill(this.el,
      h('h2', { text: 'My streams' }),
      rows.length
        ? h('ul', { class: 'stream-list past-streams', id: 'my-streams' }, ...rows)
        : h('p', { class: 'muted small', text: 'Streams you have ended appear here with their figures.' }));
    show(this.el, true);
  }
}
