// RFC 8216bis (LL-HLS) conformance of what four real ffmpeg publishers become: B-frames 0 and 2
// x GOP 2 s and 8 s, each a 854x480 source that the ladder turns into two renditions (source and
// 640x360), all four followed at once for 30 s by lib/hls_conformance.mjs as LL-HLS players.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { RULES, followLive, formatResults, spawnPublisher, stopPublisher } from './lib/hls_conformance.mjs';

const CASES = [{ bf: 0, gop: 60 }, { bf: 0, gop: 240 }, { bf: 2, gop: 60 }, { bf: 2, gop: 240 }];

// x264 at 30 fps with a fixed GOP (no scene cuts), about 1 Mb/s; AAC 48 kHz stereo; real time.
// ultrafast on one thread keeps four publishers at ~16% of a core each, next to four transcodes
// on a 2-core machine; -bf, given after the preset, still makes B-frames.
function publishFfmpeg(url, { bf, gop }) {
  return spawnPublisher('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '120', '-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-bf', String(bf), '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-b:v', '1000k', '-maxrate', '1000k', '-bufsize', '2000k',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2', '-f', 'flv', url,
  ]);
}

let server;
const publishers = [];
// A rung the transcoder drops when the machine cannot keep up ends its rendition early: that is
// load, not conformance (the violations it causes are listed too).
const dropped = () => server.log.split('\n').filter((l) => /rung .* dropped/.test(l));
before(async () => {
  server = await startServer({ args: ['--transcode.enabled=true', '--transcode.preset=superfast'] });
});
after(async () => {
  await Promise.all(publishers.map((p) => stopPublisher(p)));
  await server?.cleanup();
});

test('four ffmpeg publishers (B-frames 0/2 x GOP 2 s/8 s) give RFC 8216bis-conformant LL-HLS', { timeout: 150000 }, async () => {
  const artist = await verifiedArtist(server);
  const streams = [];
  for (const c of CASES) {
    const stream = await createStream(server, artist, { title: `conformance ffmpeg bf${c.bf} gop${c.gop}` });
    const pub = publishFfmpeg(`${stream.rtmpUrl}/${stream.streamKey}`, c);
    publishers.push(pub);
    streams.push({ ...c, label: `ffmpeg-bf${c.bf}-gop${c.gop / 30}s`, master: `${server.url}/hls/${stream.id}/master.m3u8`, pub });
  }
  const started = Date.now();
  // Each followed from when its multivariant playlist lists both renditions, for 30 s and at
  // least until its publisher has sent 35 s.
  const results = await Promise.all(streams.map(async (s) => ({
    label: s.label, result: await followLive(s.master, { seconds: 30, until: started + 35000, minRenditions: 2 }),
  }))).catch((e) => {
    throw dropped().length ? new Error(`the transcoder fell behind (machine too loaded for this test): ${e.message}`) : e;
  }).finally(() => console.log(server.log.split('\n').filter((l) => /transcode/.test(l)).join('\n')));
  const cpu = process.cpuUsage();
  const published = (Date.now() - started) / 1000;
  console.log(`published ${published.toFixed(1)} s; the checker used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU\n${formatResults(results)}`);
  for (const s of streams) assert.equal(s.pub.proc.exitCode, null, `${s.label}: the publisher ended early: ${s.pub.output}`);

  for (const [i, { label, result }] of results.entries()) {
    const renditions = Object.entries(result.stats.renditions);
    assert.deepEqual(renditions.map(([name]) => name), ['source', '360p'], label);
    for (const [name, st] of renditions) assert.ok(st.blocking > 10 && st.parts > 20 && st.segments >= 2, `${label}/${name} was followed: ${JSON.stringify(st)}`);
    assert.equal(result.stats.renditions.source.bframes, CASES[i].bf > 0, `${label}: B-frames in the source rendition`);
  }
  const must = results.flatMap(({ label, result }) => result.violations.map((v) => `${label}/${v.rendition}: ${v.rule}: ${v.detail}`));
  assert.deepEqual(dropped(), [], `the transcoder fell behind (machine too loaded for this test); MUST violations:\n${must.join('\n')}`);
  assert.deepEqual(must, [], `MUST violations:\n${must.join('\n')}`);
  // Regular GOPs: no segment may end in a sliver of a part (the hls.js stall of issue #10).
  const tails = results.flatMap(({ label, result }) => result.should.filter((v) => v.rule === RULES.shortTail[0]).map((v) => `${label}/${v.rendition}: ${v.detail}`));
  assert.deepEqual(tails, [], `short tail parts:\n${tails.join('\n')}`);
});
