// Helpers of the recording tests (docs/recording.md): the recordings API, waiting for outcomes.
import { spawnSync, spawn } from 'node:child_process';
import { waitFor } from './media.mjs';

export async function listRecordings(server, streamId, token) {
  const r = await server.api('GET', `/api/livestream/${streamId}/recordings`, { token });
  if (r.status !== 200) throw new Error(`recordings: ${r.status} ${r.text}`);
  return r.body;
}

// The stream's first recording once it has one of `statuses`.
export async function recordingWith(server, streamId, token, statuses = ['READY', 'PARTIAL', 'FAILED'], timeout = 60000) {
  return waitFor(async () => {
    const list = await listRecordings(server, streamId, token);
    const r = list.items.find((x) => x.kind === 'RECORDING');
    return r && statuses.includes(r.status) ? r : null;
  }, { timeout, interval: 250, what: `a recording in ${statuses.join('/')}` });
}

// Seconds of media in a file: ffprobe's duration less its start time (a clip's timestamps go on
// from where it was cut in its recording).
export function ffprobeDuration(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=start_time,duration', '-of', 'json', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe: ${r.stderr}`);
  const f = JSON.parse(r.stdout).format;
  return Number(f.duration) - (Number(f.start_time) || 0);
}

// Every variant URI of a multivariant playlist, absolute.
export function variantUrls(masterText, masterUrl) {
  return masterText.split('\n').filter((l) => l && !l.startsWith('#')).map((u) => new URL(u, masterUrl).href);
}

// ffmpeg -xerror over a URL, without blocking this process: the S3 server the replay reads from
// runs in it (lib/s3.mjs), and a synchronous child would starve it.
export function decodeAllAsync(url) {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-v', 'error', '-xerror', '-i', url, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (status) => resolve({ status, stderr }));
  });
}
