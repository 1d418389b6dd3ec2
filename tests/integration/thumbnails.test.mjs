// Live thumbnails (docs/web.md, "Live thumbnails and stream cards"): a members-only stream's
// picture is refused without access (401/403, no bytes) and served to a subscriber; ffprobe reads
// it (MJPEG, 480 px wide); caching headers and 304; the Viewer page's link preview tags; an ended
// stream keeps its last picture, and its card on the artist page shows it (Chromium).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { register, verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor, ffprobeJson } from './lib/media.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { openPage, until } from './lib/web.mjs';

let server, browser, artist, subscriber, stranger, members, open, pubs = [];
const dir = mkdtempSync(join(tmpdir(), 'stagecast-thumbs-'));

async function live(body) {
  const s = await createStream(server, artist, body);
  pubs.push(publish(`${s.rtmpUrl}/${s.streamKey}`, { seconds: 300, size: '640x360', gop: 30 }));
  await waitFor(async () => (await server.api('GET', `/api/livestream/${s.id}`, { token: artist.token })).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
  return s;
}

async function picture(id, token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return fetch(`${server.url}/api/livestream/${id}/thumbnail.jpg`, { headers });
}

before(async () => {
  server = await startServer({ args: ['--thumbnails.interval_seconds=2', '--record.enabled=false'] });
  browser = await launchBrowser();
  artist = await verifiedArtist(server, 'Pictured Artist');
  subscriber = await register(server, { displayName: 'Member' });
  stranger = await register(server, { displayName: 'Stranger' });
  const sub = await server.admin('PUT', '/api/admin/subscriptions', { fanId: subscriber.id, artistId: artist.id, tier: 1, status: 'ACTIVE', expiresAt: null });
  assert.equal(sub.status, 200, sub.text);
  members = await live({ title: 'Members <b>only</b>', visibility: 'SUBSCRIBERS' });
  open = await live({ title: 'Open "air" & <script>x</script>', description: 'Everyone welcome', visibility: 'PUBLIC' });
});
after(async () => {
  for (const p of pubs) p.proc.kill('SIGKILL');
  await browser?.close();
  await server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('a members-only stream\'s picture: refused without access, served to a subscriber, a real JPEG', async () => {
  const r = await waitFor(async () => { const x = await picture(members.id, subscriber.token); return x.status === 200 ? x : null; }, { timeout: 30000, what: 'the first picture' });
  assert.equal(r.headers.get('content-type'), 'image/jpeg');
  assert.equal(r.headers.get('cache-control'), 'private, max-age=5');
  const etag = r.headers.get('etag');
  assert.match(etag, /^"t\d+"$/);
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
  const file = join(dir, 'members.jpg');
  writeFileSync(file, bytes);
  const probe = ffprobeJson(file, ['-show_streams']);
  assert.equal(probe.streams[0].codec_name, 'mjpeg');
  assert.equal(probe.streams[0].width, 480);
  assert.equal(probe.streams[0].height, 270);

  const anonymous = await picture(members.id);
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).error.code, 'login_required');
  const refused = await picture(members.id, stranger.token);
  assert.equal(refused.status, 403);
  const body = await refused.json();
  assert.equal(body.error.code, 'subscription_required');
  assert.equal(refused.headers.get('content-type'), 'application/json');
  assert.equal(refused.headers.get('cache-control'), 'no-store');

  // Revalidation: the same picture is a 304; a newer one comes within a few seconds.
  const again = await fetch(`${server.url}/api/livestream/${members.id}/thumbnail.jpg`, { headers: { authorization: `Bearer ${subscriber.token}`, 'if-none-match': etag } });
  assert.ok(again.status === 304 || again.headers.get('etag') !== etag);
  await waitFor(async () => (await picture(members.id, subscriber.token)).headers.get('etag') !== etag, { timeout: 15000, what: 'a newer picture' });
  // The stream object points at it, for the subscriber and the stranger alike (the URL is no secret).
  const s = (await server.api('GET', `/api/livestream/${members.id}`, { token: subscriber.token })).body;
  assert.match(s.thumbnailUrl, new RegExp(`/api/livestream/${members.id}/thumbnail\\.jpg\\?v=\\d+$`));
  assert.equal(s.artistName, 'Pictured Artist');
  assert.equal(typeof s.viewers, 'number');
  assert.equal((await server.api('GET', '/api/livestream/nosuchstream0000/thumbnail.jpg')).status, 404);
});

test('a public stream: anyone, cacheable; the Viewer page carries link preview tags', async () => {
  const r = await waitFor(async () => { const x = await picture(open.id); return x.status === 200 ? x : null; }, { timeout: 30000, what: 'the public picture' });
  assert.equal(r.headers.get('cache-control'), 'public, max-age=5');
  const html = await (await fetch(`${server.url}/watch/${open.id}`)).text();
  assert.match(html, /<meta property="og:title" content="Open &quot;air&quot; &amp; &lt;script&gt;x&lt;\/script&gt;">/);
  assert.ok(!html.includes('<script>x</script>'), 'the title is escaped');
  assert.match(html, /<meta property="og:description" content="Everyone welcome">/);
  assert.match(html, new RegExp(`<meta property="og:url" content="${server.url}/watch/${open.id}">`));
  const image = /<meta property="og:image" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(image, 'og:image');
  assert.match(html, /<meta name="twitter:card" content="summary_large_image">/);
  assert.match(html, /<meta property="og:image:width" content="480">/);
  const fromTag = await fetch(image.replaceAll('&amp;', '&'));
  assert.equal(fromTag.status, 200);
  // The members-only stream: a title, no picture.
  const closed = await (await fetch(`${server.url}/watch/${members.id}`)).text();
  assert.match(closed, /<meta property="og:title" content="Members &lt;b&gt;only&lt;\/b&gt;">/);
  assert.ok(!/og:image/.test(closed));
  assert.match(closed, /<meta name="twitter:card" content="summary">/);
  // A stream that does not exist: the page as always, no tags.
  const none = await (await fetch(`${server.url}/watch/nosuchstream0000`)).text();
  assert.ok(!/og:title/.test(none));
});

test('an ended stream keeps its last picture, and its card on the artist page shows it', async () => {
  const before = await picture(open.id);
  const etag = before.headers.get('etag');
  const ended = await server.api('POST', `/api/livestream/${open.id}/end`, { token: artist.token });
  assert.equal(ended.status, 200, ended.text);
  await new Promise((r) => setTimeout(r, 3000));
  const after = await picture(open.id);
  assert.equal(after.status, 200);
  assert.ok(after.headers.get('etag'), 'the last picture is kept');
  const { page, errors, csp } = await openPage(browser, `${server.url}/a/${artist.id}`);
  const card = `#past .stream-card[data-stream-id="${open.id}"]`;
  const size = await until(page, (sel) => {
    const img = document.querySelector(`${sel} .thumb img`);
    return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : null;
  }, card, { timeout: 15000, what: 'the ended card with its picture' });
  assert.equal(size, 480);
  assert.match(await page.textContent(card), /ENDED|REPLAY/);
  assert.equal(await page.textContent('#artist-name'), 'Pictured Artist');
  // The members-only live stream's card, for an anonymous visitor: no picture, a placeholder.
  const live = `#now .stream-card[data-stream-id="${members.id}"]`;
  await page.waitForSelector(live);
  assert.equal(await page.locator(`${live} .thumb img`).count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(csp, []);
  await page.context().close();
  // A fan's profile is not an artist page.
  assert.equal((await server.api('GET', `/api/artists/${stranger.id}`)).status, 404);
});

test('an ended stream\'s last picture is kept across a restart', async () => {
  await server.stop();
  for (const p of pubs) p.proc.kill('SIGKILL');
  await server.start();
  const r = await picture(open.id);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/jpeg');
  const file = join(dir, 'kept.jpg');
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  const probe = ffprobeJson(file, ['-show_streams']);
  assert.equal(probe.streams[0].codec_name, 'mjpeg');
  assert.equal(probe.streams[0].width, 480);
  // The access rule is the stream's, as before the restart.
  assert.equal((await picture(members.id, stranger.token)).status, 403);
  const html = await (await fetch(`${server.url}/watch/${open.id}`)).text();
  assert.match(html, /<meta property="og:image:width" content="480">/);
});
