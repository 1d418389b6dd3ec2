// Adaptive bitrate: a 1280x720 RTMP source becomes three renditions (the source passed through,
// 480p and 360p transcoded in process) whose segments start at the same presentation times.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { publish, ffprobeJson, decodeAll, waitFor } from './lib/media.mjs';

let server;
before(async () => {
  server = await startServer({ args: ['--transcode.enabled=true', '--streams.reconnect_grace_seconds=1', '--transcode.preset=superfast'] });
});
after(async () => { await server.cleanup(); });

async function getText(url) {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
}

// [{attrs: {BANDWIDTH: '...', ...}, uri}] from a multivariant playlist.
function variants(master) {
  const lines = master.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; ++i) {
    if (!lines[i].startsWith('#EXT-X-STREAM-INF:')) continue;
    const attrs = {};
    for (const m of lines[i].slice('#EXT-X-STREAM-INF:'.length).matchAll(/([A-Z-]+)=("[^"]*"|[^,]*)/g)) attrs[m[1]] = m[2].replace(/"/g, '');
    out.push({ attrs, uri: lines[i + 1] });
  }
  return out;
}

function firstVideoPts(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts,flags', '-read_intervals', '%+#1', '-of', 'json', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout).packets[0];
  assert.match(p.flags, /K/, 'a segment starts with a key frame');
  return Number(p.pts);
}

