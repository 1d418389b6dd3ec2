// The sign-in / create-account form and the account corner of the top bar.
import { h, fill } from './dom.js';
import { session, signIn, register } from './api.js';

// A form that signs in (or registers with `role`) and then calls onDone(user).
export function signInForm({ onDone, role = 'FAN', intro } = {}) {
  let mode = 'signin';
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, minlength: '8' });
  const displayName = h('input', { type: 'text', name: 'displayName', autocomplete: 'nickname', maxlength: '50' });
  const nameLabel = h('label', { hidden: true }, h('span', { text: 'Display name' }), displayName);
  const submit = h('button', { class: 'primary', type: 'submit', text: 'Sign in' });
  const toggle = h('button', { class: 'link', type: 'button', text: 'Create an account' });
  const heading = h('h2', { text: 'Sign in' });

  const setMode = (m) => {
    mode = m;
    heading.textContent = m === 'signin' ? 'Sign in' : (role === 'ARTIST' ? 'Create an artist account' : 'Create an account');
    submit.textContent = m === 'signin' ? 'Sign in' : 'Create account';
    toggle.textContent = m === 'signin' ? 'Create an account' : 'I already have an account';
    nameLabel.hidden = m === 'signin';
    displayName.required = m !== 'signin';
    password.autocomplete = m === 'signin' ? 'current-password' : 'new-password';
    error.hidden = true;
  };
  toggle.addEventListener('click', () => setMode(mode === 'signin' ? 'register' : 'signin'));

  const form = h('form', { class: 'signin', novalidate: false },
    heading,
    intro ? h('p', { class: 'muted small', text: intro }) : null,
    h('label', {}, h('span', { text: 'Email' }), email),
    h('label', {}, h('span', { text: 'Password' }), password),
    nameLabel,
    error,
    h('div', { class: 'row' }, submit, toggle));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const user = mode === 'signin'
        ? await signIn(email.value.trim(), password.value)
        : await register(email.value.trim(), password.value, displayName.value.trim(), role);
      password.value = '';
      onDone?.(user);
    } catch (e) {
      error.textContent = e.code === 'invalid_credentials' ? 'Wrong email or password.' : e.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// Fills the top bar's account corner: the signed-in name and "Sign out", or a "Sign in" button.
export function mountAccount(container, { onSignInRequested } = {}) {
  const render = () => {
    const user = session.user;
    if (user) {
      fill(container,
        // The server's operator (docs/web.md) gets the way to the operator page.
        user.operator ? h('a', { class: 'small', href: '/operator', id: 'operator-link', text: 'Operator' }) : null,
        h('span', { class: 'who', title: user.email, text: user.displayName || user.email }),
        h('button', { class: 'small', type: 'button', text: 'Sign out', on: { click: () => session.clear() } }));
    } else {
      fill(container,
        h('button', { class: 'small primary', type: 'button', text: 'Sign in', on: { click: () => onSignInRequested?.() } }));
    }
  };
  session.onChange(render);
  render();
}

// A modal dialog holding the sign-in form; resolves with the user, or null when dismissed.
export function signInDialog(options = {}) {
  return new Promise((resolve) => {
    let user = null;
    const dialog = h('dialog', { class: 'signin-dialog' });
    const close = h('button', { class: 'link', type: 'button', text: 'Cancel', on: { click: () => dialog.close() } });
    dialog.append(signInForm({ ...options, onDone: (u) => { user = u; dialog.close(); } }), h('div', { class: 'dialog-actions' }, close));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(user); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
