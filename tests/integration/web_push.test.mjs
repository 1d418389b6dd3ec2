// The notification service worker in Chromium (docs/notifications.md): web/static/js/push.js in
// a page registers /sw.js for the whole site under the pages' CSP and Trusted Types; a push
// delivered to that worker (through the DevTools protocol: a real browser push service cannot
// be reached from here, so pushManager.subscribe() fails and enablePush() says false) is shown
// as a notification with the title, body and tag the server sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register } from './lib/fixtures.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';

test('push.js registers the service worker, which shows a delivered push', async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const fan = await register(server);
    const seen = await openPage(browser, `${server.url}/`, { user: fan });
    const { page } = seen;
    await page.context().grantPermissions(['notifications'], { origin: server.url });
    const cdp = await page.context().newCDPSession(page);
    const registrations = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');

    const result = await page.evaluate(async () => {
      const push = await import('/static/js/push.js');
      const supported = push.pushSupported();
      const enabled = await push.enablePush();
      const reg = await navigator.serviceWorker.getRegistration('/');
      await navigator.serviceWorker.ready;
      return { supported, enabled, scope: reg?.scope, active: Boolean(reg?.active), script: reg?.active?.scriptURL };
    });
    assert.equal(result.supported, true, 'a secure context with service workers and PushManager');
    assert.equal(result.enabled, false, 'no push service reachable here: enablePush() says so');
    assert.equal(result.scope, `${server.url}/`, 'the whole site');
    assert.equal(result.active, true);
    assert.equal(result.script, `${server.url}/sw.js`);
    assert.deepEqual(seen.csp, [], 'no CSP or Trusted Types violation');
    assert.deepEqual(seen.errors, []);

    const reg = registrations.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted);
    assert.ok(reg, JSON.stringify(registrations));
    const data = JSON.stringify({ title: 'Push Artist is live', body: 'Pushed set', url: `${server.url}/watch/abc`, tag: 'stream_live:abc', streamId: 'abc' });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${server.url}/`, registrationId: reg.registrationId, data });
    const shown = await until(page, async () => {
      const r = await navigator.serviceWorker.getRegistration('/');
      const ns = await r.getNotifications();
      return ns.length ? ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url })) : null;
    }, undefined, { what: 'the notification' });
    assert.deepEqual(shown, [{ title: 'Push Artist is live', body: 'Pushed set', tag: 'stream_live:abc', url: `${server.url}/watch/abc` }]);
    // The same notification pushed again (a copy after a crash) replaces it: still one.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${server.url}/`, registrationId: reg.registrationId, data });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await page.evaluate(async () => (await (await navigator.serviceWorker.getRegistration('/')).getNotifications()).length);
    assert.equal(after, 1);
    // A link to another site is never opened from a notification.
    const foreign = JSON.stringify({ title: 't', body: 'b', url: 'https://evil.example/x', tag: 'other' });
    // (Delivered again if it does not show: on a loaded machine Chromium now and then drops a
    // message pushed while its service worker is being stopped; the same tag replaces it.)
    let urls = null;
    for (let attempt = 0; attempt < 4 && !urls; ++attempt) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${server.url}/`, registrationId: reg.registrationId, data: foreign });
      urls = await until(page, async () => {
        const ns = await (await navigator.serviceWorker.getRegistration('/')).getNotifications({ tag: 'other' });
        return ns.length ? ns.map((n) => n.data.url) : null;
      }, undefined, { what: 'the second notification', timeout: 5000 }).catch(() => null);
    }
    assert.deepEqual(urls, [`${server.url}/`]);
  } finally {
    await browser.close();
    await server.cleanup();
  }
});
