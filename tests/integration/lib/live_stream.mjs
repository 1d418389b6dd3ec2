// A stream made LIVE the way an artist does it: ffmpeg publishing RTMP (small and cheap: tips
// only need the stream to be live, not good video).
import { createStream } from './fixtures.mjs';
import { publish, waitFor } from './media.mjs';

// `publishing`: options for publish() (e.g. { source } to send a file encoded beforehand).
export async function liveStream(server, artist, body = {}, publishing = {}) {
  const stream = await createStream(server, artist, body);
  const pub = publish(`${stream.rtmpUrl}/${stream.streamKey}`, { seconds: 600, size: '320x180', gop: 30, ...publishing });
  await waitFor(async () => (await server.api('GET', `/api/livestream/${stream.id}`)).body.status === 'LIVE', { timeout: 30000, what: 'LIVE' });
  return { ...stream, stop: () => { pub.proc.kill('SIGKILL'); return pub.done; } };
}
