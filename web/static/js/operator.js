// The operator page (/operator; docs/web.md, "Operator page"): for the operator of an embedded
// server, what the admin API does for a hosting platform, and the audit records. Every action is
// a call to /api/operator/..., which checks that the caller is the operator (403 otherwise) and
// goes through the same services and access policy as the API. Nothing is shown before /api/me
// says the caller is the operator, and a 403 from any call empties the page.
import './trusted_types.js';  // first: before any other module runs
import { h, $, fill, show, formatDateTime, formatMoney } from './dom.js';
import { api, session, refreshMe } from './api.js';
import { mountAccount, signInForm, signInDialog } from './auth.js';

const ui = {
  gate: $('#gate'), console: $('#console'), requests: $('#requests'), users: $('#users'),
  subscriptions: $('#subscriptions'), streams: $('#streams'), moderation: $('#moderation'),
  tips: $('#tips'), events: $('#events'),
};
let users = [];
let meId = null;

function table(headers, rows) {
  return h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { text: t })))),
    h('tbody', {}, ...rows));
}
const td = (text, cls) => h('td', { class: cls, text: text ?? '' });
const when = (ms) => (ms ? formatDateTime(ms) : '');
const nameOf = (id) => users.find((u) => u.id === id)?.displayName ?? id;

function refuse(message) {
  ui.console.hidden = true;
  for (const el of Object.values(ui)) if (el !== ui.gate && el !== ui.console) el.replaceChildren();
  fill(ui.gate, h('h2', { text: 'Operator only' }), h('p', { class: 'muted', id: 'operator-refused', text: message }));
  show(ui.gate, true);
}

async function guarded(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e.status === 403 || e.status === 401) refuse(e.message);
    throw e;
  }
}

function errorLine() { return h('p', { class: 'error', role: 'alert', hidden: true }); }
function showError(el, e) { el.textContent = e.message; el.hidden = false; }

