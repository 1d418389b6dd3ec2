// Home (/): streams live now and coming up, linking to the Viewer.
import './trusted_types.js';  // first: before any other module runs
import { h, $, fill, show, formatDateTime } from './dom.js';
import { api } from './api.js';
import { mountAccount, signInDialog } from './auth.js';
import { streamCard, tickDurations } from './stream_card.js';

function card(s) {
  return h('li', {}, h('a', { class: 'panel', href: `/watch/${encodeURIComponent(s.id)}` },
    h('div', { class: 'row' },
      h('span', { class: `badge ${s.status === 'LIVE' ? 'live' : ''}`, text: s.status === 'LIVE' ? 'LIVE' : 'SOON' }),
      s.visibility !== 'PUBLIC' ? h('span', { class: 'badge', text: s.visibility }) : null),
    h('h2', { text: s.title }),
    s.scheduledAt && s.status !== 'LIVE' ? h('p', { class: 'muted small', text: formatDateTime(s.scheduledAt) }) : null,
    s.description ? h('p', { class: 'muted small description', text: s.description }) : null));
}

async function refresh() {
  try {
    const [live, soon] = await Promise.all([
      api('GET', '/api/livestream?status=LIVE&limit=50'),
      api('GET', '/api/livestream?status=SCHEDULED&limit=20'),
    ]);
    fill($('#live'), ...live.items.map((s) => streamCard(s)));
    show($('#empty'), live.items.length === 0);
    fill($('#upcoming'), ...soon.items.map(card));
    show($('#upcoming-title'), soon.items.length > 0);
  } catch {
    // Keep the last list; the next refresh tries again.
  }
}

mountAccount($('#account'), { onSignInRequested: () => signInDialog() });
refresh();
setInterval(refresh, 15000);
setInterval(() => tickDurations($('#live')), 1000);
