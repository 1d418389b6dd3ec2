// Playlist Delta Updates (draft-pantos-hls-rfc8216bis 6.2.5.1, docs/hls.md): ffmpeg publishes RTMP
// with 1 s key frames to a server keeping a 12-segment window, so that the window is twice the
// Skip Boundary (CAN-SKIP-UNTIL, six target durations) and a delta update leaves about half of it
// out. A request with _HLS_skip=YES gets EXT-X-SKIP with the SKIPPED-SEGMENTS the full playlist of
// the same state implies; then the Viewer (hls.js in Chromium) plays from delta updates.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, waitFor } from './lib/media.mjs';
import { metric } from './lib/metrics.mjs';
import { launchBrowser } from './lib/browser.mjs';

const WINDOW = 12;
let server, browser;
before(async () => {
  server = await startServer({ args: ['--hls.segment_ms=1000', `--hls.window_segments=${WINDOW}`] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server.cleanup();
});

async function getText(url) {
  const r = await fetch(url);
  return { status: r.status, text: await r.text(), headers: r.headers };
}

// What a media playlist says, as a player reads it.
function parse(text) {
  const lines = text.split('\n').filter(Boolean);
  const attr = (name, re) => { const l = lines.find((x) => x.startsWith(name)); const m = l && re.exec(l); return m ? m[1] : null; };
  const segments = [];  // { uri, duration }
  let pending = null;
  const partsAfterLast = [];  // EXT-X-PART durations after the last segment URI: the open segment
  for (const l of lines) {
    if (l.startsWith('#EXTINF:')) pending = Number(/#EXTINF:([\d.]+)/.exec(l)[1]);
    else if (l.startsWith('#EXT-X-PART:')) partsAfterLast.push(Number(/DURATION=([\d.]+)/.exec(l)[1]));
    else if (!l.startsWith('#')) {
      segments.push({ uri: l, duration: pending });
      pending = null;
      partsAfterLast.length = 0;
    }
  }
  return {
    lines,
    version: Number(attr('#EXT-X-VERSION:', /:(\d+)/)),
    targetDuration: Number(attr('#EXT-X-TARGETDURATION:', /:(\d+)/)),
    mediaSequence: Number(attr('#EXT-X-MEDIA-SEQUENCE:', /:(\d+)/)),
    canSkipUntil: Number(attr('#EXT-X-SERVER-CONTROL:', /CAN-SKIP-UNTIL=([\d.]+)/)),
    skipTags: lines.filter((l) => l.startsWith('#EXT-X-SKIP')),
    skipped: Number(attr('#EXT-X-SKIP:', /SKIPPED-SEGMENTS=(\d+)/) ?? 0),
    hint: lines.find((l) => l.startsWith('#EXT-X-PRELOAD-HINT:')),
    segments,
    openDuration: partsAfterLast.reduce((a, b) => a + b, 0),
  };
}

// 6.2.5.1: the segments a delta update may replace are those that end at least the Skip
// Boundary before the end of the playlist; counted here from the full playlist of the same state.
function expectedSkip(full) {
  const edge = full.segments.reduce((a, s) => a + s.duration, 0) + full.openDuration;
  let end = 0;
  let n = 0;
  for (const s of full.segments) {
    end += s.duration;
    if (edge - end < full.canSkipUntil - 1e-6) break;
    n += 1;
  }
  return n;
}

test('_HLS_skip=YES gets EXT-X-SKIP with the SKIPPED-SEGMENTS of the full playlist at the same MSN', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'delta updates' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 40, size: '640x360', gop: 30 });
  try {
    const url = `${server.url}/hls/${stream.id}/source/index.m3u8`;
    // Young stream: nothing to skip yet, so the full playlist answers and carries no EXT-X-SKIP.
    const young = await waitFor(async () => { const r = await getText(url); return r.status === 200 && r.text.includes('#EXTINF') && r; }, { timeout: 20000, what: 'first segment' });
    const youngFull = parse(young.text);
    assert.ok(youngFull.canSkipUntil >= 6 * youngFull.targetDuration, `CAN-SKIP-UNTIL ${youngFull.canSkipUntil} is at least 6 target durations (${youngFull.targetDuration})`);
    if (expectedSkip(youngFull) === 0) {
      const youngDelta = await getText(`${url}?_HLS_skip=YES`);
      assert.equal(youngDelta.status, 200);
      assert.deepEqual(parse(youngDelta.text).skipTags, [], 'no EXT-X-SKIP while the window is within the Skip Boundary');
    }

    // Once the window is full: a blocking reload of the next part, with and without _HLS_skip,
    // both held until the same publish answers them.
    await waitFor(async () => parse((await getText(url)).text).segments.length >= WINDOW - 1, { timeout: 30000, interval: 250, what: 'a full window' });
    let full, delta;
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = parse((await getText(url)).text);
      const [, msn, part] = /part(\d+)\.(\d+)\.m4s/.exec(now.hint);
      const q = `_HLS_msn=${msn}&_HLS_part=${part}`;
      const [a, b] = await Promise.all([getText(`${url}?${q}`), getText(`${url}?${q}&_HLS_skip=YES`)]);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.equal(b.headers.get('content-type'), 'application/vnd.apple.mpegurl');
      assert.match(b.headers.get('cache-control'), /max-age=\d+/);
      full = parse(a.text);
      delta = parse(b.text);
      if (full.hint === delta.hint) break;  // the same state (else a publish fell between them)
    }
    assert.equal(full.hint, delta.hint, 'both answers describe the same live edge');
    const n = expectedSkip(full);
    console.log(`full playlist: ${full.segments.length} segments, ${full.lines.join('\n').length} bytes; delta update: SKIPPED-SEGMENTS=${delta.skipped}, ${delta.segments.length} segments, ${delta.lines.join('\n').length} bytes; CAN-SKIP-UNTIL=${full.canSkipUntil}`);
    assert.ok(n > 0, `a ${WINDOW}-segment window of 1 s segments has segments beyond the ${full.canSkipUntil} s boundary`);
    assert.equal(delta.skipTags.length, 1, 'one EXT-X-SKIP');
    assert.equal(delta.skipped, n, 'SKIPPED-SEGMENTS: the segments ending at least CAN-SKIP-UNTIL before the edge');
    assert.equal(delta.version, 9, 'EXT-X-SKIP requires EXT-X-VERSION 9');
    assert.equal(full.version, 6);
    assert.equal(full.skipTags.length, 0);
    assert.equal(delta.mediaSequence, full.mediaSequence, 'EXT-X-MEDIA-SEQUENCE is that of the first (skipped) segment');
    assert.equal(delta.canSkipUntil, full.canSkipUntil);
    // What follows EXT-X-SKIP is the full playlist's remainder, segment for segment.
    assert.deepEqual(delta.segments, full.segments.slice(n));
    assert.equal(delta.segments[0].uri, `seg${full.mediaSequence + n}.m4s`);
    // It still reaches back the Skip Boundary from the end of the playlist.
    const listed = delta.segments.reduce((a, s) => a + s.duration, 0) + delta.openDuration;
    assert.ok(listed >= delta.canSkipUntil - 1e-6, `the delta update lists ${listed.toFixed(3)} s, at least CAN-SKIP-UNTIL`);
    assert.ok(delta.lines.some((l) => l.startsWith('#EXT-X-MAP:URI=')), 'the first listed segment has its EXT-X-MAP');
    assert.ok(delta.lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')).length >= delta.segments.length, 'every listed segment keeps its date');
    const fullTail = full.lines.slice(full.lines.indexOf(full.segments[n - 1].uri) + 1);
    const deltaTail = delta.lines.slice(delta.lines.findIndex((l) => l.startsWith('#EXT-X-MAP:')) + 1);
    assert.deepEqual(deltaTail, fullTail, 'byte for byte the same after the skip');

    // Counted for operators.
    await waitFor(async () => (await metric(server, 'stagecast_hls_delta_updates_total')) >= 1, { timeout: 5000, what: 'the delta counter' });
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
});

test('the Viewer (hls.js in Chromium) plays from delta updates without a stall', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'delta updates in hls.js' });
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 60, size: '640x360', gop: 30 });
  try {
    const url = `${server.url}/hls/${stream.id}/source/index.m3u8`;
    // The player joins a stream whose window already reaches past the Skip Boundary.
    await waitFor(async () => { const r = await getText(url); return r.status === 200 && expectedSkip(parse(r.text)) > 0; }, { timeout: 30000, interval: 250, what: 'a window past the Skip Boundary' });
    const requestsBefore = await metric(server, 'stagecast_hls_delta_requests_total');
    const updatesBefore = await metric(server, 'stagecast_hls_delta_updates_total');

    const context = await browser.newContext();
    const page = await context.newPage();
    const skipAsked = [];
    const skipAnswered = [];
    page.on('response', async (r) => {
      const u = new URL(r.url());
      if (!u.pathname.endsWith('/index.m3u8') || !u.searchParams.has('_HLS_skip')) return;
      skipAsked.push(u.searchParams.get('_HLS_skip'));
      const body = await r.text().catch(() => '');
      if (r.status() === 200 && body.includes('#EXT-X-SKIP:SKIPPED-SEGMENTS=')) skipAnswered.push(Number(/SKIPPED-SEGMENTS=(\d+)/.exec(body)[1]));
    });
    await page.goto(`${server.url}/watch/${stream.id}`);
    await page.evaluate(() => {
      // Stalls after playback began, as a viewer would notice them.
      window.stalls = [];
      const watch = () => {
        const v = document.querySelector('#screen video');
        if (!v) { setTimeout(watch, 50); return; }
        let started = false;
        v.addEventListener('playing', () => { started = true; });
        v.addEventListener('waiting', () => { if (started) window.stalls.push(v.currentTime.toFixed(2)); });
      };
      watch();
    });
    const time = () => page.evaluate(() => document.querySelector('#screen video')?.currentTime ?? 0);
    await waitFor(async () => (await time()) > 0.5, { timeout: 30000, what: 'playback' });
    const t0 = await time();
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, 20000));
    const t1 = await time();
    const wall = (Date.now() - w0) / 1000;
    const state = await page.evaluate(() => ({ phase: globalThis.stagecastViewer.phase, stalls: window.stalls, latency: globalThis.stagecastViewer.latency() }));
    // The page goes on asking meanwhile: the browser's count is taken before the server's (which
    // counts a held reload when it arrives, before its answer). A few of the browser's answers
    // may come from its HTTP cache (a reload URL asked again within the playlist's max-age), so
    // the server sees most, not all.
    const askedByNow = skipAsked.length;
    const requests = (await metric(server, 'stagecast_hls_delta_requests_total')) - requestsBefore;
    const updates = (await metric(server, 'stagecast_hls_delta_updates_total')) - updatesBefore;
    console.log(`hls.js: ${skipAsked.length} playlist requests with _HLS_skip (${[...new Set(skipAsked)].join(',')}), ${skipAnswered.length} answered with EXT-X-SKIP (SKIPPED-SEGMENTS ${[...new Set(skipAnswered)].join(',')}); server: ${requests} asked, ${updates} delta updates; played ${(t1 - t0).toFixed(1)} s in ${wall.toFixed(1)} s, hls.latency ${state.latency?.toFixed(2)} s, stalls ${state.stalls.length}`);
    assert.ok(skipAsked.length >= 10, `hls.js asked for delta updates (${skipAsked.length})`);
    assert.ok(skipAsked.every((v) => v === 'YES'), 'YES: no CAN-SKIP-DATERANGES is offered');
    assert.ok(skipAnswered.length >= 10, `and got them (${skipAnswered.length})`);
    assert.ok(requests >= Math.floor(askedByNow * 0.9) && updates >= 10, `the server saw them: ${requests} asked (the browser ${askedByNow}), ${updates} answered`);
    assert.equal(state.phase, 'playing');
    assert.deepEqual(state.stalls, [], 'no stall');
    assert.ok(t1 - t0 > 0.85 * wall, `playback advances: ${(t1 - t0).toFixed(1)} s in ${wall.toFixed(1)} s`);
    await context.close();
  } finally {
    pub.proc.kill('SIGINT');
    await pub.done;
  }
});
