// Home (/): streams live now (stream cards with their live picture) and coming up (artist,
// title, time, calendar), linking to the Viewer, each with "Notify me" for its artist.
import './trusted_types.js';  // first: before any other module runs
import { h, $, fill, show, formatDateTime } from './dom.js';
import { api } from './api.js';
import { mountAccount, signInDialog } from './auth.js';
import { notifyMe } from './notify_me.js';
import { streamCard, tickDurations } from './stream_card.js';

function card(s) {
  const soon = s.status !== 'LIVE';
  return h('li', { class: 'panel card', dataset: { streamId: s.id } },
    h('a', { href: `/watch/${encodeURIComponent(s.id)}` },
      h('div', { class: 'row' },
        h('span', { class: `badge ${soon ? '' : 'live'}`, text: soon ? 'SOON' : 'LIVE' }),
        s.visibility !== 'PUBLIC' ? h('span', { class: 'badge', text: s.visibility }) : null),
      h('h2', { text: s.title }),
      s.artistName ? h('p', { class: 'small artist', text: s.artistName }) : null,
      s.scheduledAt && soon ? h('p', { class: 'muted small when', text: formatDateTime(s.scheduledAt) }) : null,
      s.description ? h('p', { class: 'muted small description', text: s.description }) : null),
    h('div', { class: 'row card-actions' },
      notifyMe(s.artistId, s.artistName),
      s.calendarUrl ? h('a', { class: 'small', href: s.calendarUrl, download: '', text: 'Add to calendar' }) : null));
}

// "Live now": the stream card (picture, artist, viewers, time live) with Notify me under it.
function liveCard(s) {
  const c = streamCard(s);
  c.querySelector('.card-meta')?.append(h('div', { class: 'row card-actions' }, notifyMe(s.artistId, s.artistName)));
  return c;
}

// Cards are rebuilt only when the list changed, so an open "Notify me" explanation stays.
let shown = { live: '', upcoming: '' };
function update(el, key, items, make) {
  const sig = JSON.stringify(items.map((s) => [s.id, s.status, s.title, s.scheduledAt, s.thumbnailUrl, s.viewers]));
  if (sig === shown[key]) return;
  shown[key] = sig;
  fill(el, ...items.map(make));
}

async function refresh() {
  try {
    const [live, soon] = await Promise.all([
      api('GET', '/api/livestream?status=LIVE&limit=50'),
      api('GET', '/api/livestream/upcoming?limit=20'),
    ]);
    update($('#live'), 'live', live.items, liveCard);
    show($('#empty'), live.items.length === 0);
    update($('#upcoming'), 'upcoming', soon.items, card);
    show($('#upcoming-title'), soon.items.length > 0);
  } catch {
    // Keep the last list; the next refresh tries again.
  }
}

mountAccount($('#account'), { onSignInRequested: () => signInDialog() });
refresh();
setInterval(refresh, 15000);
setInterval(() => tickDurations($('#live')), 1000);
