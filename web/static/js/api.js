// The REST API (docs/openapi.json) and the signed-in session.
//
// The session token lives in sessionStorage: it survives a reload of the tab but not the tab, is
// not shared with other tabs or sent automatically with requests (no cookie, so no CSRF), and the
// CSP (scripts from this origin only) is what keeps injected script from reading it.

const TOKEN_KEY = 'stagecast.session';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const listeners = new Set();
let current = load();

function load() {
  try {
    const raw = sessionStorage.getItem(TOKEN_KEY);
    const s = raw ? JSON.parse(raw) : null;
    return s && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

export const session = {
  get token() { return current?.token ?? null; },
  get user() { return current?.user ?? null; },
  // Listeners hear of sign-in and sign-out, not of a refreshed profile under the same token.
  set(token, user) {
    const changed = token !== current?.token;
    current = { token, user };
    try { sessionStorage.setItem(TOKEN_KEY, JSON.stringify(current)); } catch { /* private mode */ }
    if (changed) for (const fn of listeners) fn(current);
  },
  clear() {
    current = null;
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* ignore */ }
    for (const fn of listeners) fn(null);
  },
  onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); },
};

export async function api(method, path, body, { signal, headers: extra } = {}) {
  const headers = { ...extra };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  let payload;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.');
  }
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  if (!res.ok) {
    const err = json?.error ?? {};
    // A token the server no longer accepts: forget it so the pages offer sign-in again.
    if (res.status === 401 && session.token && err.code !== 'login_required') session.clear();
    throw new ApiError(res.status, err.code ?? `http_${res.status}`, err.message ?? res.statusText);
  }
  return json;
}

export async function signIn(email, password) {
  const r = await api('POST', '/api/auth/login', { email, password });
  session.set(r.token, r.user);
  return r.user;
}

// Registration answers the same whether or not the email already has an account (no account
// enumeration, docs/architecture.md), so the session comes from signing in right after.
export async function register(email, password, displayName, role) {
  await api('POST', '/api/auth/register', { email, password, displayName, role });
  try {
    return await signIn(email, password);
  } catch (e) {
    if (e.code !== 'invalid_credentials') throw e;
    throw new ApiError(e.status, 'registration_failed',
      'Could not sign you in. If this email already has an account, sign in with its password.');
  }
}

export async function refreshMe() {
  if (!session.token) return null;
  const user = await api('GET', '/api/me');
  session.set(session.token, user);
  return user;
}
