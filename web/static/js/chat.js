// The chat panel of both pages: history on join, live messages, removals, the composer, and for
// the owner and moderators the moderation controls (docs/realtime.md: delete_message, timeout,
// ban, appoint_moderator). Message text and names go in as text nodes only (dom.js).
import { h, fill, formatTime, formatMoney } from './dom.js';

const REFUSALS = {
  login_required: 'Sign in to chat.',
  subscription_required: 'Only subscribers can chat here.',
  tier_required: 'Only subscribers at a higher tier can chat here.',
  ticket_required: 'Only ticket holders can chat here.',
  chat_disabled: 'Chat is turned off for this stream.',
  stream_ended: 'The stream has ended; chat is closed.',
  banned: 'You are banned from this channel.',
  timed_out: 'You are timed out for now.',
  viewer_limit: 'This stream is full right now; chat opens when a place frees up.',
};

// When the room itself is refused (join: the WATCH decision), the chat is closed to the fan.
const JOIN_REFUSALS = {
  login_required: 'Sign in to join the chat.',
  subscription_required: 'The chat is for subscribers.',
  tier_required: 'The chat is for subscribers at a higher tier.',
  ticket_required: 'The chat is for ticket holders.',
  banned: 'You are banned from this channel.',
  not_found: 'This stream does not exist.',
};

export function joinRefusalText(code) {
  return JOIN_REFUSALS[code] ?? refusalText(code);
}

export function refusalText(code, untilMs) {
  if (code === 'timed_out' && untilMs) return `You are timed out until ${formatTime(untilMs)}.`;
  return REFUSALS[code] ?? 'You cannot chat here.';
}

const TIMEOUTS = [[60, '1 min'], [600, '10 min'], [3600, '1 hour']];
const MAX_MESSAGES = 300;

export class ChatPanel {
  // moderation: true shows the controls always (the Studio); 'auto' shows them when the server
  // says this member may moderate (the Viewer, for moderators the artist appointed).
  constructor(root, { moderation = false, onSignInRequested } = {}) {
    this.root = root;
    this.autoModeration = moderation === 'auto';
    this.moderation = moderation === true;
    this.items = new Map();  // message id -> { li, message }
    this.realtime = null;
    this.me = null;
    this.artistId = null;
    this.onSignInRequested = onSignInRequested;
    this.sentCount = 0;
    this.receivedCount = 0;

    this.status = h('span', { class: 'badge', text: 'connecting' });
    this.viewers = h('span', { class: 'muted small viewers-in-chat' });
    this.list = h('ul', { class: 'messages', 'aria-live': 'polite', 'aria-label': 'Chat messages' });
    this.note = h('div', { class: 'composer-note', hidden: true });
    this.input = h('input', { type: 'text', name: 'message', placeholder: 'Say something…', autocomplete: 'off', maxlength: '500', 'aria-label': 'Chat message', disabled: true });
    this.send = h('button', { class: 'primary', type: 'submit', text: 'Send', disabled: true });
    this.form = h('form', { class: 'composer' }, this.input, this.send);
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    fill(root, h('header', {}, h('h2', { text: 'Chat' }), this.status, this.viewers), this.list, this.note, this.form);
  }

  attach(realtime) {
    this.realtime = realtime;
    realtime
      .on('state', ({ state }) => this.onState(state))
      .on('joined', (e) => this.onJoined(e))
      .on('refused', (e) => this.setComposer(false, joinRefusalText(e.code), e.code === 'login_required'))
      .on('chat', (e) => this.add(e.message))
      // A confirmed tip: the stored TIP line plus the amount (history has the line only).
      .on('tip', (e) => this.add({ ...e.message, amountCents: e.tip?.amountCents, currency: e.tip?.currency }))
      .on('message_deleted', (e) => this.remove(e.messageId))
      .on('messages_cleared', (e) => this.removeByUser(e.userId))
      .on('user_timed_out', (e) => this.onTimedOut(e))
      .on('user_banned', (e) => this.onBanned(e))
      .on('user_unbanned', (e) => { if (this.isMe(e.userId)) this.enableIfAllowed(); })
      .on('moderator_added', (e) => {
        if (!this.isMe(e.userId)) return;
        this.setModeration(true);
        this.system('You are now a moderator of this chat.');
      })
      .on('moderator_removed', (e) => {
        if (!this.isMe(e.userId)) return;
        this.setModeration(false);
        this.system('You are no longer a moderator of this chat.');
      })
      .on('chat_settings', (e) => this.onSettings(e.chat))
      .on('left', (e) => { if (e.reason !== 'left') this.setComposer(false, refusalText(e.reason)); })
      .on('error', (e) => this.system(e.error?.message ?? 'Chat error'));
  }

