// The Studio's onboarding panel (docs/web.md, "Becoming an artist" and "Payouts"): what stands
// between this account and going live, and the one button that moves it on.
//
//   FAN                        "Become an artist" (granted at once, or waits for the operator)
//   ARTIST, payouts NONE       "Connect payouts": a Stripe Connect account and its onboarding
//                              link; the sandbox completes it at once (said so, no money moves)
//   ARTIST, payouts PENDING    Stripe is still checking: "Continue with Stripe"
//   ARTIST, payouts DISABLED   why (Stripe's reason in words) and "Update details with Stripe"
//   verified                   nothing, or the sandbox's "simulated" note
//
// Stripe sends the artist back to /studio?stripe=return (done or not: the account's state says)
// or ?stripe=refresh (the link expired: a new one is made at once).
import { h, fill, show } from './dom.js';
import { api, refreshMe } from './api.js';

async function connectPayouts(button, error, onChanged) {
  button.disabled = true;
  error.hidden = true;
  try {
    const r = await api('POST', '/api/artists/me/stripe/onboarding', {});
    if (r.simulated) {
      await refreshMe();
      onChanged();
      return;
    }
    location.assign(r.url);  // Stripe's hosted onboarding; it sends the artist back here
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
    button.disabled = false;
  }
}

let watch = null;  // the poll that notices Stripe's verdict while the page is open

export function renderOnboarding(root, me, { onChanged }) {
  clearInterval(watch);
  watch = null;
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const params = new URLSearchParams(location.search);
  const back = params.get('stripe');
  if (back) history.replaceState(null, '', location.pathname + location.hash);

  if (me.role === 'FAN') {
    const waiting = me.artistRequestedAt != null;
    const ask = h('button', { type: 'button', class: 'primary', id: 'become-artist', text: 'Become an artist', disabled: waiting });
    ask.addEventListener('click', async () => {
      ask.disabled = true;
      error.hidden = true;
      try {
        const r = await api('POST', '/api/me/artist-request', {});
        await refreshMe();
        if (r.granted) onChanged(); else renderOnboarding(root, { ...me, artistRequestedAt: r.user.artistRequestedAt }, { onChanged });
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
        ask.disabled = false;
      }
    });
    fill(root,
      h('h2', { text: 'Go live on Stagecast' }),
      h('p', { class: 'muted small', text: waiting
        ? 'Your request to become an artist is waiting for the operator of this server. This page updates once it is granted.'
        : 'Your account is a fan account. Ask to become an artist to create streams and go live.' }),
      h('p', { id: 'artist-request-state', class: 'small', text: waiting ? 'Request sent: waiting for the operator.' : '' }),
      error,
      h('div', { class: 'row' }, ask));
    show(root, true);
    return;
  }
  if (me.role !== 'ARTIST') {
    show(root, false);
    return;
  }
  const payouts = me.payouts ?? { status: 'NONE' };
  if (me.verifiedArtist) {
    if (payouts.simulated) {
      fill(root,
        h('h2', { text: 'Payouts connected (simulated)' }),
        h('p', { class: 'muted small notice simulated', id: 'payouts-state', text: 'This server uses the sandbox payment provider: the payout account is simulated and no money moves. Tips and tickets are test payments.' }));
      show(root, true);
    } else {
      show(root, false);
    }
    return;
  }
  const button = h('button', { type: 'button', class: 'primary', id: 'connect-payouts' });
  button.addEventListener('click', () => connectPayouts(button, error, onChanged));
  let title;
  let text;
  if (payouts.status === 'PENDING') {
    title = 'Finish setting up payouts';
    text = back === 'return'
      ? 'Stripe has not confirmed your payout account yet. It can take a moment after you finish; this page checks again on its own.'
      : 'Stripe still needs some details before you can be paid.';
    if (payouts.reasonText) text += ` (${payouts.reasonText})`;
    button.textContent = 'Continue with Stripe';
  } else if (payouts.status === 'DISABLED') {
    title = 'Payouts are disabled';
    text = `You cannot go live or receive tips until this is fixed: ${payouts.reasonText ?? 'Stripe disabled the account'}.`;
    button.textContent = 'Update details with Stripe';
  } else {
    title = 'Connect payouts to go live';
    text = 'Artists on Stagecast are paid through Stripe. Connect a payout account (a few minutes with Stripe) and you can go live and receive tips.';
    button.textContent = 'Connect payouts';
  }
  fill(root,
    h('h2', { text: title }),
    h('p', { class: 'small', id: 'payouts-state', dataset: { status: payouts.status }, text }),
    error,
    h('div', { class: 'row' }, button));
  show(root, true);
  if (back === 'refresh') connectPayouts(button, error, onChanged);  // the link expired: a new one
  if (payouts.status === 'PENDING') {
    watch = setInterval(async () => {
      try {
        const u = await refreshMe();
        if (u && (u.verifiedArtist || u.payouts?.status !== payouts.status)) onChanged();
      } catch { /* next tick */ }
    }, 5000);
  }
}
