// Publishing over WHIP (RFC 9725) from real WebRTC stacks: Chromium (fake camera and microphone,
// or a canvas the test draws) and GStreamer's webrtcbin.
import { launchBrowser } from './browser.mjs';

// Runs in the page: an RTCPeerConnection sending the fake devices, offered to `whipUrl` with the
// bearer token; H.264 first. Resolves with the resource URL once the answer is applied; the
// connection state is kept in window.__whip for the test to read.
async function pagePublish({ whipUrl, token, width, height, iceTransportPolicy }) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: 30 }, audio: true });
  const pc = new RTCPeerConnection({ iceTransportPolicy: iceTransportPolicy ?? 'all' });
  window.__whip = { pc, states: [] };
  pc.onconnectionstatechange = () => window.__whip.states.push(pc.connectionState);
  for (const track of stream.getTracks()) {
    const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    if (track.kind === 'video') {
      const codecs = RTCRtpSender.getCapabilities('video').codecs;
      const h264 = codecs.filter((c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine ?? ''));
      t.setCodecPreferences([...h264, ...codecs.filter((c) => !h264.includes(c))]);
      const params = t.sender.getParameters();
      params.degradationPreference = 'maintain-resolution';
      await t.sender.setParameters(params).catch(() => {});
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch(whipUrl, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` }, body: pc.localDescription.sdp });
  const body = await res.text();
  if (res.status !== 201) return { status: res.status, body };
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  window.__whip.location = new URL(res.headers.get('location'), whipUrl).href;
  return { status: res.status, location: window.__whip.location, etag: res.headers.get('etag'), answer: body };
}

export async function browserPublisher(server, { whipUrl, token, width = 640, height = 360, iceTransportPolicy } = {}) {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  const result = await page.evaluate(pagePublish, { whipUrl, token, width, height, iceTransportPolicy });
  return {
    browser, page, result,
    state: () => page.evaluate(() => window.__whip?.pc.connectionState),
    stats: () => page.evaluate(async () => {
      const out = {};
      (await window.__whip.pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') out[s.kind] = { packets: s.packetsSent, nacks: s.nackCount, plis: s.pliCount, bytes: s.bytesSent }; });
      return out;
    }),
    async stop({ remove = true } = {}) {
      if (remove) {
        await page.evaluate(async (t) => { await fetch(window.__whip.location, { method: 'DELETE', headers: { authorization: `Bearer ${t}` } }); }, token).catch(() => {});
      }
      await browser.close();
    },
  };
}
