// The Viewer (/watch/{id}): player, quality menu, live/offline/ended states, viewer count, chat,
// tips, a clear message when the fan may not watch, and the ticket checkout of a PAID stream.
import './trusted_types.js';  // first: before any other module runs
import { h, $, fill, show, formatDateTime, formatDuration } from './dom.js';
import { api, session, ApiError } from './api.js';
import { mountAccount, signInDialog } from './auth.js';
import { mountNotifyMe } from './notify_me.js';
import { Realtime } from './realtime.js';
import { ChatPanel } from './chat.js';
import { Player, levelLabel } from './player.js';
import { denial } from './access.js';
import { openTipDialog } from './tips.js';
import { openTicketDialog } from './tickets.js';
import { BehindLive } from './behind_live.js';

const streamId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const replayId = new URLSearchParams(location.search).get('recording');
const POLL_MS = 5000;
// After a ticket's payment: how often, and how long, to ask whether the webhook has landed.
const ACCESS_POLL_MS = 1000;
const ACCESS_WAIT_MS = 120000;

const ui = {
  screen: $('#screen'),
  notifyMe: $('#notify-me'),
  overlay: $('#overlay'),
  overlayTitle: $('#overlay-title'),
  overlayText: $('#overlay-text'),
  overlayActions: $('#overlay-actions'),
  title: $('#title'),
  status: $('#status'),
  viewers: $('#viewers'),
  uptime: $('#uptime'),
  behindLive: $('#behind-live'),
  qualityWrap: $('#quality-wrap'),
  realtimeWrap: $('#realtime-wrap'),
  realtime: $('#realtime'),
  quality: $('#quality'),
  unmute: $('#unmute'),
  tip: $('#tip'),
  description: $('#description'),
};

let stream = null;
let player = null;
let video = null;
let chat = null;
let realtime = null;
let retryTimer = null;
let hadAccess = null;  // the last access answer, to notice when a ticket lets the fan in
let accessTimer = null;
let ticketDialog = null;  // the checkout, closed by itself once the ticket admits the fan
// The measured latency of a live HLS player (hls.js), shown under the title.
const behindLive = new BehindLive(ui.behindLive, () => (state.replay ? null : player?.latency() ?? null));
// Exposed for tests and for debugging from the console: read-only state of the page.
const state = {
  phase: 'loading', reason: null, mode: null, replay: false,
  realtimeStats: () => player?.realtimeStats() ?? null,
  // What the "behind live" figure shows (seconds, null while hidden) and what the player measures.
  behindLive: () => behindLive.seconds,
  latency: () => player?.latency() ?? null,
};
globalThis.stagecastViewer = state;

function overlay(title, text = '', actions = [], reason = null) {
  ui.overlayTitle.textContent = title;
  ui.overlayText.textContent = text;
  fill(ui.overlayActions, ...actions);
  ui.overlay.dataset.reason = reason ?? '';
  show(ui.overlay, true);
}

function setPhase(phase, reason = null) {
  state.phase = phase;
  state.reason = reason;
  document.body.dataset.phase = phase;
}

async function openSignIn() {
  const user = await signInDialog({ intro: 'Sign in to chat, tip and watch members-only streams.' });
  return user;
}

// ---- status -------------------------------------------------------------------------------

function renderStream() {
  document.title = `${stream.title} · Stagecast`;
  if (ui.notifyMe.dataset.artistId !== stream.artistId) {
    ui.notifyMe.dataset.artistId = stream.artistId;
    mountNotifyMe(ui.notifyMe, stream.artistId, stream.artistName);
  }
  ui.title.textContent = stream.title;
  ui.description.textContent = stream.description ?? '';
  const status = stream.status;
  ui.status.textContent = status === 'LIVE' ? 'LIVE' : status === 'ENDED' ? (state.replay ? 'REPLAY' : 'ENDED') : 'OFFLINE';
  ui.status.className = `badge ${status === 'LIVE' ? 'live' : status === 'ENDED' ? 'ended' : ''}`;
  show(ui.tip, status === 'LIVE' && stream.access?.watch);
}

