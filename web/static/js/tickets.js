// The ticket checkout of a PAID stream (docs/payments.md, Tickets). The server opens one ticket
// per fan and stream with a PaymentIntent for the stream's price; with the built-in sandbox
// provider the fan confirms a test payment here and no money moves; with Stripe, Stripe.js
// (loaded only then) collects the card and confirms the PaymentIntent (SCA, 3-D Secure). The
// ticket admits its fan once the server has the payment's confirmation (the webhook): the Viewer
// is told through onPaid and watches the access answer until it says so.
import { h, fill, formatMoney } from './dom.js';
import { api } from './api.js';
import { stripeStep as cardStep } from './stripe_checkout.js';

export function openTicketDialog({ streamId, stream, onPaid }) {
  const dialog = h('dialog', { class: 'tip-dialog ticket-dialog', 'aria-labelledby': 'ticket-title' });
  const body = h('div');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const close = () => dialog.close();
  dialog.append(h('h2', { id: 'ticket-title', text: 'Buy a ticket' }), body, error);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);

  const showError = (text) => { error.textContent = text; error.hidden = !text; };
  const price = formatMoney(stream.priceCents, stream.currency);

  function offerStep() {
    const submit = h('button', { class: 'primary', type: 'submit', text: `Continue to payment (${price})` });
    const form = h('form', {},
      h('p', {}, h('strong', { text: stream.title ?? 'This stream' }), ` is a paid event: ${price}.`),
      h('p', { class: 'muted small', text: 'Your ticket lets you watch and chat in this stream. It is yours as soon as the payment is confirmed.' }),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', text: 'Cancel', on: { click: close } }), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showError('');
      submit.disabled = true;
      try {
        // The amount charged is the ticket's, shown on the next step before anything is paid: a
        // checkout begun earlier keeps the price it began at (docs/payments.md, Prices).
        const ticket = await api('POST', `/api/livestream/${encodeURIComponent(streamId)}/tickets`,
          { currency: stream.currency });
        if (ticket.admits) done(ticket);
        else if (ticket.provider === 'sandbox') sandboxStep(ticket);
        else stripeStep(ticket);
      } catch (err) {
        showError(err.message);
      } finally {
        submit.disabled = false;
      }
    });
    fill(body, form);
  }

  // Said when the fan's open checkout is at another price than the stream's today.
  const priceNote = (ticket) => (ticket.amountCents !== stream.priceCents
    ? h('p', { class: 'muted small', text: `Your checkout began at ${formatMoney(ticket.amountCents, ticket.currency)}; that is the price you pay.` })
    : null);

  function sandboxStep(ticket) {
    const pay = async (outcome) => {
      showError('');
      try {
        const r = await api('POST', `/api/sandbox/payments/${encodeURIComponent(ticket.paymentIntentId)}/confirm`, { outcome });
        if (outcome === 'failed' || r?.effect === 'failed') {
          showError('The test payment was declined. Nothing was charged.');
          offerStep();
        } else {
          done(ticket);
        }
      } catch (err) {
        showError(err.message);
      }
    };
    fill(body,
      h('p', {}, 'Ticket: ', h('strong', { text: formatMoney(ticket.amountCents, ticket.currency) }), '.'),
      priceNote(ticket),
      h('p', { class: 'sandbox-note', text: 'Sandbox payments: this server runs the built-in test provider. No card is needed and no money moves.' }),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', text: 'Simulate a decline', on: { click: () => pay('failed') } }),
        h('button', { class: 'primary', type: 'button', text: 'Complete test payment', on: { click: () => pay('succeeded') } })));
  }

  function stripeStep(ticket) {
    return cardStep(body, ticket, { before: priceNote(ticket), onCancel: close, onPaid: () => done(ticket), showError });
  }

  function done(ticket) {
    fill(body,
      h('p', {}, ticket.admits
        ? 'You have a ticket for this stream.'
        : 'Thank you! The stream starts here as soon as the payment is confirmed; this window then closes.'),
      h('div', { class: 'dialog-actions' }, h('button', { class: 'primary', type: 'button', text: 'Close', on: { click: close } })));
    onPaid?.();
  }

  offerStep();
  dialog.showModal();
  return dialog;
}
