// The notification service worker (docs/notifications.md), served at /sw.js so that its scope is
// the whole site. It shows each Web Push message as a system notification and, on a click,
// focuses a tab already on the watch page or opens one.
//
// The push's data is the JSON the server encrypted for this browser (RFC 8291; the browser has
// decrypted it by now): {"title", "body", "url", "tag", "streamId"}. The tag is the same for
// every copy of one notification: a copy sent again after a server crash replaces the one shown
// instead of showing a second.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// Only links into this site are opened from a notification.
function sameOriginUrl(url) {
  try {
    const u = new URL(url, self.location.origin);
    return u.origin === self.location.origin ? u.href : self.location.origin + '/';
  } catch {
    return self.location.origin + '/';
  }
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'Stagecast';
  const options = {
    body: typeof data.body === 'string' ? data.body : '',
    tag: typeof data.tag === 'string' && data.tag ? data.tag : undefined,
    data: { url: sameOriginUrl(typeof data.url === 'string' ? data.url : '/') },
    icon: '/static/img/icon.svg',
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = sameOriginUrl(event.notification.data?.url ?? '/');
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const client of open) {
      if (client.url === url && 'focus' in client) return client.focus();
    }
    return self.clients.openWindow(url);
  })());
});
