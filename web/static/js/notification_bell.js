// The bell in the top bar of every page (docs/web.md, Notifications): the signed-in user's unread
// count, kept live by a `notification` event on a WebSocket of its own (auth only, no room:
// docs/realtime.md), and a dropdown with the latest notifications (mark read, open the stream).
// Loaded by each page as its own module; it mounts itself in front of the account corner.
import './trusted_types.js';
import { h, $, fill, show, formatDateTime } from './dom.js';
import { api, session } from './api.js';

const LIST_SIZE = 20;

// What a notification says, by kind (the same kinds as the mails, docs/notifications.md).
export function notificationText(n) {
  const d = n.data ?? {};
  const artist = d.artistName || 'An artist you subscribe to';
  const title = d.title ?? '';
  const at = d.scheduledAt ? formatDateTime(d.scheduledAt) : '';
  switch (n.kind) {
    case 'stream_live': return `${artist} is live: ${title}`;
    case 'stream_scheduled': return `${artist} scheduled “${title}” for ${at}`;
    case 'stream_reminder': return `${artist} goes live at ${at}: ${title}`;
    case 'stream_rescheduled': return `${artist} moved “${title}” to ${at}`;
    case 'stream_cancelled': return `${artist} cancelled “${title}”`;
    default: return title || n.kind;
  }
}

class Bell {
  constructor(anchor) {
    this.items = [];
    this.unread = 0;
    this.count = h('span', { class: 'bell-count', hidden: true });
    this.button = h('button', { type: 'button', class: 'bell-button', 'aria-haspopup': 'true', 'aria-expanded': 'false',
      id: 'bell-button', on: { click: () => this.toggle() } }, h('span', { 'aria-hidden': 'true', text: '🔔' }), this.count);
    this.list = h('ul', { class: 'bell-list', id: 'bell-list' });
    this.empty = h('p', { class: 'muted small', text: 'No notifications yet.', hidden: true });
    this.panel = h('div', { class: 'bell-panel panel', id: 'bell-panel', role: 'dialog', 'aria-label': 'Notifications', hidden: true },
      h('div', { class: 'row bell-head' }, h('strong', { class: 'grow', text: 'Notifications' }),
        h('a', { href: '/notifications', class: 'small', text: 'Settings' })),
      this.empty, this.list);
    this.root = h('div', { class: 'bell', id: 'bell', hidden: true }, this.button, this.panel);
    anchor.before(this.root);
    document.addEventListener('click', (e) => { if (!this.root.contains(e.target)) this.close(); });
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') this.close(); });
    session.onChange(() => this.restart());
    this.restart();
  }

  restart() {
    this.disconnect();
    this.items = [];
    this.unread = 0;
    this.render();
    show(this.root, Boolean(session.token));
    if (!session.token) return;
    this.load();
    this.connect();
  }

  async load() {
    try {
      const page = await api('GET', `/api/notifications?limit=${LIST_SIZE}`);
      this.items = page.items;
      this.unread = page.unreadCount;
      this.render();
    } catch {
      // The next event or opening the list tries again.
    }
  }

  render() {
    this.count.textContent = this.unread > 99 ? '99+' : String(this.unread);
    show(this.count, this.unread > 0);
    this.button.setAttribute('aria-label', `Notifications, ${this.unread} unread`);
    fill(this.list, ...this.items.map((n) => this.item(n)));
    show(this.empty, this.items.length === 0);
  }

  item(n) {
    const path = n.data?.watchPath;
    const text = notificationText(n);
    const open = path
      ? h('a', { href: path, class: 'bell-link', on: { click: () => { if (!n.read) this.markRead(n, { quiet: true }); } } }, text)
      : h('span', {}, text);
    return h('li', { class: n.read ? 'read' : 'unread', dataset: { id: n.id, kind: n.kind } },
      open,
      h('div', { class: 'row small muted' }, h('span', { class: 'grow', text: formatDateTime(n.createdAt) }),
        n.read ? null : h('button', { type: 'button', class: 'small link', text: 'Mark read', on: { click: () => this.markRead(n) } })));
  }

  async markRead(n, { quiet = false } = {}) {
    try {
      await api('POST', `/api/notifications/${encodeURIComponent(n.id)}/read`);
      if (!n.read) this.unread = Math.max(0, this.unread - 1);
      n.read = true;
      if (!quiet) this.render();
    } catch {
      // Left unread; the next try may work.
    }
  }

  toggle() {
    if (this.panel.hidden) {
      show(this.panel, true);
      this.button.setAttribute('aria-expanded', 'true');
      this.load();
    } else {
      this.close();
    }
  }

  close() {
    show(this.panel, false);
    this.button.setAttribute('aria-expanded', 'false');
  }

  // ---- the WebSocket: auth, then `notification` events; back with backoff when cut ----
  connect() {
    const token = session.token;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.ws = ws;
    ws.addEventListener('open', () => {
      ws.send(JSON.stringify({ type: 'auth', requestId: 'bell-auth', token }));
      this.ping = setInterval(() => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ping', requestId: 'bell-ping' })); }, 25000);
    });
    ws.addEventListener('message', (m) => {
      let event;
      try { event = JSON.parse(m.data); } catch { return; }
      if (event?.type === 'authenticated') { this.attempt = 0; this.root.dataset.live = 'true'; }
      if (event?.type === 'error' && event.requestId === 'bell-auth') { this.stopped = true; ws.close(1000); }
      if (event?.type === 'notification' && event.notification) this.received(event.notification);
    });
    ws.addEventListener('close', () => {
      clearInterval(this.ping);
      if (ws !== this.ws || this.stopped) return;
      delete this.root.dataset.live;
      this.attempt = (this.attempt ?? 0) + 1;
      const delay = Math.min(15000, 500 * 2 ** Math.min(this.attempt, 5)) * (0.75 + Math.random() / 2);
      this.retry = setTimeout(() => { if (ws === this.ws) { this.load(); this.connect(); } }, delay);
    });
  }

  disconnect() {
    clearTimeout(this.retry);
    clearInterval(this.ping);
    const ws = this.ws;
    this.ws = null;
    this.stopped = false;
    delete this.root?.dataset.live;
    ws?.close(1000);
  }

  received(n) {
    if (this.items.some((x) => x.id === n.id)) return;
    this.items = [n, ...this.items].slice(0, LIST_SIZE);
    if (!n.read) this.unread += 1;
    this.render();
  }
}

const anchor = $('#account');
if (anchor) new Bell(anchor);