async function loadUsers() {
  const all = [];
  let after = null;
  for (let i = 0; i < 20; i++) {  // at most 4,000 accounts on this page
    const page = await guarded(() => api('GET', `/api/operator/users?limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`));
    all.push(...page.items);
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  users = all;
}

function renderRequests() {
  const waiting = users.filter((u) => u.role === 'FAN' && u.artistRequestedAt != null);
  const rows = waiting.map((u) => {
    const err = errorLine();
    const answer = (approve) => async () => {
      try {
        await guarded(() => api('POST', `/api/operator/users/${encodeURIComponent(u.id)}/artist-request`, { approve }));
        await refreshAll();
      } catch (e) { showError(err, e); }
    };
    return h('tr', { dataset: { userId: u.id } }, td(u.displayName), td(u.email), td(when(u.artistRequestedAt)),
      h('td', {}, h('button', { type: 'button', class: 'small primary', text: 'Make artist', on: { click: answer(true) } }), ' ',
        h('button', { type: 'button', class: 'small', text: 'Decline', on: { click: answer(false) } }), err));
  });
  fill(ui.requests, h('h2', { text: 'Requests to become an artist' }),
    rows.length ? table(['Name', 'Email', 'Asked', ''], rows) : h('p', { class: 'muted small', text: 'None waiting.' }));
}

function renderUsers() {
  const rows = users.map((u) => {
    if (u.id === meId) {
      // The operator's own role is not theirs to change here (the server answers 409).
      return h('tr', { dataset: { userId: u.id, role: u.role } }, td(u.displayName), td(u.email), td(u.id, 'mono'),
        td(`${u.role} (you, the operator)`),
        td(`${u.payouts?.status ?? 'NONE'}${u.payouts?.simulated ? ' (simulated)' : ''}`),
        td(u.verifiedArtist ? 'yes' : 'no'), td(when(u.createdAt)));
    }
    const role = h('select', { 'aria-label': `Role of ${u.displayName}`, class: 'role-select' },
      ...['FAN', 'ARTIST', 'ADMIN'].map((r) => h('option', { value: r, text: r, selected: u.role === r })));
    const err = errorLine();
    const save = h('button', { type: 'button', class: 'small', text: 'Save role' });
    save.addEventListener('click', async () => {
      err.hidden = true;
      try {
        await guarded(() => api('PUT', `/api/operator/users/${encodeURIComponent(u.id)}/role`, { role: role.value }));
        await refreshAll();
      } catch (e) { showError(err, e); }
    });
    return h('tr', { dataset: { userId: u.id, role: u.role } }, td(u.displayName), td(u.email), td(u.id, 'mono'),
      h('td', {}, role, ' ', save, err),
      td(`${u.payouts?.status ?? 'NONE'}${u.payouts?.simulated ? ' (simulated)' : ''}${u.payouts?.reason ? `: ${u.payouts.reason}` : ''}`),
      td(u.verifiedArtist ? 'yes' : 'no'), td(when(u.createdAt)));
  });
  fill(ui.users, h('h2', { text: 'Users and roles' }),
    table(['Name', 'Email', 'Id', 'Role', 'Payouts', 'May stream', 'Signed up'], rows));
}

// The form stays as the operator left it when a save refreshes the list below it; it is built
// again only with the rest of the page (the users may have changed).
async function renderSubscriptionList(box) {
  const subs = await guarded(() => api('GET', '/api/operator/subscriptions?limit=100'));
  fill(box, subs.items.length
    ? table(['Fan', 'Artist', 'Tier', 'Status', 'Expires', 'Changed'], subs.items.map((s) => h('tr', { dataset: { fanId: s.fanId, artistId: s.artistId } },
      td(nameOf(s.fanId)), td(nameOf(s.artistId)), td(String(s.tier)), td(s.status), td(when(s.expiresAt)), td(when(s.updatedAt)))))
    : h('p', { class: 'muted small', text: 'No subscriptions yet.' }));
}

async function renderSubscriptions() {
  const pick = (label, list, name) => h('label', {}, h('span', { text: label }),
    h('select', { name }, ...list.map((u) => h('option', { value: u.id, text: `${u.displayName} (${u.email})` }))));
  const artists = users.filter((u) => u.role === 'ARTIST');
  const err = errorLine();
  const list = h('div', { id: 'subscription-list' });
  const form = h('form', { class: 'row wrap', id: 'subscription-form' },
    pick('Fan', users, 'fanId'), pick('Artist', artists, 'artistId'),
    h('label', {}, h('span', { text: 'Tier' }), h('input', { type: 'number', name: 'tier', min: '1', max: '100', value: '1', required: true })),
    h('label', {}, h('span', { text: 'Status' }), h('select', { name: 'status' }, ...['ACTIVE', 'CANCELED', 'EXPIRED'].map((s) => h('option', { value: s, text: s })))),
    h('button', { type: 'submit', class: 'primary small', text: 'Save subscription' }), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    const f = new FormData(form);
    try {
      await guarded(() => api('PUT', '/api/operator/subscriptions', {
        fanId: f.get('fanId'), artistId: f.get('artistId'), tier: Number(f.get('tier')), status: f.get('status'), expiresAt: null,
      }));
      await renderSubscriptionList(list);
    } catch (e) { showError(err, e); }
  });
  fill(ui.subscriptions, h('h2', { text: 'Subscriptions and tiers' }),
    artists.length ? form : h('p', { class: 'muted small', text: 'No artists yet.' }), list);
  await renderSubscriptionList(list);
}

