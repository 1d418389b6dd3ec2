// A clip's own page (/clips/{stream}/{clip}, docs/web.md, docs/recording.md): the clip plays with
// the same player as the Viewer (hls.js, or the browser's own HLS), from its own objects, under
// the stream's access policy (a subscribers-only stream's clip stays so); its MP4 downloads.
import './trusted_types.js';  // first: before any other module runs
import { h, $, fill, show, formatDateTime, formatDuration } from './dom.js';
import { api } from './api.js';
import { mountAccount, signInDialog } from './auth.js';
import { Player } from './player.js';
import { denial } from './access.js';
import { formatBytes } from './studio_recordings.js';

const [, , streamId = '', clipId = ''] = location.pathname.split('/').map(decodeURIComponent);
const ui = {
  screen: $('#screen'),
  overlay: $('#overlay'),
  overlayTitle: $('#overlay-title'),
  overlayText: $('#overlay-text'),
  overlayActions: $('#overlay-actions'),
  title: $('#title'),
  facts: $('#facts'),
  unmute: $('#unmute'),
  download: $('#download'),
  streamLink: $('#stream-link'),
};
// Read-only state for tests and the console.
const state = { phase: 'loading', reason: null };
globalThis.stagecastClip = state;
let player = null;

function overlay(title, text = '', actions = [], reason = null) {
  ui.overlayTitle.textContent = title;
  ui.overlayText.textContent = text;
  fill(ui.overlayActions, ...actions);
  show(ui.overlay, true);
  state.reason = reason;
}

function setPhase(phase) {
  state.phase = phase;
  document.body.dataset.phase = phase;
}

async function findClip() {
  const list = await api('GET', `/api/livestream/${encodeURIComponent(streamId)}/recordings`);
  const clip = list.items.find((r) => r.id === clipId && r.kind === 'CLIP');
  return { clip, list };
}

async function load() {
  let stream;
  let found;
  try {
    stream = await api('GET', `/api/livestream/${encodeURIComponent(streamId)}`);
    found = await findClip();
  } catch (e) {
    setPhase('error');
    overlay(e.status === 404 ? 'This clip does not exist' : 'The clip cannot be loaded', e.status === 404 ? 'It may have been deleted.' : e.message,
      [h('a', { class: 'button', href: '/', text: 'See who is live' })], e.code ?? 'error');
    return;
  }
  const { clip, list } = found;
  ui.streamLink.href = `/watch/${encodeURIComponent(streamId)}`;
  show(ui.streamLink, true);
  if (!clip) {
    setPhase('error');
    ui.title.textContent = stream.title ?? '';
    overlay('This clip does not exist', 'It may have been deleted.', [], 'not_found');
    return;
  }
  ui.title.textContent = clip.title || 'Clip';
  document.title = `${clip.title || 'Clip'} · Stagecast`;
  ui.facts.textContent = `${formatDuration(clip.durationMs)} · ${formatBytes(clip.bytes)} · from “${stream.title ?? ''}”, cut ${formatDateTime(clip.startedAt)}`;
  if (!clip.replayUrl) {
    // Not allowed to watch (a subscribers-only or paid stream): say why, as the Viewer does.
    setPhase('denied');
    const reason = list.access?.reason ?? stream.access?.reason ?? 'forbidden';
    const d = denial(reason, stream);
    const actions = d.action === 'signin' ? [h('button', { class: 'primary', type: 'button', text: 'Sign in', on: { click: signIn } })] : [];
    overlay(d.title, d.text, actions, reason);
    return;
  }
  if (clip.downloadUrl) {
    ui.download.href = clip.downloadUrl;
    ui.download.setAttribute('download', `${clip.title || 'clip'}.mp4`);
    show(ui.download, true);
  }
  play(clip, list);
}

function play(clip, list) {
  setPhase('starting');
  overlay('Starting the clip…');
  const video = h('video', { playsinline: '', controls: '' });
  video.addEventListener('volumechange', () => show(ui.unmute, video.muted));
  ui.screen.prepend(video);
  ui.unmute.addEventListener('click', () => { video.muted = false; });
  let first = { clip, list };
  player = new Player(video, {
    getPlayback: async () => {
      // The token in the clip's URL expires: a fresh list brings a fresh one.
      const { clip: c, list: l } = first ?? await findClip();
      first = null;
      if (!c?.replayUrl) throw new Error('the clip is no longer available');
      return { url: c.replayUrl, token: new URL(c.replayUrl).searchParams.get('token'), expiresAt: l.tokenExpiresAt ?? Math.floor(Date.now() / 1000) + 600 };
    },
    onPlaying: () => {
      setPhase('playing');
      show(ui.overlay, false);
      show(ui.unmute, video.muted);
    },
    onFatal: () => {
      setPhase('error');
      overlay('The clip cannot be played right now', 'Try again in a moment.', [h('button', { type: 'button', text: 'Try again', on: { click: () => location.reload() } })], 'unavailable');
    },
  });
  player.start().catch((e) => {
    setPhase('error');
    overlay('The clip cannot be played', e.message, [], 'error');
  });
}

async function signIn() {
  if (await signInDialog()) location.reload();
}

mountAccount($('#account'), { onSignInRequested: signIn });
load();
