// The publisher: raw yuv420p frames made here in real time, each showing its capture time
// (Date.now() when the frame is made) as the block pattern of pattern.mjs over a moving
// background, piped into ffmpeg (rawvideo on stdin + a lavfi sine, AAC), which encodes x264 with
// one of the encoder profiles below and publishes RTMP to every --url at once (tee muxer: the
// same encoded packets, at the same moments, to each server).
//
// usage: node publisher.mjs --profile zerolatency|obs|obs2s [--size 960x540] [--fps 30]
//                           --url rtmp://... [--url rtmp://...] [--seconds S] [--no-audio]
//        node publisher.mjs --check [--profile P] [--size WxH] [--seconds 10]
//            encodes to a file with the profile, decodes it back with ffmpeg and reads the pattern
//            of every frame: how many decode (all of them should).
//
// Runs in its own process so that nothing else (the browser driver) delays the frame clock.
// Prints one JSON line of statistics on stdout every 5 s and at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLS, ROWS, BOX, encodeBits, decodeCells } from './pattern.mjs';

const argv = process.argv.slice(2);
const arg = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const args = (name) => argv.flatMap((a, i) => (a === `--${name}` ? [argv[i + 1]] : []));

export const PROFILES = {
  // The low-latency settings a streaming guide gives: no B-frames, no lookahead, sliced threads
  // (-tune zerolatency), a key frame every 2 s. Same bitrate as OBS below, so only latency differs.
  zerolatency: ['-preset', 'veryfast', '-tune', 'zerolatency', '-g', '60', '-profile:v', 'high',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k'],
  // OBS Studio's x264 defaults (obs-x264: bitrate 2500, rate_control CBR, buffer_size = bitrate,
  // keyint_sec 0 = x264's 250, preset veryfast, no tune, no profile = high for 4:2:0 8-bit):
  // x264's veryfast B-frames (3) and lookahead (10 frames) and frame threads stay as they are.
  // CBR as OBS sets it: vbv-maxrate = bitrate, HRD signalled as CBR, filler data.
  obs: ['-preset', 'veryfast', '-g', '250', '-profile:v', 'high',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-x264-params', 'nal-hrd=cbr:filler=1'],
  // The same with the key frame interval the Studio asks for (2 s, "Keyframe Interval" 2 in
  // OBS's output settings): B-frames and lookahead as above.
  obs2s: ['-preset', 'veryfast', '-g', '60', '-profile:v', 'high',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-x264-params', 'nal-hrd=cbr:filler=1'],
};

// Frames between key frames, for the nginx-rtmp playlist length (run.mjs).
export const GOP_FRAMES = { zerolatency: 60, obs: 250, obs2s: 60 };

export class FrameMaker {
  constructor(width, height) {
    this.w = width; this.h = height;
    this.tw = width * 2; this.th = height * 2;  // background texture, scrolled and wrapped
    this.texY = Buffer.alloc(this.tw * this.th);
    this.texU = Buffer.alloc((this.tw / 2) * (this.th / 2));
    this.texV = Buffer.alloc((this.tw / 2) * (this.th / 2));
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (let y = 0; y < this.th; y++) {
      for (let x = 0; x < this.tw; x++) {
        const v = 128 + 50 * Math.sin(x / 37) * Math.cos(y / 23) + 30 * Math.sin((x + y) / 11) + 20 * (rnd() - 0.5);
        this.texY[y * this.tw + x] = Math.max(16, Math.min(235, v));
      }
    }
    for (let y = 0; y < this.th / 2; y++) {
      for (let x = 0; x < this.tw / 2; x++) {
        this.texU[y * (this.tw / 2) + x] = 128 + 60 * Math.sin(x / 29 + y / 41);
        this.texV[y * (this.tw / 2) + x] = 128 + 60 * Math.cos(x / 19 - y / 31);
      }
    }
    // The grid, in pixels: cell c spans [x0 + c*cw, x0 + (c+1)*cw).
    this.gx = Math.round(width * BOX.x / 2) * 2; this.gy = Math.round(height * BOX.y / 2) * 2;
    this.cw = Math.floor(width * BOX.w / COLS / 2) * 2; this.ch = Math.floor(height * BOX.h / ROWS / 2) * 2;
  }

  // Frame n, showing the time ms: a scrolling background whose rows also sway (motion that is
  // not one global vector), the grid drawn on top with neutral chroma.
  make(n, ms) {
    const { w, h, tw } = this;
    const frame = Buffer.allocUnsafe(w * h * 3 / 2);
    const dx = (n * 4) % w; const dy = (n * 2) % h;
    for (let y = 0; y < h; y++) {
      const sway = Math.round(12 + 12 * Math.sin(y / 45 + n / 9));
      const src = (y + dy) * tw + dx + sway;
      this.texY.copy(frame, y * w, src, src + w);
    }
    const cw2 = w / 2; const tw2 = tw / 2; const uOff = w * h; const vOff = uOff + (w / 2) * (h / 2);
    for (let y = 0; y < h / 2; y++) {
      const src = (y + (dy >> 1)) * tw2 + (dx >> 1);
      this.texU.copy(frame, uOff + y * cw2, src, src + cw2);
      this.texV.copy(frame, vOff + y * cw2, src, src + cw2);
    }
    const bits = encodeBits(ms);
    const { gx, gy, cw, ch } = this;
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        const level = bits[r * COLS + c] ? 235 : 16;
        const x0 = gx + c * cw;
        for (let y = gy + r * ch; y < gy + (r + 1) * ch; y++) frame.fill(level, y * w + x0, y * w + x0 + cw);
      }
    }
    for (let y = gy / 2; y < (gy + ROWS * ch) / 2; y++) {
      frame.fill(128, uOff + y * cw2 + gx / 2, uOff + y * cw2 + (gx + COLS * cw) / 2);
      frame.fill(128, vOff + y * cw2 + gx / 2, vOff + y * cw2 + (gx + COLS * cw) / 2);
    }
    return frame;
  }

  // Reads the grid back from a decoded yuv420p frame (the mean of the middle half of each cell).
  read(frame) {
    const { w, gx, gy, cw, ch } = this;
    const levels = [];
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        let sum = 0; let k = 0;
        for (let y = gy + r * ch + Math.floor(ch / 4); y < gy + r * ch + (3 * ch) / 4; y++) {
          for (let x = gx + c * cw + Math.floor(cw / 4); x < gx + c * cw + (3 * cw) / 4; x++) { sum += frame[y * w + x]; k++; }
        }
        // Limited range Y (16..235) to full range, as the browser shows it.
        levels.push(Math.max(0, Math.min(255, ((sum / k) - 16) * 255 / 219)));
      }
    }
    return decodeCells(levels);
  }
}

