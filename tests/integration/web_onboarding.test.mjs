// A newcomer goes live without curl (issue #19), in Chromium against a fresh server with its
// embedded defaults (sandbox payments): sign up as a fan on the home page, ask to become an
// artist in the Studio (granted at once in the embedded setup), connect payouts (the sandbox
// completes it at once, marked simulated), create a stream, publish with ffmpeg to the RTMP URL
// and key the Studio shows; a second browser context sees the stream's card with its live
// picture on "Live now" and plays the stream from it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { uniqueEmail } from './lib/fixtures.mjs';
import { join } from 'node:path';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';
import { publish } from './lib/media.mjs';

let server, browser, pub;
before(async () => {
  server = await startServer({ args: ['--thumbnails.interval_seconds=2'] });
  browser = await launchBrowser();
});
after(async () => {
  pub?.proc.kill('SIGKILL');
  await browser?.close();
  await server.cleanup();
});

test('sign up, become an artist, connect payouts, go live; a viewer sees the card and plays', async () => {
  // --- the newcomer, in their own browser context ---
  const { page, errors } = await openPage(browser, `${server.url}/`);
  await page.click('#account button');  // "Sign in" in the top bar
  await page.click('dialog button.link');  // "Create an account"
  await page.fill('dialog input[name=email]', uniqueEmail('newcomer'));
  await page.fill('dialog input[name=password]', 'a newcomer password');
  await page.fill('dialog input[name=displayName]', 'Newcomer Band');
  await page.click('dialog button[type=submit]');
  await until(page, () => !document.querySelector('dialog'), null, { what: 'the sign-up dialog to close' });
  const role = await page.evaluate(() => JSON.parse(sessionStorage.getItem('stagecast.session')).user.role);
  assert.equal(role, 'FAN', 'signed up as a fan');

  await page.goto(`${server.url}/studio`);
  await page.waitForSelector('#become-artist');
  await page.click('#become-artist');
  await page.waitForSelector('#connect-payouts');  // granted at once: now an artist without payouts
  assert.match(await page.textContent('#verify-panel'), /Connect payouts to go live/);
  await page.click('#connect-payouts');
  await until(page, () => /simulated/.test(document.querySelector('#payouts-state')?.textContent ?? ''), null, { what: 'payouts connected (simulated)' });
  assert.match(await page.textContent('#payouts-state'), /no money moves/);
  await page.screenshot({ path: join(artifactsDir(), 'studio-onboarding-simulated.png') });

  // Create a stream in the Studio's form.
  await page.click('#new-stream');
  await page.fill('#editor input[name=title]', 'First night live');
  await page.click('#editor button[type=submit]');
  await page.waitForSelector('#rtmp-url');
  await page.click('#show-key');
  const rtmpUrl = (await page.textContent('#rtmp-url')).trim();
  const key = (await page.textContent('#stream-key')).trim();
  assert.match(rtmpUrl, /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
  assert.match(key, /^[A-Za-z0-9_-]{20,}$/);
  const streamId = await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('stream'));
  assert.ok(streamId);

  // The encoder: ffmpeg as OBS would be, to exactly what the Studio showed.
  pub = publish(`${rtmpUrl}/${key}`, { seconds: 300, size: '640x360', gop: 30 });
  await until(page, () => document.querySelector('#control .badge')?.textContent === 'LIVE', null, { timeout: 30000, what: 'the Studio to show LIVE' });

  // --- a viewer, in a second browser context, anonymous ---
  const viewer = await openPage(browser, `${server.url}/`);
  const card = `.stream-card[data-stream-id="${streamId}"]`;
  // The home page refreshes its cards every 15 s; a person would reload: so does the test.
  let seen = null;
  for (let attempt = 0; attempt < 5 && !seen; attempt++) {
    if (attempt > 0) await viewer.page.reload();
    seen = await until(viewer.page, (sel) => {
      const img = document.querySelector(`${sel} .thumb img`);
      return img && img.complete && img.naturalWidth > 0 ? { w: img.naturalWidth, h: img.naturalHeight } : null;
    }, card, { timeout: 8000, interval: 500, what: 'the card with its live picture' }).catch(() => null);
  }
  assert.ok(seen, 'the card shows the stream\'s live picture');
  assert.equal(seen.w, 480, 'the picture is 480 px wide');
  assert.equal(seen.h, 270);
  await viewer.page.screenshot({ path: join(artifactsDir(), 'home-live-now.png') });
  const text = await viewer.page.textContent(card);
  assert.match(text, /First night live/);
  assert.match(text, /Newcomer Band/);
  assert.match(text, /\d+ watching/);
  assert.match(text, /LIVE/);

  // Click it and play.
  await viewer.page.click(`${card} a.card-link`);
  await viewer.page.waitForURL(`**/watch/${streamId}`);
  await until(viewer.page, () => {
    const v = document.querySelector('video');
    return v && v.currentTime > 1 && !v.paused;
  }, null, { timeout: 40000, what: 'the stream to play' });
  // The card's viewer count follows the person now watching (the Viewer joined the room).
  const counter = await openPage(browser, `${server.url}/`);
  await until(counter.page, (sel) => /[1-9]\d* watching/.test(document.querySelector(sel)?.textContent ?? ''), card, { timeout: 20000, what: 'a viewer counted on the card' });
  assert.deepEqual([...errors, ...viewer.errors, ...counter.errors], []);
  assert.deepEqual([...viewer.csp, ...counter.csp], []);
  for (const p of [page, viewer.page, counter.page]) await p.context().close();
});