function applyStatus() {
  renderStream();
  if (!stream.access?.watch) {
    showDenied(stream.access?.reason);
    return;
  }
  switch (stream.status) {
    case 'LIVE':
      if (!player) startPlayer();
      break;
    case 'ENDED':
      // The replay plays once the stream has ended and its recording is ready (docs/web.md).
      if (stream.recordingUrl || replayId) {
        if (!player || !state.replay) {
          stopPlayer();
          startReplay();
        }
        break;
      }
      stopPlayer();
      setPhase('ended');
      overlay('This stream has ended', stream.endedAt ? `Ended ${formatDateTime(stream.endedAt)}. Thanks for watching!` : 'Thanks for watching!');
      break;
    default:
      stopPlayer();
      setPhase('offline');
      overlay('Offline', stream.scheduledAt
        ? `Starts ${formatDateTime(stream.scheduledAt)}. This page starts playing when the artist goes live.`
        : 'The artist is not live yet. This page starts playing when they go live.');
  }
}

// ENDED is final: an answer that left the server before the stream ended (a poll racing the
// stream_status event) must not bring the player back.
function staleAfterEnd(next) {
  return stream?.status === 'ENDED' && next.status !== 'ENDED';
}

async function reload() {
  try {
    const next = await api('GET', `/api/livestream/${encodeURIComponent(streamId)}`);
    if (staleAfterEnd(next)) return;
    stream = next;
  } catch (e) {
    if (e.status === 404) {
      stopPlayer();
      setPhase('denied', 'not_found');
      const d = denial('not_found');
      overlay(d.title, d.text, [h('a', { class: 'button', href: '/', text: 'See who is live' })], 'not_found');
      ui.status.textContent = '—';
      return;
    }
    // Transient: keep what is on screen, try again on the next poll.
    return;
  }
  const access = Boolean(stream.access?.watch);
  // Let in (a ticket's payment confirmed, a comp): the room refused this fan before, join again.
  if (hadAccess === false && access) {
    realtime?.restart();
    ticketDialog?.close();
  }
  hadAccess = access;
  applyStatus();
}

// The ticket is paid in the browser; the server admits the fan once the provider's webhook has
// arrived (usually within a second or two). Ask until it says so, then the page plays.
function awaitAccess() {
  clearTimeout(accessTimer);
  const until = Date.now() + ACCESS_WAIT_MS;
  const tick = async () => {
    await reload();
    if (!stream?.access?.watch && Date.now() < until) accessTimer = setTimeout(tick, ACCESS_POLL_MS);
  };
  tick();
}

async function buyTicket() {
  if (!session.token && !(await openSignIn())) return;
  if (!stream) return;
  ticketDialog = openTicketDialog({ streamId, stream, onPaid: awaitAccess });
  ticketDialog.addEventListener('close', () => { ticketDialog = null; });
}

// ---- access denied ------------------------------------------------------------------------

function showDenied(reason) {
  if (state.phase === 'denied' && state.reason === reason) return;  // polled again: unchanged
  stopPlayer(true);
  setPhase('denied', reason);
  // A signed-out visitor of a PAID stream is told what it costs; buying starts with signing in.
  const paid = stream?.visibility === 'PAID' && (reason === 'ticket_required' || reason === 'login_required');
  const d = denial(paid ? 'ticket_required' : reason, stream ?? {});
  const actions = [];
  if (d.action === 'signin' || (!session.token && reason !== 'banned')) {
    actions.push(h('button', { class: 'primary', type: 'button', text: 'Sign in', on: { click: openSignIn } }));
  }
  if (d.action === 'ticket' && stream?.status !== 'ENDED') {
    actions.push(h('button', { class: 'primary', type: 'button', id: 'buy-ticket', text: 'Buy a ticket', on: { click: buyTicket } }));
  }
  overlay(d.title, d.text, actions, reason);
  show(ui.tip, false);
}

