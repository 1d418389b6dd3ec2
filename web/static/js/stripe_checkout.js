// Stripe.js for a PaymentIntent the server created (a tip or a ticket): loaded only when needed,
// from js.stripe.com (the CSP allows it only when a publishable key is configured), then the
// Payment Element and its confirmation (3-D Secure included), in a dialog body of the caller's.
import { h, fill, formatMoney } from './dom.js';

let stripeLoading = null;
export function loadStripe() {
  if (globalThis.Stripe) return Promise.resolve(globalThis.Stripe);
  if (!stripeLoading) {
    stripeLoading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'https://js.stripe.com/v3/';
      s.onload = () => resolve(globalThis.Stripe);
      s.onerror = () => reject(new Error('Stripe.js could not be loaded'));
      document.head.append(s);
    });
  }
  return stripeLoading;
}

// payment: { publishableKey, clientSecret, amountCents, currency }. `before` goes above the card
// form; onPaid() once Stripe confirmed (the server learns it from the webhook).
export async function stripeStep(body, payment, { before = null, onCancel, onPaid, showError }) {
  fill(body, h('p', { class: 'muted', text: 'Loading the secure payment form…' }));
  try {
    if (!payment.publishableKey) throw new Error('Card payments are not configured on this server.');
    const Stripe = await loadStripe();
    const stripe = Stripe(payment.publishableKey);
    const elements = stripe.elements({ clientSecret: payment.clientSecret });
    const mount = h('div', { class: 'stripe-element' });
    const pay = h('button', { class: 'primary', type: 'submit', text: `Pay ${formatMoney(payment.amountCents, payment.currency)}` });
    const form = h('form', {}, before, mount, h('div', { class: 'dialog-actions' }, h('button', { type: 'button', text: 'Cancel', on: { click: onCancel } }), pay));
    fill(body, form);
    elements.create('payment').mount(mount);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      pay.disabled = true;
      showError('');
      const { error: failure } = await stripe.confirmPayment({ elements, redirect: 'if_required', confirmParams: { return_url: location.href } });
      pay.disabled = false;
      if (failure) showError(failure.message ?? 'The payment did not go through.');
      else onPaid();
    });
  } catch (err) {
    showError(err.message);
  }
}
