// RFC 8216bis (LL-HLS) conformance of what four real GStreamer publishers become (gst-launch-1.0
// -e: videotestsrc, x264enc, flvmux, rtmp2sink; AAC from whichever encoder is installed):
// B-frames 0 and 2 x GOP 2 s and 8 s, each a 854x480 source that the ladder turns into two
// renditions (source and 640x360), all four followed at once for 30 s by lib/hls_conformance.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { gstAacEncoder, gstPublishArgs, spawnPublisher, stopPublisher } from './lib/publishers.mjs';
import { followLadders } from './lib/conformance_run.mjs';

const CASES = [[0, 60], [0, 240], [2, 60], [2, 240]].map(([bframes, gop]) => ({ bframes, gop, label: `gst-bf${bframes}-gop${gop / 30}s` }));
const aac = gstAacEncoder();

let server;
const publishers = [];
before(async () => {
  server = await startServer({ args: ['--transcode.enabled=true', '--transcode.preset=superfast'] });
});
after(async () => {
  await Promise.all(publishers.map((p) => stopPublisher(p)));
  await server?.cleanup();
});

test('four GStreamer publishers (B-frames 0/2 x GOP 2 s/8 s) give RFC 8216bis-conformant LL-HLS', { timeout: 150000 }, async () => {
  assert.ok(aac, 'an AAC encoder element (avenc_aac, voaacenc or fdkaacenc)');
  await followLadders(server, CASES, (url, c) => spawnPublisher('gst-launch-1.0', gstPublishArgs(url, { ...c, aac })), publishers, { note: `AAC encoder ${aac}; ` });
});
