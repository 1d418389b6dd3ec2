// The Studio's "Go live from browser" panel in Chromium against the WHIP contract (docs/web.md),
// with the WHIP side played by the test so that the panel's behaviour is pinned down whatever the
// server's WebRTC does: page.route answers POST /whip/{id} with the SDP answer of a second
// Chromium peer (recvonly, in its own browser context), records every request, and can refuse.
// The stream objects get a `whipUrl` the same way. (web_go_live.test.mjs goes live against the
// real server.)
//
// Shown: hidden without a whipUrl; camera and microphone pickers after the permission; preview;
// the offer (sendonly audio and video, H.264 packetization-mode 1 first, Opus first, the bearer
// JWT, application/sdp, sent without waiting for ICE gathering); the quality's bitrate ceiling;
// media reaching the peer as H.264; Stop sends DELETE to the Location; a lost connection
// reconnects (old session DELETEd, a 409 retried, live again); a 422 shows the server's message.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { waitFor } from './lib/media.mjs';
import { launchBrowser, artifactsDir } from './lib/browser.mjs';
import { until, sessionOf } from './lib/web.mjs';

let server, browser, artist, answerer;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  artist = await verifiedArtist(server, 'Browser Artist');
  // The stand-in for the server's WebRTC: a Chromium peer that answers offers. Having used the
  // microphone, its page announces its real host address rather than an mDNS name.
  const context = await browser.newContext();
  answerer = await context.newPage();
  await answerer.goto(`${server.url}/`);
  await answerer.evaluate(async () => {
    await navigator.mediaDevices.getUserMedia({ audio: true });
    window.pcs = [];
    window.answer = async (offer) => {
      const pc = new RTCPeerConnection();
      window.pcs.push(pc);
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      await pc.setLocalDescription(await pc.createAnswer());
      if (pc.iceGatheringState !== 'complete') {
        await new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        }));
      }
      return pc.localDescription.sdp;
    };
    // What the newest session receives.
    window.received = async () => {
      const pc = window.pcs.at(-1);
      if (!pc) return null;
      const out = { state: pc.connectionState, video: 0, audio: 0, codec: null, width: 0 };
      const stats = await pc.getStats();
      for (const s of stats.values()) {
        if (s.type !== 'inbound-rtp') continue;
        if (s.kind === 'video') {
          out.video = s.framesDecoded ?? 0;
          out.width = s.frameWidth ?? 0;
          out.codec = stats.get(s.codecId)?.mimeType ?? null;
        } else {
          out.audio = s.packetsReceived ?? 0;
        }
      }
      return out;
    };
  });
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