// ---- player -------------------------------------------------------------------------------

function ensureVideo() {
  if (video) return video;
  // Created only once access is granted: a fan without access never gets a <video> at all.
  video = h('video', { controls: true, autoplay: true, muted: true, playsinline: true, 'aria-label': 'Live video' });
  video.muted = true;
  video.addEventListener('volumechange', () => show(ui.unmute, video.muted));
  ui.screen.prepend(video);
  return video;
}

// The recording asked for (?recording=, from the Studio) or the latest one with a replay.
async function replayPlayback() {
  const list = await api('GET', `/api/livestream/${encodeURIComponent(streamId)}/recordings`);
  const playable = list.items.filter((r) => r.replayUrl);
  const rec = replayId ? playable.find((r) => r.id === replayId)
    : playable.filter((r) => r.kind === 'RECORDING').pop();
  if (!rec) throw new ApiError(404, 'not_found', 'no replay yet');
  const token = new URL(rec.replayUrl).searchParams.get('token');
  return { url: rec.replayUrl, token, expiresAt: list.tokenExpiresAt ?? Math.floor(Date.now() / 1000) + 600 };
}

async function startReplay() {
  clearTimeout(retryTimer);
  state.replay = true;
  setPhase('starting');
  overlay('Starting the replay…', 'This stream has ended; its recording plays from the start.');
  ui.status.textContent = 'REPLAY';
  await launch(replayPlayback, 'replay', () => {
    setPhase('ended');
    overlay('The replay cannot be played right now', 'Trying again shortly.');
    retryTimer = setTimeout(reload, 4000);
  }, () => {
    setPhase('ended');
    overlay('This stream has ended', 'Its replay is not ready yet.');
    retryTimer = setTimeout(reload, 4000);
  });
}

async function startPlayer() {
  state.replay = false;
  clearTimeout(retryTimer);
  setPhase('starting');
  overlay('Starting…', 'Joining the live stream.');
  await launch(() => api('POST', `/api/livestream/${encodeURIComponent(streamId)}/playback`), 'playing', (kind) => {
    if (kind === 'unsupported') {
      setPhase('error', kind);
      overlay('This browser cannot play the stream', 'Try a current version of Chrome, Firefox, Edge or Safari.');
      return;
    }
    setPhase('reconnecting', kind);
    overlay('Reconnecting…', 'The stream was interrupted.');
    retryTimer = setTimeout(reload, 2500);
  }, (e) => {
    setPhase('reconnecting', e.code ?? 'error');
    overlay('Cannot start playback', e.message);
    retryTimer = setTimeout(reload, 4000);
  });
}

// One player for live and replay: `playing` is the phase once the video plays; a fatal error
// (after playback began) and a failure to start (other than a refusal) are the caller's to show.
// Real-time (WHEP) first where the server offers and prefers it (webrtc.viewer_default), unless
// the fan turned it off; the fan's choice is kept for the session. ?player= overrides both until
// the switch is used.
const REALTIME_KEY = 'stagecast.realtime';
let realtimeChosen = null;
function preferredPlayer() {
  if (realtimeChosen !== null) return realtimeChosen ? 'webrtc' : 'hls';
  const asked = new URLSearchParams(location.search).get('player');
  if (asked) return asked;
  const kept = sessionStorage.getItem(REALTIME_KEY);
  return kept === '1' ? 'webrtc' : kept === '0' ? 'hls' : 'auto';
}

