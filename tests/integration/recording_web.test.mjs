// Replay in the browser (docs/web.md): the embedded default (local object store under data_dir)
// records a stream; once it ended, the Viewer plays the replay in Chromium (hls.js) and seeks to
// its middle; the Studio lists the recording with its duration, size, a download link and Delete.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

test('the Studio cuts a clip from the live stream; the clip plays on its own page and downloads', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'Clip night' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 40, size: '640x360', gop: 60 });
  const studio = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await studio.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(artist));
  const sp = await studio.newPage();
  const errors = [];
  sp.on('pageerror', (e) => errors.push(String(e)));
  await sp.goto(`${server.url}/studio#stream=${stream.id}`);
  // The form appears once the live recording exists; wait until 10 s of it are stored.
  await sp.waitForSelector('#recordings form.clip-form:not([hidden])', { timeout: 30000 });
  assert.match(await sp.textContent('#recordings select[name=clip-source]'), /Live now/);
  await sp.fill('#recordings input[name=clip-start]', '0:02');
  await sp.fill('#recordings input[name=clip-duration]', '4');
  await sp.fill('#recordings input[name=clip-title]', 'The best bit');
  let link = null;
  for (let i = 0; i < 40 && !link; i++) {
    await sp.click('#recordings form.clip-form button[type=submit]');
    await until(sp, () => !document.querySelector('#recordings form.clip-form button[type=submit]').disabled, null, { what: 'the cut answered' });
    link = await sp.$('#recordings form.clip-form a.clip-link');
    if (!link) {
      // Not enough stored yet (the stream just started): the form says so; try again.
      assert.match(await sp.textContent('#recordings form.clip-form [role=status]'), /./);
      await sp.fill('#recordings input[name=clip-title]', 'The best bit');
      await sleep(1000);
    }
  }
  assert.ok(link, 'a clip was cut from the live stream');
  assert.equal((await server.api('GET', `/api/livestream/${stream.id}`)).body.status, 'LIVE');
  const href = await link.getAttribute('href');
  assert.match(href, /^\/clips\/[^/]+\/[0-9a-f]{32}$/);
  const clipId = href.split('/').pop();
  // The clip is listed with its page.
  await sp.waitForSelector(`#recordings li.recording[data-id="${clipId}"] a[href="${href}"]`, { timeout: 10000 });
  assert.match(await sp.textContent(`#recordings li.recording[data-id="${clipId}"]`), /Clip: The best bit/);
  await sp.screenshot({ path: join(artifactsDir(), 'studio-clip.png') });

  // Its own page, as a fan sees it: plays, and downloads.
  const fan = await register(server, { displayName: 'Clip Fan' });
  const fc = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await fc.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(fan));
  const page = await fc.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}${href}`);
  await until(page, () => document.body.dataset.phase === 'playing', null, { timeout: 30000, what: 'the clip playing' });
  assert.equal(await page.textContent('#title'), 'The best bit');
  await until(page, () => {
    const v = document.querySelector('#screen video');
    return v && v.currentTime > 1 && v.readyState >= 3;
  }, null, { timeout: 20000, what: 'the clip playing on' });
  const duration = await page.evaluate(() => document.querySelector('#screen video').duration);
  assert.ok(duration >= 3.5 && duration <= 8.5, `the clip lasts ${duration} s`);
  const download = await page.getAttribute('#download', 'href');
  assert.match(download, /\/vod\/[0-9a-f]{32}\/recording\.mp4/);
  const mp4 = await fetch(download);
  assert.equal(mp4.status, 200);
  assert.equal(mp4.headers.get('content-type'), 'video/mp4');
  assert.ok((await mp4.arrayBuffer()).byteLength > 10000);
  await page.screenshot({ path: join(artifactsDir(), 'clip-page.png') });
  // A clip that does not exist says so.
  await page.goto(`${server.url}/clips/${stream.id}/${'0'.repeat(32)}`);
  await until(page, () => document.body.dataset.phase === 'error', null, { what: 'the missing clip' });
  assert.match(await page.textContent('#overlay-title'), /does not exist/);
  assert.deepEqual(errors, []);
  pub.proc.kill('SIGINT');
  await pub.done;
  await fc.close();
  await studio.close();
});
