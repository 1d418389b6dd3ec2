// A second WebRTC implementation publishing over WHIP: werift (pure TypeScript), fed H.264 and
// Opus RTP by ffmpeg, as a WHIP encoder without a browser would be. It runs in a process of its
// own (werift leaves ICE sockets open after close(), which would keep a test runner alive), like
// any other publisher: `node werift_publisher.mjs <whipUrl> <token>` prints one JSON line with the
// POST's outcome, and SIGTERM DELETEs the session and exits.
import { createSocket } from 'node:dgram';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

function rtpInput() {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

async function publishInProcess(whipUrl, token, { seconds = 600, size = '640x360', kbps = 800 } = {}) {
  const { RTCPeerConnection, MediaStreamTrack, RTCRtpCodecParameters } = await import('werift');
  const pc = new RTCPeerConnection({
    codecs: {
      video: [new RTCRtpCodecParameters({
        mimeType: 'video/H264', clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
        parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
      })],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    },
  });
  const video = new MediaStreamTrack({ kind: 'video' });
  const audio = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(video, { direction: 'sendonly' });
  pc.addTransceiver(audio, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch(whipUrl, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` }, body: pc.localDescription.sdp });
  const body = await res.text();
  if (res.status !== 201) { await pc.close(); return { status: res.status, body }; }
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  const location = new URL(res.headers.get('location'), whipUrl).href;

  const vIn = await rtpInput();
  const aIn = await rtpInput();
  vIn.on('message', (m) => video.writeRtp(m));
  aIn.on('message', (m) => audio.writeRtp(m));
  const ffmpeg = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds),
    '-map', '0:v', '-c:v', 'libx264', '-profile:v', 'baseline', '-tune', 'zerolatency', '-preset', 'veryfast',
    '-pix_fmt', 'yuv420p', '-g', '60', '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-bsf:v', 'h264_mp4toannexb',
    '-f', 'rtp', '-payload_type', '96', `rtp://127.0.0.1:${vIn.address().port}?pkt_size=1100`,
    '-map', '1:a', '-c:a', 'libopus', '-b:a', '64k', '-ac', '2',
    '-f', 'rtp', '-payload_type', '111', `rtp://127.0.0.1:${aIn.address().port}?pkt_size=1100`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr.on('data', (d) => { stderr += d; });
  return {
    status: 201, location, pc, pid: () => ffmpeg.pid,
    stderr: () => stderr,
    async stop() {
      ffmpeg.kill('SIGKILL');
      vIn.close(); aIn.close();
      await fetch(location, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => {});
      await pc.close();
    },
  };
}

// From a test: the publisher as a child process. Resolves with { status, body?, location?, stop }.
export async function weriftPublish(whipUrl, token, { size = '640x360', kbps = 800 } = {}) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), whipUrl, token, size, String(kbps)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`werift publisher exited with ${code}`)));
  });
  const result = JSON.parse(line);
  return {
    ...result,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [whipUrl, token, size, kbps] = process.argv.slice(2);
  const pub = await publishInProcess(whipUrl, token, { size, kbps: Number(kbps) });
  const { status, body, location } = pub;
  process.stdout.write(`${JSON.stringify({ status, body, location })}\n`);
  if (status !== 201) process.exit(0);
  process.on('SIGTERM', async () => {
    await pub.stop().catch(() => {});
    process.exit(0);
  });
}