async function launch(getPlayback, playing, onFatal, onStartFailure) {
  const v = ensureVideo();
  const mine = new Player(v, {
    prefer: state.replay ? 'auto' : preferredPlayer(),
    getPlayback,
    onLevels: renderLevels,
    onPlaying: () => {
      if (player !== mine) return;
      setPhase(playing);
      show(ui.overlay, false);
      show(ui.unmute, v.muted);
      behindLive.start();
    },
    onFatal: (kind) => {
      if (player !== mine) return;
      stopPlayer();
      onFatal(kind);
    },
  });
  player = mine;
  try {
    await mine.start();
    if (player !== mine) return;  // stopped meanwhile (the stream ended, another identity)
    state.mode = player.mode;
    // The switch is offered only where the server offers WHEP (live, not a replay).
    show(ui.realtimeWrap, Boolean(player?.realtimeAvailable) && !state.replay);
    ui.realtime.checked = state.mode === 'webrtc';
  } catch (e) {
    if (player !== mine) return;
    stopPlayer();
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      showDenied(e.code);
    } else {
      onStartFailure(e);
    }
  }
}

function stopPlayer(removeVideo = false) {
  clearTimeout(retryTimer);
  player?.stop();
  player = null;
  behindLive.stop();
  show(ui.qualityWrap, false);
  show(ui.realtimeWrap, false);
  show(ui.unmute, false);
  if (removeVideo && video) {
    video.remove();
    video = null;
  }
}

function renderLevels(levels, selected, playing) {
  if (!levels.length) {
    show(ui.qualityWrap, false);
    return;
  }
  const sorted = [...levels].sort((a, b) => b.height - a.height || b.bitrate - a.bitrate);
  const current = levels.find((l) => l.index === playing);
  const options = [h('option', { value: '-1', text: current && selected === -1 ? `Auto (${levelLabel(current, levels)})` : 'Auto' })];
  for (const l of sorted) options.push(h('option', { value: String(l.index), text: levelLabel(l, levels) }));
  fill(ui.quality, ...options);
  ui.quality.value = String(selected);
  show(ui.qualityWrap, true);
}

ui.quality.addEventListener('change', () => player?.setLevel(Number(ui.quality.value)));
ui.realtime.addEventListener('change', () => {
  realtimeChosen = ui.realtime.checked;
  sessionStorage.setItem(REALTIME_KEY, realtimeChosen ? '1' : '0');
  stopPlayer();
  startPlayer();
});
ui.unmute.addEventListener('click', () => {
  if (!video) return;
  video.muted = false;
  video.play().catch(() => {});
});
ui.tip.addEventListener('click', async () => {
  if (!session.token && !(await openSignIn())) return;
  openTipDialog({ streamId, currency: stream?.currency ?? 'USD' });
});

// ---- realtime -----------------------------------------------------------------------------

function setViewers(count) {
  if (typeof count !== 'number') return;
  ui.viewers.textContent = `${count} watching`;
  show(ui.viewers, true);
  chat.setViewers(null);
}

function tickUptime() {
  if (stream?.status === 'LIVE' && stream.startedAt) {
    ui.uptime.textContent = `live for ${formatDuration(Date.now() - stream.startedAt)}`;
    show(ui.uptime, true);
  } else {
    show(ui.uptime, false);
  }
}

function startRealtime() {
  chat = new ChatPanel($('#chat'), { moderation: 'auto', onSignInRequested: openSignIn });
  realtime = new Realtime({ streamId, getToken: () => session.token });
  chat.attach(realtime);
  realtime
    .on('joined', (e) => setViewers(e.viewers))
    .on('viewers', (e) => setViewers(e.count))
    .on('stream_status', (e) => {
      if (!stream || staleAfterEnd(e)) return;
      Object.assign(stream, { status: e.status, startedAt: e.startedAt, endedAt: e.endedAt });
      applyStatus();
    });
  realtime.connect();
}

// ---- start --------------------------------------------------------------------------------

mountAccount($('#account'), { onSignInRequested: openSignIn });
session.onChange(() => {
  // Access and chat rights follow the account: look again with the new identity.
  hadAccess = null;
  stopPlayer(true);
  realtime?.restart();
  reload();
});
startRealtime();
reload();
setInterval(reload, POLL_MS);
setInterval(tickUptime, 1000);
