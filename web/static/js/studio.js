// The Studio (/studio): sign in, create and edit streams, connect the encoder (RTMP URL, stream
// key, OBS advice) or go live from the browser (WHIP), watch stream health and live analytics,
// moderate chat, end the stream.
import './trusted_types.js';  // first: before any other module runs
import { h, $, fill, show } from './dom.js';
import { api, session, refreshMe } from './api.js';
import { mountAccount, signInForm, signInDialog } from './auth.js';
import { Realtime } from './realtime.js';
import { ChatPanel } from './chat.js';
import { Player } from './player.js';
import { renderEditor } from './studio_editor.js';
import { RecordingsPanel } from './studio_recordings.js';
import { renderConnect } from './studio_connect.js';
import { HealthPanel, AnalyticsPanel } from './studio_health.js';
import { GoLivePanel } from './studio_golive.js';
import { renderOnboarding } from './studio_onboarding.js';
import { AnalyticsCharts, MyStreams } from './studio_analytics.js';

const HEALTH_MS = 2000;
const STREAM_MS = 5000;

// Stream keys seen during this visit (returned at creation or rotation only): memory, never storage.
const keys = new Map();
let me = null;
let streams = [];
let current = null;  // { stream, realtime, chat, health, analytics, timers, player }

const ui = {
  signin: $('#signin-panel'),
  verify: $('#verify-panel'),
  streamsPanel: $('#streams-panel'),
  list: $('#stream-list'),
  none: $('#no-streams'),
  workspace: $('#workspace'),
  control: $('#control'),
  golive: $('#golive'),
  editor: $('#editor'),
  connect: $('#connect'),
  health: $('#health'),
  analytics: $('#analytics'),
  recordings: $('#recordings'),
  chatColumn: $('#chat-column'),
  chat: $('#chat'),
};

// Lives across stream selections: publishing from this browser must not stop because the
// artist looked at another stream without agreeing to it.
const golive = new GoLivePanel(ui.golive, { getToken: () => session.token });
// Analytics over time and past streams (studio_analytics.js, docs/analytics.md).
const charts = new AnalyticsCharts($('#analytics-charts'));
const myStreams = new MyStreams($('#my-streams-panel'), { onPick: (id) => select(id) });

const STATUS_ORDER = { LIVE: 0, CREATED: 1, SCHEDULED: 1, ENDED: 2 };

function badge(status) {
  return h('span', { class: `badge ${status === 'LIVE' ? 'live' : status === 'ENDED' ? 'ended' : ''}`, text: status === 'LIVE' ? 'LIVE' : status === 'ENDED' ? 'ENDED' : status === 'SCHEDULED' ? 'SCHEDULED' : 'READY' });
}

// ---- session ------------------------------------------------------------------------------

async function boot() {
  closeCurrent();
  golive.close();  // signed in as someone else, or out
  if (!session.token) {
    fill(ui.signin, signInForm({ role: 'ARTIST', intro: 'Sign in with your artist account to manage your streams.', onDone: () => {} }));
    show(ui.signin, true);
    for (const el of [ui.verify, ui.streamsPanel, ui.workspace, ui.chatColumn]) show(el, false);
    return;
  }
  show(ui.signin, false);
  try {
    me = await refreshMe();
  } catch {
    return;  // a rejected token clears the session, which boots again
  }
  renderOnboarding(ui.verify, me, { onChanged: () => boot() });
  // A fan has no streams to manage: the onboarding panel is what the Studio offers them.
  show(ui.streamsPanel, me.role !== 'FAN');
  if (me.role === 'FAN') {
    show(ui.workspace, false);
    show(ui.chatColumn, false);
    return;
  }
  await loadStreams();
  myStreams.load(me.id);
  const wanted = new URLSearchParams(location.hash.slice(1)).get('stream');
  const pick = streams.find((s) => s.id === wanted) ?? streams.find((s) => s.status !== 'ENDED');
  select(pick ? pick.id : null);
}

async function loadStreams() {
  try {
    const page = await api('GET', `/api/livestream?artistId=${encodeURIComponent(me.id)}&limit=100`);
    streams = page.items.sort((a, b) => (STATUS_ORDER[a.status] - STATUS_ORDER[b.status]) || b.createdAt - a.createdAt);
  } catch {
    streams = [];
  }
  renderList();
}

function renderList() {
  fill(ui.list, ...streams.map((s) => h('li', {},
    h('button', {
      type: 'button', 'aria-current': String(current?.stream?.id === s.id), dataset: { streamId: s.id },
      on: { click: () => select(s.id) },
    }, h('span', { class: 'title', text: s.title }), badge(s.status)))));
  show(ui.none, streams.length === 0);
}

// ---- selection ----------------------------------------------------------------------------

function closeCurrent() {
  charts.close();
  if (!current) return;
  for (const t of current.timers) clearInterval(t);
  current.realtime?.close();
  current.player?.stop();
  current = null;
}

