// Going live from the Studio in Chromium (fake camera and microphone) over WHIP into the real
// server: the artist signs in, turns the camera on, picks a camera, a microphone and a quality,
// clicks Go live; the stream becomes LIVE, its HLS carries H.264 and AAC (the Opus transcoded),
// and a fan in a second browser context plays it with hls.js; Stop ends the session.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { ffprobeJson, waitFor } from './lib/media.mjs';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { until, openPage } from './lib/web.mjs';

let server, browser, artist, fan, stream;

before(async () => {
  server = await startServer();
  artist = await verifiedArtist(server, 'Browser Artist');
  fan = await register(server, { displayName: 'Browser Fan' });
  stream = await createStream(server, artist, { title: 'Live from my browser' });
  // An offer that cannot be taken is refused and makes nothing.
  const probe = await server.api('POST', `/whip/${stream.id}`, {
    token: artist.token, raw: 'v=0\r\n', headers: { 'content-type': 'application/sdp' },
  });
  assert.ok([400, 422].includes(probe.status), probe.text);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

test('the Studio goes live from the browser; a fan watches it with hls.js', async () => {
  assert.match(stream.whipUrl ?? '', new RegExp(`^https?://[^/]+/whip/${stream.id}$`), 'the owner gets the WHIP URL');

  const studio = await openPage(browser, `${server.url}/studio`);
  const page = studio.page;
  await page.fill('#signin-panel input[name=email]', artist.email);
  await page.fill('#signin-panel input[name=password]', artist.password);
  await page.click('#signin-panel button[type=submit]');
  await page.waitForSelector('#golive-media');
  await page.click('#golive-media');
  await until(page, () => document.querySelectorAll('#golive-mic option').length >= 2, null, { what: 'the microphone list' });
  const camera = await page.$eval('#golive-camera option', (o) => o.value);
  await page.selectOption('#golive-camera', camera);
  const mic = await page.$$eval('#golive-mic option', (os) => (os.find((o) => /Input 1/.test(o.textContent)) ?? os.at(-1)).value);
  await page.selectOption('#golive-mic', mic);
  await page.selectOption('#golive-quality', '480p');
  await until(page, () => document.querySelector('#golive-preview').videoHeight === 480, null, { what: 'a 480p preview' });

  await page.click('#golive-start');
  await until(page, () => ['live', 'failed'].includes(document.querySelector('#golive-state').dataset.state), null, { timeout: 30000, what: 'live' });
  assert.equal(await page.$eval('#golive-state', (e) => e.dataset.state), 'live', await page.textContent('#golive-message'));
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE in the API' });
  await until(page, () => document.querySelector('#signal')?.textContent === 'receiving', null, { timeout: 20000, what: 'the health panel receiving' });
  await page.screenshot({ path: join(artifactsDir(), 'studio-go-live-whip.png') });

  // The HLS: H.264 and the Opus as AAC.
  const playback = await server.api('POST', `/api/livestream/${stream.id}/playback`, { token: fan.token });
  assert.equal(playback.status, 200, playback.text);
  await waitFor(async () => (await fetch(playback.body.url)).status === 200, { timeout: 30000, what: 'the master playlist' });
  const probe = ffprobeJson(playback.body.url, ['-show_streams']);
  const codecs = probe.streams.map((s) => s.codec_name).sort();
  assert.ok(codecs.includes('h264') && codecs.includes('aac'), codecs.join());

  // A fan plays it with hls.js.
  const viewer = await openPage(browser, `${server.url}/watch/${stream.id}?player=hls.js`, { user: fan });
  try {
    await until(viewer.page, () => document.body.dataset.phase === 'playing', null, { timeout: 60000, what: 'the Viewer playing' });
    const t0 = await viewer.page.evaluate(() => document.querySelector('#screen video').currentTime);
    await until(viewer.page, (t) => document.querySelector('#screen video').currentTime > t + 3, t0, { timeout: 30000, what: 'playback to advance' });
    assert.deepEqual(viewer.errors, []);
  } finally {
    await viewer.page.context().close();
  }

  await page.click('#golive-stop');
  await until(page, () => document.querySelector('#golive-state').dataset.state === 'stopped', null, { what: 'stopped' });
  assert.deepEqual(studio.errors, []);
  assert.deepEqual(studio.csp, []);
  await page.context().close();
});
