// Real media peers: ffmpeg publishing RTMP as OBS would, ffprobe/ffmpeg reading HLS back.
import { spawn, spawnSync } from 'node:child_process';

// x264 and AAC as OBS Studio sends them by default (30 fps, 48 kHz stereo, CBR-ish bitrate).
// `cbr` (a bitrate like '6000k') pads the video to that rate with filler data: a known byte count
// whatever the picture (the recording tests need MP4s past S3's 5 MiB part size).
export function publishArgs(url, { seconds = 8, size = '1280x720', gop = 60, re = true, cbr, bframes } = {}) {
  const rate = cbr
    ? ['-b:v', cbr, '-minrate', cbr, '-maxrate', cbr, '-bufsize', cbr, '-x264-params', 'nal-hrd=cbr:force-cfr=1']
    : ['-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k'];
  return [
    '-hide_banner', '-loglevel', 'error', ...(re ? ['-re'] : []),
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), ...rate,
    ...(bframes === undefined ? [] : ['-bf', String(bframes)]),
    '-c:a', 'aac', '-b:a', '160k', '-ar', '48000', '-ac', '2',
    '-f', 'flv', url,
  ];
}

// The same media encoded once into an FLV file, to be published by copy (publish's `source`):
// an encoder that stands for OBS on an artist's machine then takes almost no CPU here.
export function encodeSource(file, { seconds = 60, ...opts } = {}) {
  const args = publishArgs(file, { ...opts, seconds, re: false });
  const r = spawnSync('ffmpeg', ['-y', ...args], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`encoding ${file}: ${r.stderr}`);
  return file;
}

// `source`: an FLV file (encodeSource) sent in real time, looped, without encoding.
export function publish(url, opts = {}) {
  const args = opts.source
    ? ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', opts.source, '-c', 'copy', '-f', 'flv', url]
    : publishArgs(url, opts);
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stderr })));
  return { proc, done };
}

export function ffprobeJson(url, extra = []) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', ...extra, url], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Decodes everything with -xerror: any decoding or demuxing error fails.
export function decodeAll(url) {
  return spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-xerror', '-i', url, '-f', 'null', '-'], { encoding: 'utf8', timeout: 180000 });
}

export async function waitFor(fn, { timeout = 15000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