async function renderStreams() {
  const page = await guarded(() => api('GET', '/api/operator/streams?status=LIVE&limit=100'));
  const rows = page.items.map((s) => {
    const err = errorLine();
    const keyOut = h('output', { class: 'mono' });
    const end = h('button', { type: 'button', class: 'small danger', text: 'End' });
    end.addEventListener('click', async () => {
      if (!confirm(`End "${s.title}" now?`)) return;
      try {
        await guarded(() => api('POST', `/api/operator/streams/${encodeURIComponent(s.id)}/end`));
        await renderStreams();
      } catch (e) { showError(err, e); }
    });
    const rotate = h('button', { type: 'button', class: 'small', text: 'Rotate key' });
    rotate.addEventListener('click', async () => {
      if (!confirm(`Rotate the stream key of "${s.title}"? The artist's encoder needs the new key to reconnect.`)) return;
      try {
        const r = await guarded(() => api('POST', `/api/operator/streams/${encodeURIComponent(s.id)}/key`));
        keyOut.textContent = `New key (give it to the artist): ${r.streamKey}`;
      } catch (e) { showError(err, e); }
    });
    return h('tr', { dataset: { streamId: s.id } }, h('td', {}, h('a', { href: `/watch/${encodeURIComponent(s.id)}`, text: s.title })),
      td(s.artistName), td(s.visibility), td(String(s.viewers ?? 0)), td(when(s.startedAt)),
      h('td', {}, end, ' ', rotate, keyOut, err));
  });
  fill(ui.streams, h('h2', { text: 'Live streams' }),
    rows.length ? table(['Title', 'Artist', 'Visibility', 'Watching', 'Live since', ''], rows) : h('p', { class: 'muted small', text: 'Nobody is live.' }));
}

async function renderAudit() {
  const [mod, tips, events] = await Promise.all([
    guarded(() => api('GET', '/api/operator/moderation?limit=100')),
    guarded(() => api('GET', '/api/operator/tips?limit=100')),
    guarded(() => api('GET', '/api/operator/payment-events?limit=100')),
  ]);
  fill(ui.moderation, h('h2', { text: 'Moderation audit trail' }),
    mod.items.length ? table(['When', 'Action', 'By', 'Target', 'Channel', 'Reason'], mod.items.map((a) => h('tr', {},
      td(when(a.createdAt)), td(a.action + (a.durationSeconds ? ` ${a.durationSeconds}s` : '')), td(nameOf(a.actorId)),
      td(a.targetUserId ? nameOf(a.targetUserId) : ''), td(nameOf(a.artistId)), td(a.reason))))
      : h('p', { class: 'muted small', text: 'No moderation actions yet.' }));
  fill(ui.tips, h('h2', { text: 'Tips' }),
    tips.items.length ? table(['When', 'Fan', 'Artist', 'Amount', 'Fee', 'Status', 'Provider', 'Message'], tips.items.map((t) => h('tr', {},
      td(when(t.createdAt)), td(nameOf(t.fanId)), td(nameOf(t.artistId)), td(formatMoney(t.amountCents, t.currency.toUpperCase())),
      td(formatMoney(t.feeCents, t.currency.toUpperCase())), td(t.status), td(t.provider), td(t.message))))
      : h('p', { class: 'muted small', text: 'No tips yet.' }));
  fill(ui.events, h('h2', { text: 'Webhook events' }),
    events.items.length ? table(['Received', 'Type', 'Event', 'Provider', 'Applied'], events.items.map((e) => h('tr', {},
      td(when(e.receivedAt)), td(e.type), td(e.eventId, 'mono'), td(e.provider), td(e.applied ? when(e.appliedAt) : 'no'))))
      : h('p', { class: 'muted small', text: 'No webhook events yet.' }));
}

async function refreshAll() {
  await loadUsers();
  renderRequests();
  renderUsers();
  await Promise.all([renderSubscriptions(), renderStreams(), renderAudit()]);
}

async function boot() {
  show(ui.console, false);
  if (!session.token) {
    fill(ui.gate, signInForm({ intro: 'Sign in with the operator account of this server.', onDone: () => {} }));
    show(ui.gate, true);
    return;
  }
  let me;
  try {
    me = await refreshMe();
  } catch {
    return;
  }
  meId = me?.id ?? null;
  if (!me?.operator) {
    refuse('This page is for the operator of this server. Your account cannot open it.');
    return;
  }
  show(ui.gate, false);
  try {
    await refreshAll();
    show(ui.console, true);
  } catch (e) {
    if (e.status !== 403 && e.status !== 401) {
      fill(ui.gate, h('p', { class: 'error', text: e.message }));
      show(ui.gate, true);
    }
  }
}

mountAccount($('#account'), { onSignInRequested: () => signInDialog() });
session.onChange(() => boot());
boot();
