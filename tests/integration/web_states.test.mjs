// The Viewer follows a stream's life by itself: offline before the artist goes live, playing as
// soon as they do, with the quality menu listing Auto and every rung of the ABR ladder (and a
// choice taking effect), then the ended state when the stream ends.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { until, sessionOf } from './lib/web.mjs';

let server, browser;
before(async () => {
  // A 480p source and two rungs below it, transcoded in process.
  server = await startServer({ args: ['--transcode.enabled=true', '--transcode.preset=superfast', '--transcode.ladder=360p:700k,240p:350k'] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server.cleanup();
});

test('offline, then playing by itself when the artist goes live, every rung in the quality menu, then ended', async () => {
  const artist = await verifiedArtist(server);
  const fan = await register(server, { displayName: 'Early Fan' });
  const stream = await createStream(server, artist, { title: 'Doors open soon' });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(fan));
  const page = await context.newPage();
  await page.goto(`${server.url}/watch/${stream.id}`);
  await until(page, () => document.body.dataset.phase === 'offline', null, { what: 'the offline state' });
  assert.equal(await page.textContent('#overlay-title'), 'Offline');
  assert.equal(await page.textContent('#status'), 'OFFLINE');

  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 120, size: '854x480' });
  try {
    // No reload: the page notices the stream went live and starts playing.
    await until(page, () => document.body.dataset.phase === 'playing', null, { timeout: 60000, what: 'playback after going live' });
    assert.equal(await page.textContent('#status'), 'LIVE');
    const t0 = await page.evaluate(() => document.querySelector('#screen video').currentTime);
    await until(page, (t) => document.querySelector('#screen video').currentTime > t + 2, t0, { what: 'playback to advance' });

    // The menu lists the rungs as soon as the playlist names them; Auto names the rung playing
    // once hls.js has switched to one (the rungs can join a moment after the source, docs/hls.md).
    await until(page, () => {
      const os = document.querySelectorAll('#quality option');
      return os.length === 4 && /^Auto \(\d+p\)$/.test(os[0].textContent);
    }, null, { what: 'Auto naming the rung playing, and three rungs' });
    const labels = await page.$$eval('#quality option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(labels.slice(1), ['480p', '360p', '240p']);
    // Choosing 240p switches the picture to 240 lines.
    const value240 = await page.$$eval('#quality option', (os) => os.find((o) => o.textContent === '240p').value);
    await page.selectOption('#quality', value240);
    await until(page, () => document.querySelector('#screen video').videoHeight === 240, null, { timeout: 30000, what: '240p on screen' });
    const t1 = await page.evaluate(() => document.querySelector('#screen video').currentTime);
    await until(page, (t) => document.querySelector('#screen video').currentTime > t + 2, t1, { timeout: 30000, what: 'playback at 240p' });
    await page.screenshot({ path: join(artifactsDir(), 'viewer-abr-240p.png') });
    await page.selectOption('#quality', '-1');
    assert.match(await page.$eval('#quality option', (o) => o.textContent), /^Auto/);

    // The artist ends the stream: the Viewer says so, without a reload.
    const ended = await server.api('POST', `/api/livestream/${stream.id}/end`, { token: artist.token });
    assert.equal(ended.status, 200, ended.text);
    await until(page, () => document.body.dataset.phase === 'ended', null, { what: 'the ended state' });
    assert.equal(await page.textContent('#overlay-title'), 'This stream has ended');
    assert.equal(await page.textContent('#status'), 'ENDED');
    assert.equal(await page.isVisible('#tip'), false);
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
    await context.close();
  }
});