  isMe(userId) { return userId && this.me?.userId === userId; }

  onState(state) {
    const labels = { connecting: 'connecting', reconnecting: 'reconnecting', joined: 'live', refused: 'read-only', closed: 'offline' };
    this.status.textContent = labels[state] ?? state;
    this.status.className = `badge ${state === 'joined' ? 'ok' : state === 'reconnecting' ? 'warn' : ''}`;
    if (state !== 'joined' && state !== 'refused') this.setComposer(false);
  }

  setModeration(on) {
    if (!this.autoModeration || this.moderation === on) return;
    this.moderation = on;
    // Redraw the messages on screen with (or without) their controls.
    const messages = [...this.items.values()].map((i) => i.message);
    this.items.clear();
    this.list.replaceChildren();
    for (const m of messages) {
      const li = this.render(m);
      this.items.set(m.id, { li, message: m });
      this.list.append(li);
    }
  }

  onJoined(e) {
    this.me = e.you;
    if (this.autoModeration) this.moderation = Boolean(e.you?.canModerate);
    this.artistId = e.stream?.artistId ?? null;
    this.chatSettings = e.stream?.chat ?? {};
    const max = this.chatSettings.maxMessageChars;
    if (max) this.input.maxLength = max;
    this.reset(e.history ?? []);
    this.enableIfAllowed();
  }

  enableIfAllowed() {
    const you = this.me;
    if (!you) return;
    if (you.canChat) this.setComposer(true, this.chatSettings?.slowModeSeconds ? `Slow mode: one message every ${this.chatSettings.slowModeSeconds} s.` : '');
    else this.setComposer(false, refusalText(you.chatRefusal, you.timedOutUntil), you.chatRefusal === 'login_required');
  }

  onSettings(chat) {
    this.chatSettings = { ...this.chatSettings, ...chat };
    if (chat.enabled === false) this.setComposer(false, refusalText('chat_disabled'));
    else if (this.me?.canChat || this.me?.canModerate) { this.me.canChat = true; this.enableIfAllowed(); }
  }

  // Timeouts and bans also hide the user's messages (docs/realtime.md, "Moderation").
  onTimedOut(e) {
    this.removeByUser(e.userId);
    if (this.isMe(e.userId)) {
      this.me.canChat = false;
      this.setComposer(false, refusalText('timed_out', e.until));
      clearTimeout(this.timeoutTimer);
      this.timeoutTimer = setTimeout(() => { this.me.canChat = true; this.enableIfAllowed(); }, Math.max(0, e.until - Date.now()));
    } else if (this.moderation) {
      this.system(`A user was timed out until ${formatTime(e.until)}.`);
    }
  }

  onBanned(e) {
    this.removeByUser(e.userId);
    if (this.isMe(e.userId)) {
      this.me.canChat = false;
      this.setComposer(false, refusalText('banned'));
    } else if (this.moderation) {
      this.system('A user was banned.');
    }
  }

