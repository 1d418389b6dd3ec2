// RFC 8216bis (LL-HLS) conformance of what four real ffmpeg publishers become: B-frames 0 and 2
// x GOP 2 s and 8 s, each a 854x480 source that the ladder turns into two renditions (source and
// 640x360), all four followed at once for 30 s by lib/hls_conformance.mjs as LL-HLS players.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { RULES } from './lib/hls_conformance.mjs';
import { spawnPublisher, stopPublisher } from './lib/publishers.mjs';
import { followLadders } from './lib/conformance_run.mjs';

const CASES = [[0, 60], [0, 240], [2, 60], [2, 240]].map(([bframes, gop]) => ({ bframes, gop, label: `ffmpeg-bf${bframes}-gop${gop / 30}s` }));

// x264 at 30 fps with a fixed GOP (no scene cuts), about 1 Mb/s; AAC 48 kHz stereo; real time.
// ultrafast on one thread keeps four publishers at ~16% of a core each, next to four transcodes
// on a 2-core machine; -bf, given after the preset, still makes B-frames.
function publishFfmpeg(url, { bframes, gop }) {
  return spawnPublisher('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '120', '-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-bf', String(bframes), '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-b:v', '1000k', '-maxrate', '1000k', '-bufsize', '2000k',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2', '-f', 'flv', url,
  ]);
}

let server;
const publishers = [];
before(async () => {
  server = await startServer({ args: ['--transcode.enabled=true', '--transcode.preset=superfast'] });
});
after(async () => {
  await Promise.all(publishers.map((p) => stopPublisher(p)));
  await server?.cleanup();
});

test('four ffmpeg publishers (B-frames 0/2 x GOP 2 s/8 s) give RFC 8216bis-conformant LL-HLS', { timeout: 150000 }, async () => {
  const results = await followLadders(server, CASES, publishFfmpeg, publishers);
  // Regular GOPs: no segment may end in a sliver of a part (the hls.js stall of issue #10).
  const tails = results.flatMap(({ label, result }) => result.should.filter((v) => v.rule === RULES.shortTail[0]).map((v) => `${label}/${v.rendition}: ${v.detail}`));
  assert.deepEqual(tails, [], `short tail parts:\n${tails.join('\n')}`);
});
