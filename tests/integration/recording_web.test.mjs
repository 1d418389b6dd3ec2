// Replay in the browser (docs/web.md): the embedded default (local object store under data_dir)
// records a stream; once it ended, the Viewer plays the replay in Chromium (hls.js) and seeks to
// its middle; the Studio lists the recording with its duration, size, a download link and Delete.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream, register } from './lib/fixtures.mjs';
import { publish } from './lib/media.mjs';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { until, sessionOf } from './lib/web.mjs';
import { recordingWith } from './lib/recording.mjs';

let server, browser;
before(async () => {
  server = await startServer({ args: ['--record.enabled=true', '--streams.reconnect_grace_seconds=1'] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server.cleanup();
});

test('the Viewer plays the replay once the stream ended, and seeks to its middle; the Studio lists it', async () => {
  const artist = await verifiedArtist(server);
  const fan = await register(server, { displayName: 'Late Fan' });
  const stream = await createStream(server, artist, { title: 'Last night' });
  const seconds = 16;
  await publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds, size: '640x360', gop: 60 }).done;
  const done = await recordingWith(server, stream.id, artist.token);
  assert.equal(done.status, 'READY', JSON.stringify(done));

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(fan));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/watch/${stream.id}`);
  await until(page, () => document.body.dataset.phase === 'replay', null, { timeout: 30000, what: 'the replay playing' });
  assert.equal(await page.textContent('#status'), 'REPLAY');
  const duration = await page.evaluate(() => document.querySelector('#screen video').duration);
  assert.ok(Math.abs(duration - seconds) <= 2.5, `the replay lasts ${duration} s`);
  const middle = duration / 2;
  await page.evaluate((t) => { document.querySelector('#screen video').currentTime = t; }, middle);
  await until(page, (t) => {
    const v = document.querySelector('#screen video');
    return v.currentTime > t + 1 && !v.paused && v.readyState >= 3;
  }, middle, { timeout: 20000, what: 'playback past the middle after seeking' });
  await page.screenshot({ path: join(artifactsDir(), 'viewer-replay.png') });
  assert.deepEqual(errors, []);

  // The Studio: the recording with its duration and size, the MP4 link and Delete.
  const studio = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await studio.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(artist));
  const sp = await studio.newPage();
  await sp.goto(`${server.url}/studio#stream=${stream.id}`);
  await sp.waitForSelector(`#recordings li.recording[data-id="${done.id}"]`, { timeout: 15000 });
  const text = await sp.textContent('#recordings');
  assert.match(text, /Ready/);
  assert.match(text, /00:1[4-8]/);
  assert.match(text, /[\d.]+ (kB|MB)/);
  const href = await sp.getAttribute(`#recordings li[data-id="${done.id}"] a[download]`, 'href');
  assert.match(href, /\/vod\/[0-9a-f]{32}\/recording\.mp4/);
  assert.equal((await fetch(href, { headers: { range: 'bytes=0-7' } })).status, 206);
  assert.ok(await sp.isChecked('input[name=record]'), 'the Record for replay box');
  await sp.screenshot({ path: join(artifactsDir(), 'studio-recordings.png') });
  sp.on('dialog', (d) => d.accept());
  await sp.click(`#recordings li[data-id="${done.id}"] button.danger`);
  await until(sp, (id) => !document.querySelector(`#recordings li[data-id="${id}"]`), done.id, { what: 'the recording gone' });
  assert.equal((await fetch(href)).status, 404);
  await context.close();
  await studio.close();
});
