// RFC 8216bis (LL-HLS) conformance of what four real GStreamer publishers become (gst-launch-1.0
// -e: videotestsrc, x264enc, flvmux, rtmp2sink; AAC from whichever encoder is installed):
// B-frames 0 and 2 x GOP 2 s and 8 s, each a 854x480 source that the ladder turns into two
// renditions (source and 640x360), all four followed at once for 30 s by lib/hls_conformance.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { verifiedArtist, createStream } from './lib/fixtures.mjs';
import { followLive, formatResults, gstAacEncoder, gstPublishArgs, spawnPublisher, stopPublisher } from './lib/hls_conformance.mjs';

const CASES = [{ bframes: 0, gop: 60 }, { bframes: 0, gop: 240 }, { bframes: 2, gop: 60 }, { bframes: 2, gop: 240 }];
const aac = gstAacEncoder();

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

test('four GStreamer publishers (B-frames 0/2 x GOP 2 s/8 s) give RFC 8216bis-conformant LL-HLS', { timeout: 150000 }, async () => {
  assert.ok(aac, 'an AAC encoder element (avenc_aac, voaacenc or fdkaacenc)');
  const artist = await verifiedArtist(server);
  const streams = [];
  for (const c of CASES) {
    const stream = await createStream(server, artist, { title: `conformance gst bf${c.bframes} gop${c.gop}` });
    const pub = spawnPublisher('gst-launch-1.0', gstPublishArgs(`${stream.rtmpUrl}/${stream.streamKey}`, { ...c, aac }));
    publishers.push(pub);
    streams.push({ ...c, label: `gst-bf${c.bframes}-gop${c.gop / 30}s`, master: `${server.url}/hls/${stream.id}/master.m3u8`, pub });
  }
  const started = Date.now();
  const results = await Promise.all(streams.map(async (s) => ({
    label: s.label, result: await followLive(s.master, { seconds: 30, until: started + 35000, minRenditions: 2 }),
  }))).catch((e) => {
    throw dropped().length ? new Error(`the transcoder fell behind (machine too loaded for this test): ${e.message}`) : e;
  }).finally(() => console.log(server.log.split('\n').filter((l) => /transcode/.test(l)).join('\n')));
  const cpu = process.cpuUsage();
  const published = (Date.now() - started) / 1000;
  console.log(`AAC encoder ${aac}; published ${published.toFixed(1)} s; the checker used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU\n${formatResults(results)}`);
  for (const s of streams) assert.equal(s.pub.proc.exitCode, null, `${s.label}: gst-launch-1.0 ended early: ${s.pub.output}`);

  for (const [i, { label, result }] of results.entries()) {
    const renditions = Object.entries(result.stats.renditions);
    assert.deepEqual(renditions.map(([name]) => name), ['source', '360p'], label);
    for (const [name, st] of renditions) assert.ok(st.blocking > 10 && st.parts > 20 && st.segments >= 2, `${label}/${name} was followed: ${JSON.stringify(st)}`);
    assert.equal(result.stats.renditions.source.bframes, CASES[i].bframes > 0, `${label}: B-frames in the source rendition`);
  }
  const must = results.flatMap(({ label, result }) => result.violations.map((v) => `${label}/${v.rendition}: ${v.rule}: ${v.detail}`));
  assert.deepEqual(dropped(), [], `the transcoder fell behind (machine too loaded for this test); MUST violations:\n${must.join('\n')}`);
  assert.deepEqual(must, [], `MUST violations:\n${must.join('\n')}`);
});