function ffmpegArgs({ profile, width, height, fps, output, audio = true }) {
  return [
    '-hide_banner', '-loglevel', 'warning', '-nostats', '-nostdin',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-framerate', String(fps), '-thread_queue_size', '64', '-i', 'pipe:0',
    ...(audio ? ['-re', '-f', 'lavfi', '-thread_queue_size', '64', '-i', 'sine=frequency=440:sample_rate=48000', '-map', '0:v', '-map', '1:a'] : ['-map', '0:v']),
    '-c:v', 'libx264', ...PROFILES[profile], '-pix_fmt', 'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-b:a', '160k', '-ar', '48000', '-ac', '2'] : []),
    // The tee muxer does not tell the encoders that FLV wants the parameter sets out of band.
    '-flags', '+global_header',
    ...output,
  ];
}

// Real-time frame clock into ffmpeg's stdin. Resolves when `seconds` have passed or stop() is
// called; frames are never skipped (a late frame is made at once, stamped with the time it was
// actually made), so lateness shows as latency, as it would with a loaded OBS.
function run({ profile, width, height, fps, output, seconds, onStats, audio }) {
  const maker = new FrameMaker(width, height);
  const ff = spawn('ffmpeg', ffmpegArgs({ profile, width, height, fps, output, audio }), { stdio: ['pipe', 'ignore', 'pipe'] });
  let ffErr = '';
  ff.stderr.on('data', (d) => { ffErr = (ffErr + d).slice(-4000); process.stderr.write(d); });
  ff.stdin.on('error', () => {});
  const stats = { profile, width, height, fps, frames: 0, late: 0, maxLateMs: 0, maxBacklogFrames: 0, ffmpegExit: null };
  const frameBytes = width * height * 3 / 2;
  const period = 1000 / fps;
  const t0 = Date.now();
  let stopped = false;
  const done = new Promise((resolve) => {
    ff.on('exit', (code, signal) => { stats.ffmpegExit = code ?? signal; stopped = true; resolve(stats); });
    const tick = () => {
      if (stopped) return;
      const now = Date.now();
      const due = t0 + stats.frames * period;
      if (now < due) { setTimeout(tick, Math.max(0, due - now - 1)); return; }
      if (seconds && now - t0 >= seconds * 1000) { ff.stdin.end(); return; }
      const late = now - due;
      if (late > period) stats.late++;
      stats.maxLateMs = Math.max(stats.maxLateMs, late);
      ff.stdin.write(maker.make(stats.frames, Date.now()));
      stats.frames++;
      stats.maxBacklogFrames = Math.max(stats.maxBacklogFrames, ff.stdin.writableLength / frameBytes);
      setImmediate(tick);
    };
    tick();
  });
  const timer = setInterval(() => onStats?.({ ...stats, backlogFrames: ff.stdin.writableLength / frameBytes }), 5000);
  return {
    done: done.then((s) => { clearInterval(timer); return { ...s, stderr: ffErr }; }),
    stop() { if (!stopped) { stopped = true; ff.stdin.end(); setTimeout(() => ff.kill('SIGINT'), 500); setTimeout(() => ff.kill('SIGKILL'), 3000); } },
  };
}