// A Studio page on `stream`, its WHIP requests answered by `whip` (a list of refusals to give
// before answering, in order) and every stream object given `whipUrl` unless `withWhip` is false.
async function openStudio(stream, { withWhip = true, refusals = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await context.addInitScript((s) => sessionStorage.setItem('stagecast.session', s), sessionOf(artist));
  // Records what the page asks of its peer connections (the bitrate ceiling, directions).
  await context.addInitScript(() => {
    const add = RTCPeerConnection.prototype.addTransceiver;
    window.spy = [];
    RTCPeerConnection.prototype.addTransceiver = function (track, init) {
      window.spy.push({ kind: track.kind ?? track, init: JSON.parse(JSON.stringify(init ?? {})) });
      return add.call(this, track, init);
    };
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => d.accept());
  const whipUrl = `${server.url}/whip/${stream.id}`;
  await page.route((url) => url.pathname === `/api/livestream/${stream.id}`, async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    if (withWhip) body.whipUrl = whipUrl; else delete body.whipUrl;
    await route.fulfill({ response: res, json: body });
  });
  const requests = [];
  let sessions = 0;
  await page.route((url) => url.pathname.startsWith('/whip/'), async (route) => {
    const req = route.request();
    const entry = { method: req.method(), path: new URL(req.url()).pathname, headers: req.headers(), body: req.postData() };
    requests.push(entry);
    if (req.method() === 'DELETE') return route.fulfill({ status: 204 });
    const refusal = refusals.shift();
    if (refusal) {
      return route.fulfill({ status: refusal.status, contentType: 'application/json', body: JSON.stringify({ error: { code: refusal.code, message: refusal.message } }) });
    }
    const answer = await answerer.evaluate((offer) => window.answer(offer), entry.body);
    sessions += 1;
    return route.fulfill({
      status: 201,
      headers: { 'content-type': 'application/sdp', location: `/whip/${stream.id}/sessions/s${sessions}`, etag: `"s${sessions}"` },
      body: answer,
    });
  });
  await page.goto(`${server.url}/studio#stream=${encodeURIComponent(stream.id)}`);
  return { page, context, requests, errors };
}

const state = (page) => page.$eval('#golive-state', (e) => e.dataset.state);

test('no whipUrl, no panel: the Studio offers only what the server does', async () => {
  const stream = await createStream(server, artist, { title: 'RTMP only' });
  const { page, context, errors } = await openStudio(stream, { withWhip: false });
  try {
    await page.waitForSelector('#connect #rtmp-url');
    assert.equal(await page.isVisible('#golive'), false);
    assert.equal(await page.$('#golive-media'), null);
    assert.equal(await page.$('#whip-url'), null);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('pick devices, preview, go live with an H.264-first offer, reconnect after a loss, stop', async () => {
  const stream = await createStream(server, artist, { title: 'From the browser' });
  const refusals = [];
  const { page, context, requests, errors } = await openStudio(stream, { refusals });
  try {
    await page.waitForSelector('#golive-media');
    assert.equal(await state(page), 'idle');
    assert.equal(await page.textContent('#whip-url'), `${server.url}/whip/${stream.id}`);
    assert.equal(await page.isDisabled('#golive-start'), true, 'no Go live before a camera');
    await page.click('#golive-media');
    await until(page, () => document.querySelectorAll('#golive-mic option').length >= 2, null, { what: 'the microphone list' });
    const cameras = await page.$$eval('#golive-camera option', (os) => os.map((o) => o.textContent));
    const mics = await page.$$eval('#golive-mic option', (os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    assert.ok(cameras.length >= 1 && cameras.every((c) => c.length > 0), cameras.join());
    // Another microphone than the default: the new track replaces the old one in the preview.
    const mic = mics.find((m) => /Fake Audio Input 1/.test(m.text)) ?? mics.at(-1);
    await page.selectOption('#golive-mic', mic.value);
    await until(page, (v) => document.querySelector('#golive-preview').srcObject?.getAudioTracks()[0]?.getSettings().deviceId === v, mic.value, { what: 'the chosen microphone' });
    await until(page, () => document.querySelector('#golive-preview').videoWidth > 0, null, { what: 'the preview' });
    await page.selectOption('#golive-quality', '480p');
    await until(page, () => document.querySelector('#golive-preview').videoHeight === 480, null, { what: 'a 480p capture' });

    await page.click('#golive-start');
    await until(page, () => document.querySelector('#golive-state').dataset.state === 'live', null, { timeout: 20000, what: 'live' });
    assert.equal(await page.isDisabled('#golive-quality'), true, 'no resolution change while live');
    const post = requests.find((r) => r.method === 'POST');
    assert.equal(post.path, `/whip/${stream.id}`);
    assert.equal(post.headers.authorization, `Bearer ${artist.token}`);
    assert.equal(post.headers['content-type'], 'application/sdp');
    const sections = post.body.split(/\r\n(?=m=)/).slice(1);
    const video = sections.find((s) => s.startsWith('m=video'));
    const audio = sections.find((s) => s.startsWith('m=audio'));
    assert.match(video, /a=sendonly/);
    assert.match(audio, /a=sendonly/);
    const firstPt = (s) => s.split('\r\n')[0].split(' ')[3];
    assert.match(video, new RegExp(`a=rtpmap:${firstPt(video)} H264/90000`));
    assert.match(video, new RegExp(`a=fmtp:${firstPt(video)} .*packetization-mode=1`));
    assert.match(audio, new RegExp(`a=rtpmap:${firstPt(audio)} opus/48000/2`));
    const spy = await page.evaluate(() => window.spy);
    assert.deepEqual(spy.find((t) => t.kind === 'video').init.sendEncodings, [{ maxBitrate: 1_000_000 }]);
    assert.ok(spy.every((t) => t.init.direction === 'sendonly'));
    // Media arrives, as H.264 at the chosen size.
    await until(answerer, () => window.received().then((r) => r && r.video > 10 && r.audio > 10), null, { timeout: 20000, what: 'media at the peer' });
    const got = await answerer.evaluate(() => window.received());
    assert.equal(got.codec, 'video/H264');
    assert.equal(got.width, 854);
    await page.screenshot({ path: join(artifactsDir(), 'studio-go-live.png') });

    // The server side goes away. The panel reconnects: DELETE of the old session, then offers
    // until one is taken; a 409 (our old session, still in its grace period) is retried.
    refusals.push({ status: 409, code: 'already_publishing', message: 'Someone is already live on this stream.' });
    await answerer.evaluate(() => window.pcs.at(-1).close());
    await until(page, () => document.querySelector('#golive-state').dataset.state === 'reconnecting', null, { timeout: 30000, what: 'reconnecting' });
    await until(page, () => document.querySelector('#golive-state').dataset.state === 'live', null, { timeout: 30000, what: 'live again' });
    const methods = requests.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(methods, [
      `POST /whip/${stream.id}`,
      `DELETE /whip/${stream.id}/sessions/s1`,
      `POST /whip/${stream.id}`,  // 409
      `POST /whip/${stream.id}`,
    ]);
    assert.ok(requests.every((r) => r.headers.authorization === `Bearer ${artist.token}`));
    await until(answerer, () => window.received().then((r) => r && r.video > 10), null, { timeout: 20000, what: 'media after the reconnect' });

    await page.click('#golive-stop');
    await until(page, () => document.querySelector('#golive-state').dataset.state === 'stopped', null, { what: 'stopped' });
    await waitFor(() => requests.at(-1).method === 'DELETE', { what: 'the DELETE' });
    assert.equal(requests.at(-1).path, `/whip/${stream.id}/sessions/s2`);
    assert.equal(await page.isDisabled('#golive-start'), false, 'can go live again');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a refusal shows the server\'s message and nothing is retried', async () => {
  const stream = await createStream(server, artist, { title: 'Refused' });
  const message = 'The offer has no H.264 video with packetization-mode 1.';
  const { page, context, requests } = await openStudio(stream, { refusals: [{ status: 422, code: 'sdp_no_video', message }] });
  try {
    await page.click('#golive-media');
    await until(page, () => document.querySelector('#golive-preview').videoWidth > 0, null, { what: 'the preview' });
    await page.click('#golive-start');
    await until(page, () => document.querySelector('#golive-state').dataset.state === 'failed', null, { what: 'failed' });
    assert.equal(await page.textContent('#golive-message'), message);
    assert.equal(requests.length, 1);
    assert.equal(await page.isDisabled('#golive-start'), false, 'may try again');
  } finally {
    await context.close();
  }
});
