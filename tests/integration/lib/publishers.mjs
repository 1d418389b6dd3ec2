// Live publishers for the conformance tests: GStreamer's pipeline as an RTMP encoder, and a
// process wrapper that stops a publisher by its pid.
import { spawn, spawnSync } from 'node:child_process';

export function gstAacEncoder() {
  return ['avenc_aac', 'voaacenc', 'fdkaacenc'].find((e) => spawnSync('gst-inspect-1.0', ['--exists', e]).status === 0) ?? null;
}

// gst-launch-1.0 -e: videotestsrc/x264enc and audiotestsrc/AAC into FLV over RTMP (rtmp2sink).
// tune=zerolatency turns B-frames off, so it is used only without them.
export function gstPublishArgs(url, { bframes = 0, gop = 60, width = 854, height = 480, fps = 30, kbps = 1000, aac = gstAacEncoder() } = {}) {
  return [
    '-q', '-e', 'videotestsrc', 'is-live=true', 'pattern=ball', '!', `video/x-raw,width=${width},height=${height},framerate=${fps}/1`, '!',
    'x264enc', `bframes=${bframes}`, `key-int-max=${gop}`, ...(bframes ? [] : ['tune=zerolatency']), 'speed-preset=veryfast', `bitrate=${kbps}`, `option-string=scenecut=0:min-keyint=${gop}`, '!',
    'video/x-h264,profile=high', '!', 'h264parse', '!', 'queue', '!', 'flvmux', 'name=mux', 'streamable=true', '!', 'rtmp2sink', `location=${url}`,
    'audiotestsrc', 'is-live=true', '!', 'audio/x-raw,rate=48000,channels=2', '!', 'audioconvert', '!', aac, ...(aac === 'avenc_aac' ? ['bitrate=128000'] : []), '!',
    'aacparse', '!', 'queue', 'max-size-time=0', 'max-size-buffers=0', 'max-size-bytes=0', '!', 'mux.',
  ];
}

// A publisher process {proc, done, output}: `done` resolves to {code, signal, output}.
export function spawnPublisher(command, args) {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pub = { proc, output: '' };
  proc.stdout.on('data', (d) => { pub.output += d; });
  proc.stderr.on('data', (d) => { pub.output += d; });
  pub.done = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, output: pub.output })));
  return pub;
}

// Ends a publisher by its pid: SIGINT (ffmpeg writes its trailer, gst-launch -e sends EOS), then
// SIGKILL if it has not exited within `ms`.
export async function stopPublisher(pub, ms = 5000) {
  if (pub.proc.exitCode !== null || pub.proc.signalCode !== null) return pub.done;
  process.kill(pub.proc.pid, 'SIGINT');
  const timer = setTimeout(() => pub.proc.exitCode === null && process.kill(pub.proc.pid, 'SIGKILL'), ms);
  try { return await pub.done; } finally { clearTimeout(timer); }
}
