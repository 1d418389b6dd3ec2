// Notifications in the pages, in Chromium (docs/web.md, Notifications): a signed-in fan's open
// home page shows the in-app notification live (bell count and list, over the page's own
// WebSocket) when the artist goes live from ffmpeg over RTMP, and the notice that they scheduled
// a show; mark read; "Coming up" shows the
// artist, title and time; "Notify me" on a card and on the Viewer toggles the per-artist mute
// for a subscriber and explains, without changing anything, to a fan who does not subscribe;
// the settings page saves channels and mutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { liveStream } from './lib/live_stream.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';

let server;
let browser;
before(async () => {
  server = await startServer({});
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.cleanup();
});

async function settings(user) {
  const r = await server.api('GET', '/api/me/notification-settings', { token: user.token });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

test('the bell, Notify me and the settings page', async () => {
  const artist = await verifiedArtist(server, 'Bell Artist');
  const fan = await register(server, { displayName: 'Fan' });
  const stranger = await register(server, { displayName: 'Stranger' });
  const sub = await server.admin('PUT', '/api/admin/subscriptions', { fanId: fan.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(sub.status, 200, sub.text);
  const at = Date.now() + 2 * 3600_000;
  const planned = await createStream(server, artist, { title: 'Planned show', scheduledAt: at });

  const home = await openPage(browser, `${server.url}/`, { user: fan });
  const { page } = home;
  // Coming up: artist, title, time, and Notify me on (a subscriber, not muted).
  const card = `#upcoming li[data-stream-id="${planned.id}"]`;
  await until(page, (sel) => document.querySelector(sel)?.textContent, card, { what: 'the coming-up card' });
  assert.equal(await page.textContent(`${card} h2`), 'Planned show');
  assert.equal(await page.textContent(`${card} .artist`), 'Bell Artist');
  const when = await page.textContent(`${card} .when`);
  assert.equal(when, await page.evaluate((t) => new Date(t).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }), at));
  assert.equal(await page.getAttribute(`${card} a[download]`, 'href'), `${server.url}/api/livestream/${planned.id}/calendar.ics`);
  await until(page, (sel) => document.querySelector(sel)?.getAttribute('aria-pressed') === 'true', `${card} .notify-me`, { what: 'Notify me on' });

  // The bell: signed in, its WebSocket authenticated; one unread: the notice that the artist
  // scheduled the planned show. Read, it leaves nothing unread.
  await until(page, () => document.querySelector('#bell')?.dataset.live === 'true', null, { what: 'the bell connected' });
  await until(page, () => document.querySelector('#bell .bell-count')?.textContent === '1', null, { what: 'the scheduled notice counted' });
  await page.click('#bell-button');
  const scheduledItem = `#bell-list li[data-kind="stream_scheduled"]`;
  await until(page, (sel) => document.querySelector(sel), scheduledItem, { what: 'the scheduled notice in the list' });
  assert.match(await page.textContent(`${scheduledItem} a`), /^Bell Artist scheduled “Planned show” for \S/);
  assert.ok((await page.textContent(`${scheduledItem} a`)).endsWith(when), 'the same time as the card');
  assert.equal(await page.getAttribute(`${scheduledItem} a`, 'href'), `/watch/${planned.id}`);
  await page.click(`${scheduledItem} button`);
  await until(page, () => document.querySelector('#bell .bell-count').hidden, null, { what: 'nothing unread' });
  await page.keyboard.press('Escape');

  // The artist goes live from ffmpeg: the open page hears it.
  const live = await liveStream(server, artist, { title: 'Surprise set' });
  try {
    await until(page, () => document.querySelector('#bell .bell-count')?.textContent === '1' &&
      !document.querySelector('#bell .bell-count').hidden, null, { what: 'the unread count 1', timeout: 20000 });
    await page.click('#bell-button');
    await until(page, () => !document.querySelector('#bell-panel').hidden, null, { what: 'the list open' });
    const item = `#bell-list li[data-kind="stream_live"]`;
    await until(page, (sel) => document.querySelector(sel), item, { what: 'the notification in the list' });
    assert.equal(await page.textContent(`${item} a`), 'Bell Artist is live: Surprise set');
    assert.equal(await page.getAttribute(`${item} a`, 'href'), `/watch/${live.id}`);
    await page.click(`${item} button`);
    await until(page, () => document.querySelector('#bell .bell-count').hidden, null, { what: 'the count gone' });
    const list = await server.api('GET', '/api/notifications', { token: fan.token });
    assert.equal(list.body.unreadCount, 0);
    assert.equal(list.body.items[0].streamId, live.id);
    await page.keyboard.press('Escape');
  } finally {
    await live.stop();
  }

  // Notify me on the card mutes the artist, and again unmutes.
  await page.click(`${card} .notify-me`);
  await until(page, (sel) => document.querySelector(sel)?.dataset.state === 'muted', `${card} .notify-me-wrap`, { what: 'muted' });
  assert.equal(await page.getAttribute(`${card} .notify-me`, 'aria-pressed'), 'false');
  assert.deepEqual((await settings(fan)).mutedArtists, [artist.id]);
  await page.click(`${card} .notify-me`);
  await until(page, (sel) => document.querySelector(sel)?.dataset.state === 'on', `${card} .notify-me-wrap`, { what: 'unmuted' });
  assert.equal(await page.getAttribute(`${card} .notify-me`, 'aria-pressed'), 'true');
  assert.deepEqual((await settings(fan)).mutedArtists, []);

  // The settings page: email off and the artist muted, saved.
  const s = await openPage(browser, `${server.url}/notifications`, { user: fan });
  await until(s.page, () => document.querySelector('#settings-form'), null, { what: 'the settings form' });
  assert.equal(await s.page.isChecked('#channel-inApp'), true);
  assert.equal(await s.page.isChecked('#channel-email'), true);
  assert.equal(await s.page.isChecked(`#artist-list li[data-artist-id="${artist.id}"] input`), true);
  // No mail server here: no per-artist email box is offered (web_email_mutes.test.mjs has one).
  assert.equal(await s.page.locator('#artist-list input[name="artist-email"]').count(), 0);
  // Push on this browser is offered (the server has a VAPID key; 127.0.0.1 is a secure context),
  // off until the fan turns it on.
  await until(s.page, () => document.querySelector('#push-toggle')?.textContent === 'Turn on', null, { what: 'the push switch' });
  assert.equal(await s.page.isVisible('#push-setting'), true);
  assert.equal(await s.page.getAttribute('#push-toggle', 'aria-pressed'), 'false');
  await s.page.uncheck('#channel-email');
  await s.page.uncheck(`#artist-list li[data-artist-id="${artist.id}"] input`);
  await s.page.click('#settings-save');
  await until(s.page, () => document.querySelector('#settings-status')?.textContent === 'Saved.', null, { what: 'saved' });
  const saved = await settings(fan);
  assert.equal(saved.email, false);
  assert.equal(saved.inApp, true);
  assert.deepEqual(saved.mutedArtists, [artist.id]);
  assert.equal(await s.page.isVisible('#bell-button'), true, 'the bell is on this page too');

  // The Viewer: Notify me shows the mute and lifts it.
  const v = await openPage(browser, `${server.url}/watch/${planned.id}`, { user: fan });
  await until(v.page, () => document.querySelector('#notify-me .notify-me-wrap')?.dataset.state === 'muted', null, { what: 'muted on the Viewer' });
  await v.page.click('#notify-me .notify-me');
  await until(v.page, () => document.querySelector('#notify-me .notify-me-wrap')?.dataset.state === 'on', null, { what: 'on again' });
  assert.deepEqual((await settings(fan)).mutedArtists, []);

  // A fan who does not subscribe is told why, and nothing changes.
  const o = await openPage(browser, `${server.url}/watch/${planned.id}`, { user: stranger });
  await until(o.page, () => document.querySelector('#notify-me .notify-me-wrap')?.dataset.state === 'not_subscribed', null, { what: 'not subscribed' });
  await o.page.click('#notify-me .notify-me');
  await until(o.page, () => !document.querySelector('#notify-me .notify-note').hidden, null, { what: 'the explanation' });
  assert.match(await o.page.textContent('#notify-me .notify-note'), /Notifications go to Bell Artist's subscribers/);
  assert.deepEqual((await settings(stranger)).mutedArtists, []);
  assert.equal(await o.page.getAttribute('#notify-me .notify-me', 'aria-pressed'), 'false');

  for (const p of [home, s, v, o]) {
    assert.deepEqual(p.errors, []);
    assert.deepEqual(p.csp, []);
    assert.deepEqual(p.dialogs, []);
  }
});

test('signed out: no bell; the unsubscribe page needs no script', async () => {
  const p = await openPage(browser, `${server.url}/`);
  await p.page.waitForLoadState('load');
  assert.equal(await p.page.isVisible('#bell'), false);
  const bad = await openPage(browser, `${server.url}/unsubscribe?token=forged.AAAA`);
  assert.equal(await bad.page.textContent('h1'), 'This link is not valid');
  assert.deepEqual(bad.csp, []);
});