async function check({ profile, width, height, fps, seconds }) {
  const dir = mkdtempSync(join(tmpdir(), 'latency-check-'));
  const file = join(dir, 'out.flv');
  const s = await run({ profile, width, height, fps, seconds, output: ['-shortest', '-f', 'flv', file] }).done;
  const maker = new FrameMaker(width, height);
  const dec = spawn('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const size = width * height * 3 / 2;
  let buf = Buffer.alloc(0); let ok = 0; let bad = 0; let marginal = 0; let prev = null; let nonMonotonic = 0;
  for await (const chunk of dec.stdout) {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= size) {
      const r = maker.read(buf.subarray(0, size));
      buf = buf.subarray(size);
      if (r.error) bad++; else { ok++; if (r.margin) marginal++; if (prev !== null && r.ms <= prev) nonMonotonic++; prev = r.ms; }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ check: profile, made: s.frames, decoded: ok, unreadable: bad, marginal, nonMonotonic }));
  process.exit(bad === 0 && ok > 0 && ok >= s.frames - 2 ? 0 : 1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [width, height] = arg('size', '960x540').split('x').map(Number);
  const opts = { profile: arg('profile', 'obs'), width, height, fps: Number(arg('fps', 30)), seconds: Number(arg('seconds', 0)), audio: !argv.includes('--no-audio') };
  if (!PROFILES[opts.profile]) { console.error(`unknown profile ${opts.profile}`); process.exit(2); }
  if (argv.includes('--check')) {
    await check({ ...opts, seconds: opts.seconds || 10 });
  } else {
    const urls = args('url');
    const output = urls.length === 1 ? ['-f', 'flv', urls[0]]
      : ['-f', 'tee', urls.map((u) => `[f=flv:onfail=ignore]${u}`).join('|')];
    const p = run({ ...opts, output, onStats: (s) => console.log(JSON.stringify(s)) });
    for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => p.stop());
    const s = await p.done;
    delete s.stderr;
    console.log(JSON.stringify({ ...s, final: true }));
    process.exit(0);
  }
}
