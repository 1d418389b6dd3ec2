// Web Push for a signed-in fan (docs/notifications.md). No visible control lives here: the
// notification settings page calls these.
//
//   pushSupported()        whether this browser can do Web Push here (service workers, PushManager,
//                          Notification, a secure context)
//   await enablePush()     asks for permission (call it from a click), registers /sw.js,
//                          subscribes with the server's VAPID key and stores the subscription
//                          (POST /api/push/subscriptions); true when push is on, false when the
//                          browser cannot, the fan said no, or the server refused
//   await disablePush()    unsubscribes this browser and tells the server
//                          (DELETE /api/push/subscriptions); true when nothing is left subscribed
//   await pushEnabled()    whether this browser holds a subscription now
import { api } from './api.js';

const SW_URL = '/sw.js';

export function pushSupported() {
  return globalThis.isSecureContext === true && 'serviceWorker' in navigator &&
    'PushManager' in globalThis && 'Notification' in globalThis;
}

function keyBytes(base64url) {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function registration() {
  return navigator.serviceWorker.register(SW_URL, { scope: '/', type: 'classic' });
}

function sameKey(subscription, key) {
  const current = subscription.options?.applicationServerKey;
  if (!current) return true;
  const a = new Uint8Array(current);
  return a.length === key.length && a.every((v, i) => v === key[i]);
}

export async function enablePush() {
  if (!pushSupported()) return false;
  try {
    const permission = Notification.permission === 'granted'
      ? 'granted' : await Notification.requestPermission();
    if (permission !== 'granted') return false;
    const { publicKey } = await api('GET', '/api/push/vapid-public-key');
    const key = keyBytes(publicKey);
    const reg = await registration();
    await navigator.serviceWorker.ready;
    let sub = await reg.pushManager.getSubscription();
    // A subscription made for another server key cannot receive our pushes: replace it.
    if (sub && !sameKey(sub, key)) {
      await sub.unsubscribe();
      sub = null;
    }
    if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    await api('POST', '/api/push/subscriptions', sub.toJSON());
    return true;
  } catch {
    return false;
  }
}

export async function disablePush() {
  if (!pushSupported()) return true;
  try {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = reg ? await reg.pushManager.getSubscription() : null;
    if (!sub) return true;
    const { endpoint } = sub;
    await sub.unsubscribe();
    try {
      await api('DELETE', '/api/push/subscriptions', { endpoint });
    } catch (e) {
      if (e.status !== 404) throw e;  // already gone on the server
    }
    return true;
  } catch {
    return false;
  }
}

export async function pushEnabled() {
  if (!pushSupported()) return false;
  const reg = await navigator.serviceWorker.getRegistration('/');
  return Boolean(reg && await reg.pushManager.getSubscription());
}
