// Notification settings (/notifications, docs/web.md): the channels the signed-in user allows
// (in-app, email, push on this browser) and, per artist they subscribe to, whether that artist's notifications reach
// them (the per-artist mute). Saved with PUT /api/me/notification-settings.
import './trusted_types.js';  // first: before any other module runs
import { h, $, fill } from './dom.js';
import { api, session } from './api.js';
import { mountAccount, signInForm, signInDialog } from './auth.js';
import { pushSupported, enablePush, disablePush, pushEnabled } from './push.js';

const root = $('#settings');

// Push on this browser (push.js): acts at once, apart from the form's Save, since the browser
// asks for permission on the click. Shown only where the browser can do Web Push and the server
// has it on (its VAPID key is served).
function pushSection() {
  if (!pushSupported()) return null;
  const note = h('p', { class: 'muted small', id: 'push-status', role: 'status' });
  const button = h('button', { type: 'button', id: 'push-toggle', text: 'Checking…', disabled: true });
  const el = h('div', { class: 'setting', id: 'push-setting', hidden: true },
    h('div', { class: 'row' }, h('span', { text: 'On this browser' }), button),
    h('p', { class: 'muted small', text: 'A system notification when an artist you follow goes live, even with no page open.' }),
    note);
  let on = false;
  const showState = () => {
    button.textContent = on ? 'Turn off' : 'Turn on';
    button.setAttribute('aria-pressed', String(on));
    button.disabled = false;
  };
  (async () => {
    try {
      await api('GET', '/api/push/vapid-public-key');
    } catch {
      return;  // push is off on this server: nothing to offer
    }
    on = await pushEnabled().catch(() => false);
    el.hidden = false;
    showState();
  })();
  button.addEventListener('click', async () => {
    button.disabled = true;
    note.textContent = '';
    if (on) {
      on = !(await disablePush());
    } else {
      on = await enablePush();
      if (!on) note.textContent = 'This browser did not allow notifications, or its push service could not be reached.';
    }
    showState();
  });
  return el;
}

function channel(name, label, hint, checked) {
  const input = h('input', { type: 'checkbox', name, id: `channel-${name}`, checked });
  return { input, el: h('div', { class: 'setting' }, h('label', { class: 'check' }, input, h('span', { text: label })),
    h('p', { class: 'muted small', text: hint })) };
}

// Per artist: notified at all (the mute), and by email (a mail's unsubscribe link turns the
// latter off for that artist; shown only while the server sends email).
function artistRow(a, emailAvailable) {
  const input = h('input', { type: 'checkbox', name: 'artist', value: a.id, checked: !a.muted });
  const status = a.subscribed ? '' : ' (not subscribed: nothing is sent until you subscribe)';
  const email = emailAvailable
    ? h('input', { type: 'checkbox', name: 'artist-email', value: a.id, checked: !a.emailMuted,
      'aria-label': `Email about ${a.displayName || a.id}` })
    : null;
  return { input, email, artist: a, el: h('li', { dataset: { artistId: a.id } },
    h('label', { class: 'check' }, input, h('span', { text: `${a.displayName || a.id}${status}` })),
    email ? h('label', { class: 'check small artist-email' }, email, h('span', { text: 'by email' })) : null) };
}

function render(s) {
  const inApp = channel('inApp', 'In the app', 'The bell at the top of every page, live while a page is open.', s.inApp);
  const email = channel('email', 'Email', s.emailAvailable === false
    ? 'This server sends no email (no mail server configured): the setting is kept for when it does.'
    : 'A mail when an artist goes live, before a scheduled stream, and when one is moved or cancelled. Every mail has a link to stop them.', s.email);
  const rows = s.artists.map((a) => artistRow(a, s.emailAvailable !== false));
  const status = h('p', { class: 'muted small', role: 'status', id: 'settings-status' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'settings-save', text: 'Save' });
  const form = h('form', { class: 'panel', id: 'settings-form' },
    h('h2', { text: 'Channels' }), inApp.el, email.el, pushSection(),
    h('h2', { text: 'Artists' }),
    rows.length
      ? h('p', { class: 'muted small', text: 'Checked: you are notified when they go live, when they schedule a stream, before it and when it changes. “by email”: also by email.' })
      : h('p', { class: 'muted small', text: 'You do not subscribe to any artist yet. Notifications go to an artist’s subscribers.' }),
    h('ul', { class: 'artist-list', id: 'artist-list' }, ...rows.map((r) => r.el)),
    h('div', { class: 'row' }, save, status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    status.textContent = 'Saving…';
    try {
      const body = { inApp: inApp.input.checked, email: email.input.checked,
        mutedArtists: rows.filter((r) => !r.input.checked).map((r) => r.artist.id) };
      if (s.emailAvailable !== false) {
        body.emailMutedArtists = rows.filter((r) => r.email && !r.email.checked).map((r) => r.artist.id);
      }
      const saved = await api('PUT', '/api/me/notification-settings', body);
      status.textContent = 'Saved.';
      status.dataset.saved = String(saved.updatedAt ?? Date.now());
    } catch (err) {
      status.textContent = `Not saved: ${err.message}`;
    } finally {
      save.disabled = false;
    }
  });
  fill(root, h('h1', { text: 'Notifications' }), form);
}

async function load() {
  if (!session.token) {
    fill(root, h('h1', { text: 'Notifications' }),
      h('div', { class: 'panel' }, signInForm({ intro: 'Sign in to choose how you are notified.', onDone: () => load() })));
    return;
  }
  try {
    render(await api('GET', '/api/me/notification-settings'));
  } catch (e) {
    fill(root, h('h1', { text: 'Notifications' }), h('p', { class: 'error', role: 'alert', text: e.message }));
  }
}

mountAccount($('#account'), { onSignInRequested: () => signInDialog() });
session.onChange(() => load());
load();
