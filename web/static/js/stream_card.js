// A stream's card (docs/web.md, "Stream cards"): its live picture, title, the artist's name
// (linking to the artist page), the viewer count and how long it has been live, or when it is
// due. Used by the home page's "Live now" and the artist page; reusable by any list of streams
// from GET /api/livestream (the objects carry thumbnailUrl, artistName, viewers, startedAt).
//
// Pictures: a PUBLIC stream's thumbnail is a plain <img> (cacheable, 5 s). A members-only one is
// fetched with the session's token (the thumbnail answers only to who may watch) and shown from
// a blob: URL. A stream without a picture yet shows a placeholder.
import { h, formatDateTime, formatDuration } from './dom.js';
import { session } from './api.js';

const blobUrls = new Map();  // card element -> object URL, revoked on replacement

async function privatePicture(img, url) {
  try {
    const res = await fetch(url, { headers: session.token ? { authorization: `Bearer ${session.token}` } : {} });
    if (!res.ok) return;
    const blob = await res.blob();
    const old = blobUrls.get(img);
    const objectUrl = URL.createObjectURL(blob);
    blobUrls.set(img, objectUrl);
    img.src = objectUrl;
    if (old) URL.revokeObjectURL(old);
  } catch {
    // The placeholder stays.
  }
}

export function streamPicture(s) {
  const box = h('div', { class: 'thumb' });
  if (s.thumbnailUrl && s.access?.watch !== false) {
    const img = h('img', { alt: '', loading: 'lazy', decoding: 'async', width: '480', height: '270' });
    if (s.visibility === 'PUBLIC') img.src = s.thumbnailUrl;
    else privatePicture(img, s.thumbnailUrl);
    box.append(img);
  } else {
    box.classList.add('placeholder');
    box.append(h('span', { text: s.status === 'LIVE' ? 'Live' : s.status === 'ENDED' ? 'Ended' : 'Soon' }));
  }
  return box;
}

function liveFor(s) {
  return s.startedAt ? formatDuration(Date.now() - s.startedAt) : '';
}

export function streamCard(s, { showArtist = true } = {}) {
  const live = s.status === 'LIVE';
  const picture = streamPicture(s);
  const overlay = h('div', { class: 'thumb-overlay' },
    h('span', { class: `badge ${live ? 'live' : s.status === 'ENDED' ? 'ended' : ''}`, text: live ? 'LIVE' : s.status === 'ENDED' ? (s.recordingUrl ? 'REPLAY' : 'ENDED') : 'SOON' }),
    live ? h('span', { class: 'badge viewers', title: 'Watching now', text: `${s.viewers ?? 0} watching` }) : null,
    live && s.startedAt ? h('span', { class: 'badge duration', dataset: { startedAt: String(s.startedAt) }, text: liveFor(s) }) : null);
  picture.append(overlay);
  const meta = h('div', { class: 'card-meta' },
    h('h3', { class: 'card-title', text: s.title }),
    showArtist && s.artistName ? h('a', { class: 'card-artist', href: `/a/${encodeURIComponent(s.artistId)}`, text: s.artistName }) : null,
    !live && s.scheduledAt && s.status !== 'ENDED' ? h('p', { class: 'muted small', text: formatDateTime(s.scheduledAt) }) : null,
    s.status === 'ENDED' && s.endedAt ? h('p', { class: 'muted small', text: formatDateTime(s.endedAt) }) : null,
    s.visibility !== 'PUBLIC' ? h('span', { class: 'badge', text: s.visibility === 'PAID' ? 'TICKET' : 'MEMBERS' }) : null);
  return h('li', { class: 'stream-card', dataset: { streamId: s.id } },
    h('a', { class: 'card-link', href: `/watch/${encodeURIComponent(s.id)}`, 'aria-label': s.title }, picture),
    meta);
}

// Keeps "time live" badges current between refreshes.
export function tickDurations(root) {
  for (const el of root.querySelectorAll('.badge.duration')) {
    el.textContent = formatDuration(Date.now() - Number(el.dataset.startedAt));
  }
}