  setComposer(enabled, note = '', offerSignIn = false) {
    this.input.disabled = !enabled;
    this.send.disabled = !enabled;
    if (note) {
      const children = [note];
      if (offerSignIn && this.onSignInRequested) {
        children.push(' ', h('button', { class: 'link', type: 'button', text: 'Sign in', on: { click: () => this.onSignInRequested() } }));
      }
      fill(this.note, ...children);
    }
    this.note.hidden = !note;
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text || !this.realtime) return;
    this.send.disabled = true;
    try {
      await this.realtime.request('chat', { text });
      this.input.value = '';
      this.sentCount += 1;
    } catch (e) {
      if (e.code === 'slow_mode' && e.retryAfterMs) this.system(`Slow mode: wait ${Math.ceil(e.retryAfterMs / 1000)} s.`);
      else this.system(e.message);
    } finally {
      this.send.disabled = this.input.disabled;
      this.input.focus();
    }
  }

  reset(messages) {
    this.items.clear();
    this.receivedCount = 0;
    this.list.replaceChildren();
    for (const m of messages) this.add(m, { scroll: false });
    this.scrollToEnd();
  }

  add(message, { scroll = true } = {}) {
    if (!message || this.items.has(message.id)) return;
    const nearEnd = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    const li = this.render(message);
    this.items.set(message.id, { li, message });
    this.list.append(li);
    this.receivedCount += 1;
    while (this.items.size > MAX_MESSAGES) {
      const [oldest] = this.items.keys();
      this.items.get(oldest).li.remove();
      this.items.delete(oldest);
    }
    if (scroll && nearEnd) this.scrollToEnd();
  }

  render(m) {
    const kind = m.kind ?? 'TEXT';
    const mine = this.isMe(m.userId);
    const li = h('li', { class: `message ${kind === 'TIP' ? 'tip' : kind === 'SYSTEM' ? 'system' : ''} ${mine ? 'mine' : ''}`.trim(), dataset: { messageId: m.id } });
    if (kind === 'SYSTEM') {
      li.append(h('span', { class: 'text', text: m.text }));
      return li;
    }
    const role = m.userId && m.userId === this.artistId ? 'owner' : '';
    li.append(
      h('time', { class: 'time', datetime: new Date(m.createdAt).toISOString(), text: formatTime(m.createdAt) }),
      h('span', { class: `author ${role}`, text: m.displayName || 'someone' }));
    if (kind === 'TIP') {
      const amount = typeof m.amountCents === 'number' ? ` ${formatMoney(m.amountCents, m.currency ?? 'usd')}` : '';
      li.append(h('span', { class: 'amount', text: `tipped${amount}` }));
    }
    li.append(h('span', { class: 'text', text: m.text }));
    if (this.moderation && m.userId && !mine && m.userId !== this.artistId) li.append(this.modActions(m));
    else if (this.moderation && kind !== 'SYSTEM') li.append(this.modActions(m, { deleteOnly: true }));
    return li;
  }

  modActions(m, { deleteOnly = false } = {}) {
    const act = (label, type, fields, done, cls = '') => h('button', {
      class: `small ${cls}`.trim(), type: 'button', text: label, dataset: { action: type },
      on: { click: async (ev) => {
        const button = ev.currentTarget;
        button.disabled = true;
        try {
          await this.realtime.request(type, fields);
          if (done) this.system(done);
        } catch (e) {
          this.system(`${label}: ${e.message}`);
        } finally {
          button.disabled = false;
        }
      } },
    });
    const who = m.displayName || 'the user';
    const buttons = [act('Delete', 'delete_message', { messageId: m.id }, null, 'danger')];
    if (!deleteOnly) {
      for (const [seconds, label] of TIMEOUTS) buttons.push(act(`Time out ${label}`, 'timeout', { userId: m.userId, seconds }, `${who} is timed out for ${label}.`));
      buttons.push(act('Ban', 'ban', { userId: m.userId }, `${who} is banned.`, 'danger'));
      buttons.push(act('Make moderator', 'appoint_moderator', { userId: m.userId }, `${who} is now a moderator.`));
    }
    return h('div', { class: 'mod-actions', role: 'group', 'aria-label': 'Moderate' }, buttons);
  }

  remove(messageId) {
    const item = this.items.get(messageId);
    if (!item) return;
    item.li.remove();
    this.items.delete(messageId);
  }

  removeByUser(userId) {
    for (const [id, { message }] of [...this.items]) if (message.userId === userId) this.remove(id);
  }

  system(text) {
    const li = h('li', { class: 'message system' }, h('span', { class: 'text', text }));
    this.list.append(li);
    this.scrollToEnd();
  }

  setViewers(count) {
    this.viewers.textContent = count === null || count === undefined ? '' : `${count} watching`;
  }

  scrollToEnd() { this.list.scrollTop = this.list.scrollHeight; }
}
