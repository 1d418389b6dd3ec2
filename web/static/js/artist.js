// The artist page (/a/{artist id}; docs/web.md, "Artist page"): the public profile, the stream
// live now or else the next one, and past streams (a card with its last picture; a replay where a
// recording exists: the Viewer plays it).
import './trusted_types.js';  // first: before any other module runs
import { $, fill, show, formatDateTime } from './dom.js';
import { api } from './api.js';
import { mountAccount, signInDialog } from './auth.js';
import { streamCard, tickDurations } from './stream_card.js';

const artistId = decodeURIComponent(location.pathname.split('/')[2] ?? '');

async function load() {
  let profile;
  try {
    profile = await api('GET', `/api/artists/${encodeURIComponent(artistId)}`);
  } catch (e) {
    fill($('#artist-error'), e.status === 404 ? 'No such artist.' : e.message);
    show($('#artist-error'), true);
    return;
  }
  $('#artist-name').textContent = profile.displayName;
  document.title = `${profile.displayName} · Stagecast`;
  $('#artist-since').textContent = `on Stagecast since ${formatDateTime(profile.createdAt)}`;
  const q = (status, limit) => api('GET', `/api/livestream?artistId=${encodeURIComponent(artistId)}&status=${status}&limit=${limit}`);
  const [live, scheduled, created, ended] = await Promise.all([q('LIVE', 5), q('SCHEDULED', 20), q('CREATED', 20), q('ENDED', 50)]);
  const opts = { showArtist: false };
  fill($('#now'), ...live.items.map((s) => streamCard(s, opts)));
  show($('#now-title'), live.items.length > 0);
  // The next stream: the soonest scheduled one (when nothing is live).
  const upcoming = scheduled.items.filter((s) => s.scheduledAt).sort((a, b) => a.scheduledAt - b.scheduledAt);
  const next = live.items.length ? [] : upcoming.slice(0, 1);
  fill($('#next'), ...next.map((s) => streamCard(s, opts)));
  show($('#next-title'), next.length > 0);
  const past = ended.items.sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
  fill($('#past'), ...past.map((s) => streamCard(s, opts)));
  show($('#past-title'), past.length > 0);
  show($('#nothing'), live.items.length + next.length + past.length === 0 && created.items.length === 0);
}

mountAccount($('#account'), { onSignInRequested: () => signInDialog() });
load();
setInterval(load, 30000);
setInterval(() => tickDurations($('#now')), 1000);
