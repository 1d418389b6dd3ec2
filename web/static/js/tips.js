// The tip dialog: amount and an optional message, then the payment. With the built-in sandbox
// provider (docs/payments.md) the fan confirms a test payment here and no money moves; with
// Stripe, Stripe.js (loaded only then, from js.stripe.com, which the CSP allows only when a
// publishable key is configured) collects the card and confirms the PaymentIntent. The tip shows
// in chat once the server has the payment's confirmation.
import { h, fill, formatMoney } from './dom.js';
import { api } from './api.js';
import { stripeStep as cardStep } from './stripe_checkout.js';

const PRESETS = [200, 500, 1000, 2000];
const MIN_CENTS = 100;
const MAX_CENTS = 100000;

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function openTipDialog({ streamId, currency = 'USD', artistName = 'the artist' }) {
  let cents = 500;
  // One idempotency key per tip attempt: a retried request never charges twice.
  let idempotencyKey = newKey();
  const dialog = h('dialog', { class: 'tip-dialog', 'aria-labelledby': 'tip-title' });
  const body = h('div');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const close = () => dialog.close();
  dialog.append(h('h2', { id: 'tip-title', text: `Tip ${artistName}` }), body, error);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);

  const showError = (text) => { error.textContent = text; error.hidden = !text; };

  function amountStep() {
    const custom = h('input', { type: 'number', name: 'amount', min: String(MIN_CENTS / 100), max: String(MAX_CENTS / 100), step: '0.01', inputmode: 'decimal', 'aria-label': 'Amount', value: String(cents / 100) });
    const presetButtons = PRESETS.map((p) => h('button', {
      type: 'button', text: formatMoney(p, currency), 'aria-pressed': String(p === cents),
      on: { click: () => { cents = p; custom.value = String(p / 100); sync(); } },
    }));
    const sync = () => { for (const [i, b] of presetButtons.entries()) b.setAttribute('aria-pressed', String(PRESETS[i] === cents)); };
    custom.addEventListener('input', () => { cents = Math.round(Number(custom.value) * 100); sync(); });
    const message = h('textarea', { name: 'message', rows: '2', maxlength: '300', placeholder: 'Add a message (optional)', 'aria-label': 'Message' });
    const submit = h('button', { class: 'primary', type: 'submit', text: 'Continue' });
    const form = h('form', {},
      h('div', { class: 'amounts' }, presetButtons),
      h('label', {}, h('span', { text: `Amount (${currency})` }), custom),
      h('label', {}, h('span', { text: 'Message' }), message),
      h('p', { class: 'muted small', text: `From ${formatMoney(MIN_CENTS, currency)} to ${formatMoney(MAX_CENTS, currency)}. Your tip and message appear in chat once the payment is confirmed.` }),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', text: 'Cancel', on: { click: close } }), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showError('');
      if (!Number.isInteger(cents) || cents < MIN_CENTS || cents > MAX_CENTS) {
        showError(`Choose an amount between ${formatMoney(MIN_CENTS, currency)} and ${formatMoney(MAX_CENTS, currency)}.`);
        return;
      }
      submit.disabled = true;
      try {
        const tip = await api('POST', `/api/livestream/${encodeURIComponent(streamId)}/tips`,
          { amountCents: cents, currency, message: message.value.trim() || null },
          { headers: { 'idempotency-key': idempotencyKey } });
        if (tip.provider === 'sandbox') sandboxStep(tip);
        else stripeStep(tip);
      } catch (err) {
        showError(err.message);
      } finally {
        submit.disabled = false;
      }
    });
    fill(body, form);
  }

  function sandboxStep(tip) {
    const pay = async (outcome) => {
      showError('');
      try {
        const r = await api('POST', `/api/sandbox/payments/${encodeURIComponent(tip.paymentIntentId)}/confirm`, { outcome });
        if (outcome === 'failed' || r?.status === 'FAILED') {
          idempotencyKey = newKey();
          showError('The test payment was declined. Nothing was charged.');
          amountStep();
        } else {
          done(tip);
        }
      } catch (err) {
        showError(err.message);
      }
    };
    fill(body,
      h('p', {}, 'Tip of ', h('strong', { text: formatMoney(tip.amountCents, tip.currency) }), '.'),
      h('p', { class: 'sandbox-note', text: 'Sandbox payments: this server runs the built-in test provider. No card is needed and no money moves.' }),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', text: 'Simulate a decline', on: { click: () => pay('failed') } }),
        h('button', { class: 'primary', type: 'button', text: 'Complete test payment', on: { click: () => pay('succeeded') } })));
  }

  function stripeStep(tip) {
    return cardStep(body, tip, { onCancel: close, onPaid: () => done(tip), showError });
  }

  function done(tip) {
    fill(body,
      h('p', {}, 'Thank you! Your tip of ', h('strong', { text: formatMoney(tip.amountCents, tip.currency) }), ' is on its way; it shows in chat as soon as the payment is confirmed.'),
      h('div', { class: 'dialog-actions' }, h('button', { class: 'primary', type: 'button', text: 'Close', on: { click: close } })));
  }

  amountStep();
  dialog.showModal();
  return dialog;
}
