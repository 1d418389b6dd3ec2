// The Studio's stream form: create a stream or edit one (POST / PATCH /api/livestream).
import { h, fill } from './dom.js';
import { api } from './api.js';

const VISIBILITIES = [
  ['PUBLIC', 'Public: anyone'],
  ['SUBSCRIBERS', 'Subscribers: any tier'],
  ['TIER', 'Tier: subscribers at or above a tier'],
  ['PAID', 'Paid: ticket holders'],
];

function toLocalInput(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// Renders into `root`; onSaved(stream, created) after a successful save.
export function renderEditor(root, stream, opts = {}) {
  const { onSaved, onDeleted } = opts;
  const editing = Boolean(stream);
  const s = stream ?? { title: '', description: '', visibility: 'PUBLIC', minTier: 1, priceCents: 500, currency: 'usd', chat: { enabled: true, subscribersOnly: false, slowModeSeconds: 0, blockedWords: [] }, transcode: true };
  const field = (label, input, cls = '') => h('label', { class: cls }, h('span', { text: label }), input);
  const title = h('input', { name: 'title', required: true, maxlength: '140', value: s.title });
  const description = h('textarea', { name: 'description', rows: '3', maxlength: '5000' });
  description.value = s.description ?? '';
  const visibility = h('select', { name: 'visibility' }, VISIBILITIES.map(([v, label]) => h('option', { value: v, text: label })));
  visibility.value = s.visibility;
  const minTier = h('input', { name: 'minTier', type: 'number', min: '1', max: '100', value: String(s.minTier ?? 1) });
  const price = h('input', { name: 'price', type: 'number', min: '1.00', step: '0.01', value: ((s.priceCents || 500) / 100).toFixed(2) });
  const tierLabel = field('Minimum tier', minTier);
  const priceLabel = field(`Ticket price (${(s.currency ?? 'usd').toUpperCase()})`, price);
  const syncVisibility = () => {
    tierLabel.hidden = visibility.value !== 'TIER';
    priceLabel.hidden = visibility.value !== 'PAID';
  };
  visibility.addEventListener('change', syncVisibility);
  syncVisibility();
  const chatEnabled = h('input', { type: 'checkbox', name: 'chatEnabled', checked: s.chat?.enabled !== false });
  const subsOnly = h('input', { type: 'checkbox', name: 'subscribersOnly', checked: Boolean(s.chat?.subscribersOnly) });
  const slow = h('input', { name: 'slowModeSeconds', type: 'number', min: '0', max: '3600', value: String(s.chat?.slowModeSeconds ?? 0) });
  const blocked = h('input', { name: 'blockedWords', placeholder: 'comma separated', value: (s.chat?.blockedWords ?? []).join(', ') });
  const transcode = h('input', { type: 'checkbox', name: 'transcode', checked: s.transcode !== false });
  // Shown only where the server records (the API shows `record` then, docs/recording.md).
  const record = opts?.recording ? h('input', { type: 'checkbox', name: 'record', checked: s.record !== false }) : null;
  const scheduled = h('input', { name: 'scheduledAt', type: 'datetime-local', value: toLocalInput(s.scheduledAt) });
  let scheduleTouched = false;
  scheduled.addEventListener('input', () => { scheduleTouched = true; });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const saved = h('span', { class: 'muted small', role: 'status' });
  const submit = h('button', { class: 'primary', type: 'submit', text: editing ? 'Save changes' : 'Create stream' });

  const form = h('form', { class: 'stream-form' },
    h('div', { class: 'form-grid' },
      field('Title', title, 'full'),
      field('Description', description, 'full'),
      field('Who can watch', visibility),
      tierLabel, priceLabel,
      field('Scheduled start (optional)', scheduled),
      h('label', { class: 'check' }, chatEnabled, h('span', { text: 'Chat on' })),
      h('label', { class: 'check' }, subsOnly, h('span', { text: 'Subscribers-only chat' })),
      field('Slow mode (seconds between messages)', slow),
      field('Blocked words', blocked),
      h('label', { class: 'check full' }, transcode,
        h('span', { text: 'Several qualities for fans (1080p to 360p; applies when the stream next goes live)' })),
      record ? h('label', { class: 'check full' }, record,
        h('span', { text: 'Record for replay (fans with access can watch it once the stream ends; you can download or delete it)' })) : null),
    error,
    h('div', { class: 'row' }, submit, saved,
      editing && stream.status !== 'LIVE'
        ? h('button', { class: 'danger small', type: 'button', text: 'Delete stream', on: { click: remove } })
        : null));

  async function remove() {
    if (!confirm(`Delete "${stream.title}"? This cannot be undone.`)) return;
    try {
      await api('DELETE', `/api/livestream/${encodeURIComponent(stream.id)}`);
      onDeleted?.(stream);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    saved.textContent = '';
    const body = {
      title: title.value.trim(),
      description: description.value,
      visibility: visibility.value,
      chat: {
        enabled: chatEnabled.checked,
        subscribersOnly: subsOnly.checked,
        slowModeSeconds: Math.max(0, Math.round(Number(slow.value) || 0)),
        blockedWords: blocked.value.split(/[,\n]/).map((w) => w.trim()).filter(Boolean),
      },
      transcode: transcode.checked,
    };
    if (record) body.record = record.checked;
    if (visibility.value === 'TIER') body.minTier = Math.round(Number(minTier.value) || 1);
    if (visibility.value === 'PAID') body.priceCents = Math.round(Number(price.value) * 100);
    if (!editing || scheduleTouched) body.scheduledAt = scheduled.value ? new Date(scheduled.value).getTime() : null;
    if (!editing && body.scheduledAt === null) delete body.scheduledAt;
    submit.disabled = true;
    try {
      const result = editing
        ? await api('PATCH', `/api/livestream/${encodeURIComponent(stream.id)}`, body)
        : await api('POST', '/api/livestream', body);
      saved.textContent = editing ? 'Saved.' : '';
      onSaved?.(result, !editing);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  fill(root, h('h2', { text: editing ? 'Stream settings' : 'New stream' }), form);
  if (!editing) title.focus();
}