test('a 1280x720 source yields aligned 720p, 480p and 360p renditions', async () => {
  const artist = await verifiedArtist(server);
  const stream = await createStream(server, artist, { title: 'abr' });
  const base = `${server.url}/hls/${stream.id}`;
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 8, size: '1280x720' });
  const sent = await pub.done;
  assert.equal(sent.code, 0, sent.stderr);

  // Every rendition's playlist is complete once the stream ended (grace of 1 s).
  const master = await waitFor(async () => {
    const r = await getText(`${base}/master.m3u8`);
    return r.status === 200 && variants(r.text).length === 3 && r.text;
  }, { what: 'three renditions', timeout: 30000 });
  const list = variants(master);
  const byRes = Object.fromEntries(list.map((v) => [v.attrs.RESOLUTION, v]));
  assert.deepEqual(Object.keys(byRes).sort(), ['1280x720', '640x360', '854x480']);
  assert.match(list[0].uri, /^source\//, 'the source rung is listed first');
  const playlists = {};
  for (const v of list) {
    const url = new URL(v.uri, `${base}/master.m3u8`).href;
    playlists[v.attrs.RESOLUTION] = await waitFor(async () => {
      const r = await getText(url);
      return r.status === 200 && r.text.includes('#EXT-X-ENDLIST') && { url, text: r.text };
    }, { what: `${v.uri} ended`, timeout: 30000 });
  }

  // Truthful attributes: measured bitrates, the rung's own codec string, the source frame rate.
  const final = variants((await getText(`${base}/master.m3u8`)).text);
  for (const v of final) {
    const a = v.attrs;
    assert.ok(Number(a.BANDWIDTH) > 0 && Number(a['AVERAGE-BANDWIDTH']) > 0, JSON.stringify(a));
    assert.ok(Number(a['AVERAGE-BANDWIDTH']) <= Number(a.BANDWIDTH), JSON.stringify(a));
    assert.match(a.CODECS, /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    assert.ok(Math.abs(Number(a['FRAME-RATE']) - 30) < 0.5, JSON.stringify(a));
  }
  const bw = Object.fromEntries(final.map((v) => [v.attrs.RESOLUTION, Number(v.attrs['AVERAGE-BANDWIDTH'])]));
  assert.ok(bw['640x360'] < bw['854x480'], JSON.stringify(bw));
  // 360p is encoded at 800 kb/s (VBV of one second): its average stays near that.
  assert.ok(bw['640x360'] < 1_300_000, JSON.stringify(bw));
  console.log('renditions:', final.map((v) => `${v.attrs.RESOLUTION} ${v.attrs.BANDWIDTH}/${v.attrs['AVERAGE-BANDWIDTH']} ${v.attrs.CODECS}`).join('; '));

  // ffprobe reads each rendition at its resolution; each decodes with -xerror.
  for (const [res, p] of Object.entries(playlists)) {
    const info = ffprobeJson(p.url, ['-show_streams']);
    const video = info.streams.find((s) => s.codec_type === 'video');
    assert.equal(`${video.width}x${video.height}`, res);
    assert.ok(info.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'), `${res} has the AAC track`);
    const d = decodeAll(p.url);
    assert.equal(d.status, 0, `${res}: ${d.stderr}`);
    assert.equal(d.stderr.trim(), '', `${res} decodes without a message`);
  }

  const transcodeLog = server.log.split('\n').filter((l) => l.includes('transcode')).join('\n');
  console.log(transcodeLog);
  const metrics = (await getText(`${server.url}/metrics`)).text;
  assert.match(metrics, /stagecast_transcode_rungs_dropped_total 0/, transcodeLog);
  const encoded = /stagecast_transcode_frames_encoded_total (\d+)/.exec(metrics);
  assert.ok(encoded && Number(encoded[1]) > 2 * 200, metrics);

  // Segment boundaries: same EXTINF sequence, same presentation time of each segment's first
  // frame on every rendition.
  const extinf = (t) => [...t.matchAll(/#EXTINF:([0-9.]+)/g)].map((m) => m[1]);
  const reference = extinf(playlists['1280x720'].text);
  assert.ok(reference.length >= 3, playlists['1280x720'].text);
  const dir = mkdtempSync(join(tmpdir(), 'abr-'));
  try {
    const starts = {};
    for (const [res, p] of Object.entries(playlists)) {
      assert.deepEqual(extinf(p.text), reference, `${res} segment durations`);
      const parts = /#EXT-X-PART:DURATION=([0-9.]+)/g;
      assert.deepEqual([...p.text.matchAll(parts)].map((m) => m[1]), [...playlists['1280x720'].text.matchAll(parts)].map((m) => m[1]), `${res} part durations`);
      const init = Buffer.from(await (await fetch(new URL(/#EXT-X-MAP:URI="([^"]+)"/.exec(p.text)[1], p.url))).arrayBuffer());
      const segs = p.text.split('\n').filter((l) => l && !l.startsWith('#'));
      starts[res] = [];
      for (const [i, s] of segs.entries()) {
        const body = Buffer.from(await (await fetch(new URL(s, p.url))).arrayBuffer());
        const file = join(dir, `${res}-${i}.mp4`);
        writeFileSync(file, Buffer.concat([init, body]));
        starts[res].push(firstVideoPts(file));
      }
    }
    console.log('segment start pts:', JSON.stringify(starts));
    assert.deepEqual(starts['854x480'], starts['1280x720']);
    assert.deepEqual(starts['640x360'], starts['1280x720']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('transcoding off: only the source rendition', async () => {
  const off = await startServer({ args: ['--transcode.enabled=false'] });
  try {
    const artist = await verifiedArtist(off);
    const stream = await createStream(off, artist, { title: 'no abr' });
    const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 4, size: '1280x720' });
    const master = await waitFor(async () => { const r = await getText(`${off.url}/hls/${stream.id}/master.m3u8`); return r.status === 200 && r.text; }, { what: 'master' });
    await pub.done;
    await new Promise((r) => setTimeout(r, 1000));
    const again = (await getText(`${off.url}/hls/${stream.id}/master.m3u8`)).text;
    assert.equal(variants(master).length, 1);
    assert.equal(variants(again).length, 1);
  } finally {
    await off.cleanup();
  }
});

test('per stream: an artist turns the ladder off for one stream, the next stream keeps it', async () => {
  const artist = await verifiedArtist(server);
  const plain = await createStream(server, artist, { title: 'source only', transcode: false });
  assert.equal(plain.transcode, false);
  const got = await server.api('GET', `/api/livestream/${plain.id}`, { token: artist.token });
  assert.equal(got.body.transcode, false);
  const wrong = await server.api('PATCH', `/api/livestream/${plain.id}`, { token: artist.token, body: { transcode: 'no' } });
  assert.equal(wrong.status, 422, wrong.text);

  const pub = publish(`${plain.rtmpUrl}/${plain.streamKey}`, { seconds: 5, size: '1280x720' });
  const master = await waitFor(async () => {
    const r = await getText(`${server.url}/hls/${plain.id}/master.m3u8`);
    return r.status === 200 && r.text;
  }, { what: 'master', timeout: 20000 });
  assert.equal((await pub.done).code, 0);
  const again = (await getText(`${server.url}/hls/${plain.id}/master.m3u8`)).text;
  assert.equal(variants(master).length, 1, master);
  assert.equal(variants(again).length, 1, again);
  assert.equal(variants(again)[0].attrs.RESOLUTION, '1280x720');

  // A stream created with the default, then patched off and on again before it goes live, is
  // transcoded.
  const abr = await createStream(server, artist, { title: 'ladder' });
  assert.equal(abr.transcode, true);
  for (const value of [false, true]) {
    const p = await server.api('PATCH', `/api/livestream/${abr.id}`, { token: artist.token, body: { transcode: value } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.transcode, value);
  }
  const pub2 = publish(`${abr.rtmpUrl}/${abr.streamKey}`, { seconds: 6, size: '1280x720' });
  await waitFor(async () => {
    const r = await getText(`${server.url}/hls/${abr.id}/master.m3u8`);
    return r.status === 200 && variants(r.text).length === 3;
  }, { what: 'three renditions', timeout: 30000 });
  assert.equal((await pub2.done).code, 0);
});
