// What both conformance tests do with their publishers: one stream each, followed at once by the
// checker from when both renditions are listed, for 30 s and at least until 35 s were published;
// then the common assertions (both renditions followed, B-frames where asked, no MUST violation,
// no rung dropped for load). Returns the results for a test's own further checks.
import assert from 'node:assert/strict';
import { verifiedArtist, createStream } from './fixtures.mjs';
import { followLive, formatResults } from './hls_conformance.mjs';

// cases: [{label, bframes, ...}]; publish(url, case) -> a publisher (lib/publishers.mjs);
// publishers: where they are kept for the test's after() to stop.
export async function followLadders(server, cases, publish, publishers, { note = '' } = {}) {
  // A rung the transcoder drops when the machine cannot keep up ends its rendition early: that
  // is load, not conformance (the violations it causes are listed too).
  const dropped = () => server.log.split('\n').filter((l) => /rung .* dropped/.test(l));
  const artist = await verifiedArtist(server);
  const streams = [];
  for (const c of cases) {
    const stream = await createStream(server, artist, { title: `conformance ${c.label}` });
    const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, c);
    publishers.push(pub);
    streams.push({ ...c, master: `${server.url}/hls/${stream.id}/master.m3u8`, pub });
  }
  const started = Date.now();
  const results = await Promise.all(streams.map(async (s) => ({
    label: s.label, result: await followLive(s.master, { seconds: 30, until: started + 35000, minRenditions: 2 }),
  }))).catch((e) => {
    throw dropped().length ? new Error(`the transcoder fell behind (machine too loaded for this test): ${e.message}`) : e;
  }).finally(() => console.log(server.log.split('\n').filter((l) => /transcode|hls .*(gap|longer than PART-TARGET|PART-TARGET .* declared)/.test(l)).join('\n')));
  const cpu = process.cpuUsage();
  const published = (Date.now() - started) / 1000;
  console.log(`${note}published ${published.toFixed(1)} s; the checker used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU\n${formatResults(results)}`);
  for (const s of streams) assert.equal(s.pub.proc.exitCode, null, `${s.label}: the publisher ended early: ${s.pub.output}`);

  for (const [i, { label, result }] of results.entries()) {
    const renditions = Object.entries(result.stats.renditions);
    assert.deepEqual(renditions.map(([name]) => name), ['source', '360p'], label);
    for (const [name, st] of renditions) assert.ok(st.blocking > 10 && st.parts > 20 && st.segments >= 2, `${label}/${name} was followed: ${JSON.stringify(st)}`);
    assert.equal(result.stats.renditions.source.bframes, cases[i].bframes > 0, `${label}: B-frames in the source rendition`);
  }
  const must = results.flatMap(({ label, result }) => result.violations.map((v) => `${label}/${v.rendition}: ${v.rule}: ${v.detail}`));
  assert.deepEqual(dropped(), [], `the transcoder fell behind (machine too loaded for this test); MUST violations:\n${must.join('\n')}`);
  // A publisher that stops sending video for longer than PART-TARGET (GStreamer starved of CPU)
  // leaves a frame no part can hold (docs/hls.md): said so beside the violations it causes.
  const longFrames = server.log.split('\n').filter((l) => /longer than PART-TARGET/.test(l));
  if (must.length && longFrames.length) must.push(`(the publisher sent video frames longer than PART-TARGET: ${longFrames.length} logged; a loaded machine?)`);
  assert.deepEqual(must, [], `MUST violations:\n${must.join('\n')}`);
  return results;
}