async function select(id) {
  if (golive.active && golive.streamId !== id) {
    const title = streams.find((s) => s.id === golive.streamId)?.title ?? 'another stream';
    if (!confirm(`You are live from this browser on “${title}”. Stop going live and switch?`)) return;
  }
  if (golive.streamId !== id) golive.close();
  closeCurrent();
  show(ui.workspace, true);
  history.replaceState(null, '', id ? `#stream=${encodeURIComponent(id)}` : location.pathname);
  if (!id) {
    current = { stream: null, timers: [] };
    ui.workspace.dataset.live = 'false';
    for (const el of [ui.control, ui.connect, ui.health, ui.analytics, ui.recordings, ui.chatColumn]) show(el, false);
    renderEditor(ui.editor, null, { onSaved: onCreated, recording: streams.some((s) => 'record' in s) });
    renderList();
    return;
  }
  let stream;
  try {
    stream = await api('GET', `/api/livestream/${encodeURIComponent(id)}`);
  } catch (e) {
    fill(ui.editor, h('p', { class: 'error', text: e.message }));
    return;
  }
  current = { stream, timers: [] };
  renderList();
  renderControl();
  renderEditor(ui.editor, stream, {
    onSaved: (s) => { Object.assign(current.stream, s); renderControl(); loadStreams(); },
    onDeleted: async () => { await loadStreams(); select(null); },
    recording: 'record' in stream,
  });
  // Recordings (docs/recording.md): listed while the server records or has recordings.
  current.recordings = new RecordingsPanel(ui.recordings, stream);
  current.recordings.refresh();
  current.timers.push(setInterval(() => current?.recordings?.refresh(), STREAM_MS));
  renderConnect(ui.connect, stream, keys);
  show(ui.connect, true);
  golive.render(stream, me);

  current.health = new HealthPanel(ui.health);
  current.analytics = new AnalyticsPanel(ui.analytics);
  current.analytics.stream(stream);
  show(ui.health, stream.status !== 'ENDED');
  show(ui.analytics, true);
  charts.open(stream);
  startChat(stream);
  if (stream.status !== 'ENDED') pollHealth();
  current.timers.push(setInterval(pollHealth, HEALTH_MS), setInterval(pollStream, STREAM_MS));
}

function onCreated(stream, created) {
  if (created && stream.streamKey) keys.set(stream.id, stream.streamKey);
  loadStreams().then(() => select(stream.id));
}

function renderControl() {
  const s = current.stream;
  ui.workspace.dataset.live = String(s.status === 'LIVE');
  const endButton = h('button', { class: 'danger', type: 'button', id: 'end-stream', text: 'End stream', disabled: s.status === 'ENDED' });
  endButton.addEventListener('click', async () => {
    if (!confirm(`End "${s.title}" now? Viewers see that it has ended and your encoder is disconnected.`)) return;
    endButton.disabled = true;
    try {
      const ended = await api('POST', `/api/livestream/${encodeURIComponent(s.id)}/end`);
      Object.assign(s, ended);
      golive.update(s);
      renderControl();
      show(ui.health, false);
      loadStreams();
    } catch (e) {
      alert(e.message);
      endButton.disabled = false;
    }
  });
  const previewBox = h('div', { class: 'screen preview', hidden: true });
  const previewButton = h('button', { type: 'button', text: 'Preview', disabled: s.status !== 'LIVE' });
  previewButton.addEventListener('click', () => togglePreview(previewBox, previewButton));
  fill(ui.control,
    h('div', { class: 'row' },
      h('h2', { class: 'grow', text: s.title }), badge(s.status)),
    h('div', { class: 'row' },
      h('a', { class: 'button', href: `/watch/${encodeURIComponent(s.id)}`, target: '_blank', rel: 'noopener', text: 'Open viewer page' }),
      previewButton,
      s.status === 'ENDED' ? null : endButton),
    previewBox);
  show(ui.control, true);
}

function togglePreview(box, button) {
  if (current.player) {
    current.player.stop();
    current.player = null;
    box.replaceChildren();
    show(box, false);
    button.textContent = 'Preview';
    return;
  }
  const video = h('video', { controls: true, muted: true, autoplay: true, playsinline: true });
  box.append(video);
  show(box, true);
  button.textContent = 'Stop preview';
  const id = current.stream.id;
  current.player = new Player(video, { getPlayback: () => api('POST', `/api/livestream/${encodeURIComponent(id)}/playback`) });
  current.player.start().catch(() => {});
}

function startChat(stream) {
  show(ui.chatColumn, true);
  const chat = new ChatPanel(ui.chat, { moderation: true });
  const realtime = new Realtime({ streamId: stream.id, getToken: () => session.token });
  chat.attach(realtime);
  const count = () => current?.analytics?.messages(chat.receivedCount);
  realtime
    .on('joined', (e) => { current?.analytics?.viewers(e.viewers ?? 0); count(); })
    .on('chat', count)
    .on('tip', () => { count(); pollStream(); })
    .on('viewers', (e) => current?.analytics?.viewers(e.count))
    .on('stream_status', () => pollStream())
    .on('analytics', (e) => charts.live(e.analytics));
  realtime.connect();
  Object.assign(current, { chat, realtime });
}

async function pollHealth() {
  const c = current;
  if (!c?.stream || c.stream.status === 'ENDED') return;
  try {
    const health = await api('GET', `/api/livestream/${encodeURIComponent(c.stream.id)}/health`);
    if (c === current) c.health.update(health);
  } catch {
    // Shown as no signal on the next successful poll; nothing to do now.
  }
}

async function pollStream() {
  const c = current;
  if (!c?.stream) return;
  try {
    const s = await api('GET', `/api/livestream/${encodeURIComponent(c.stream.id)}`);
    // ENDED is final: an answer that left before the owner ended the stream is stale.
    if (c !== current || (c.stream.status === 'ENDED' && s.status !== 'ENDED')) return;
    const changed = s.status !== c.stream.status;
    Object.assign(c.stream, s);
    c.analytics.stream(s);
    golive.update(s);
    if (changed) {
      renderControl();
      show(ui.health, s.status !== 'ENDED');
      loadStreams();
      charts.open(s);  // the summary once it ended
      if (s.status === 'ENDED') myStreams.load(me.id);
    }
  } catch {
    // Try again on the next tick.
  }
}

// ---- start --------------------------------------------------------------------------------

$('#new-stream').addEventListener('click', () => select(null));
mountAccount($('#account'), { onSignInRequested: () => signInDialog({ role: 'ARTIST' }) });
session.onChange(() => boot());
boot();
