// "Notify me" for one artist (docs/web.md, Notifications), on the Viewer and the home page's
// cards. Notifications go to the artist's subscribers (docs/notifications.md); for a subscriber
// the button turns the per-artist mute off and on (PUT /api/me/notification-settings,
// mutedArtists). A fan who does not subscribe is told so: the button never pretends.
import { h, fill } from './dom.js';
import { api, session } from './api.js';
import { signInDialog } from './auth.js';

// One settings read per page and session, shared by every button; refreshed after a change.
let settings = null;
const buttons = new Set();
session.onChange(() => { settings = null; for (const b of buttons) b.refresh(); });

function loadSettings() {
  settings ??= api('GET', '/api/me/notification-settings').catch((e) => { settings = null; throw e; });
  return settings;
}

async function setMuted(artistId, muted) {
  const current = await loadSettings();
  const list = new Set(current.mutedArtists);
  if (muted) list.add(artistId); else list.delete(artistId);
  settings = api('PUT', '/api/me/notification-settings', { mutedArtists: [...list] });
  await settings;
  for (const b of buttons) b.refresh();
}

// Returns an element holding the button and the line that explains it. `artistName` may be empty.
export function notifyMe(artistId, artistName = '') {
  const who = artistName || 'this artist';
  const note = h('p', { class: 'muted small notify-note', role: 'status', hidden: true });
  const button = h('button', { type: 'button', class: 'small notify-me', 'aria-pressed': 'false', text: 'Notify me' });
  const root = h('div', { class: 'notify-me-wrap', dataset: { artistId } }, button, note);
  let state = 'unknown';
  let pressedWhileBusy = false; // a click in flight keeps showing what is true until the server answers

  const say = (text) => { note.textContent = text; note.hidden = !text; };
  const render = () => {
    button.hidden = state === 'self';
    button.disabled = state === 'busy';
    const on = state === 'busy' ? pressedWhileBusy : state === 'on';
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? 'Notifications on' : 'Notify me';
    button.title = on ? `You are notified when ${who} goes live. Click to mute.` : `Be notified when ${who} goes live`;
    root.dataset.state = state;
  };

  const entry = {
    async refresh() {
      say('');
      if (!session.user) { state = 'signed_out'; render(); return; }
      if (session.user.id === artistId) { state = 'self'; render(); return; }
      try {
        const s = await loadSettings();
        const a = s.artists.find((x) => x.id === artistId);
        state = !a?.subscribed ? 'not_subscribed' : (a.muted ? 'muted' : 'on');
      } catch {
        state = 'unknown';
      }
      render();
    },
  };
  buttons.add(entry);

  button.addEventListener('click', async () => {
    if (state === 'signed_out') {
      if (await signInDialog({ intro: `Sign in to be notified when ${who} goes live.` })) await entry.refresh();
      if (state !== 'muted' && state !== 'not_subscribed') return;
    }
    if (state === 'not_subscribed') {
      say(`Notifications go to ${who}'s subscribers. Subscribe to ${who} to be told when they go live.`);
      return;
    }
    if (state !== 'on' && state !== 'muted') return;
    const mute = state === 'on';
    pressedWhileBusy = mute;
    state = 'busy';
    render();
    try {
      await setMuted(artistId, mute);
      say(mute ? `Muted: nothing about ${who} will reach you.` : `You will be notified when ${who} goes live.`);
    } catch (e) {
      await entry.refresh();
      say(e.message);
    }
  });
  render();
  entry.refresh();
  return root;
}

// Puts a Notify me for `artistId` into `container` (replacing what was there).
export function mountNotifyMe(container, artistId, artistName) {
  fill(container, notifyMe(artistId, artistName));
}
