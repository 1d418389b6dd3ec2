// The Studio's "Connect your encoder" panel: the RTMP URL, the WHIP URL when the server offers
// one, the stream key (hidden until asked, copy, rotate) and OBS settings that suit this
// server's LL-HLS (docs/rtmp.md, docs/hls.md, docs/webrtc.md).
//
// The API shows a stream key only when the stream is created or the key rotated (it keeps only a
// hash), so the page holds it in memory for this visit; after a reload, rotating gets a new one.
import { h, fill, copyText } from './dom.js';
import { api } from './api.js';

const MASK = '••••••••••••••••••••';

function copyButton(getText, label = 'Copy') {
  const b = h('button', { type: 'button', class: 'small', text: label });
  b.addEventListener('click', async () => {
    const ok = await copyText(getText());
    b.textContent = ok ? 'Copied' : 'Select and copy';
    setTimeout(() => { b.textContent = label; }, 1500);
  });
  return b;
}

export function renderConnect(root, stream, keys) {
  const rtmpUrl = stream.rtmpUrl ?? '';
  const whipUrl = stream.whipUrl ?? '';
  let revealed = false;
  const keyOut = h('output', { class: 'mono', id: 'stream-key', 'aria-live': 'polite' });
  const show = h('button', { type: 'button', class: 'small', id: 'show-key', text: 'Show' });
  const copyKey = copyButton(() => keys.get(stream.id) ?? '');
  copyKey.id = 'copy-key';
  const rotate = h('button', { type: 'button', class: 'small', id: 'rotate-key', text: 'Rotate' });
  const note = h('p', { class: 'muted small' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });

  const renderKey = () => {
    const key = keys.get(stream.id);
    if (!key) {
      keyOut.textContent = 'hidden';
      note.textContent = 'For your safety the key is shown only right after it is created or rotated. Rotate to get a new key (update your encoder with it).';
      show.disabled = true;
      copyKey.disabled = true;
    } else {
      keyOut.textContent = revealed ? key : MASK;
      note.textContent = 'Treat the key like a password: anyone with it can stream to your channel. Rotate it if it leaks.';
      show.disabled = false;
      copyKey.disabled = false;
    }
    show.textContent = revealed ? 'Hide' : 'Show';
  };
  show.addEventListener('click', () => { revealed = !revealed; renderKey(); });
  rotate.addEventListener('click', async () => {
    const live = stream.status === 'LIVE';
    if (!confirm(live
      ? 'Rotate the stream key? Your encoder keeps streaming, but it will need the new key next time it connects.'
      : 'Rotate the stream key? The old key stops working.')) return;
    rotate.disabled = true;
    error.hidden = true;
    try {
      const r = await api('POST', `/api/livestream/${encodeURIComponent(stream.id)}/key`);
      keys.set(stream.id, r.streamKey);
      revealed = true;
      renderKey();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    } finally {
      rotate.disabled = false;
    }
  });

  const ended = stream.status === 'ENDED';
  fill(root,
    h('h2', { text: 'Connect your encoder' }),
    ended ? h('p', { class: 'notice', text: 'This stream has ended; create a new stream to go live again.' }) : null,
    h('label', {}, h('span', { text: 'Server (RTMP URL)' }),
      h('div', { class: 'secret' }, h('output', { class: 'mono', id: 'rtmp-url', text: rtmpUrl }), copyButton(() => rtmpUrl))),
    whipUrl ? h('label', {}, h('span', { text: 'WHIP URL (OBS 30+: Service “WHIP”, Bearer Token = the stream key)' }),
      h('div', { class: 'secret' }, h('output', { class: 'mono', id: 'whip-url', text: whipUrl }), copyButton(() => whipUrl))) : null,
    h('label', {}, h('span', { text: 'Stream key' }),
      h('div', { class: 'secret' }, keyOut, show, copyKey, rotate)),
    note, error,
    h('details', { class: 'obs' },
      h('summary', { text: 'Recommended OBS Studio settings' }),
      h('ol', { class: 'advice' },
        h('li', {}, h('b', { text: 'Settings → Stream: ' }), 'Service “Custom…”, Server = the RTMP URL above, Stream Key = your key.'),
        h('li', {}, h('b', { text: 'Output (Advanced) → Streaming: ' }), 'Encoder x264 (or your GPU’s H.264 encoder: NVENC, Quick Sync, AMF, Apple VT).'),
        h('li', {}, h('b', { text: 'Rate control CBR, ' }), 'bitrate 6000 kbps for 1080p, 4500 kbps for 720p60, 3000 kbps for 720p30.'),
        h('li', {}, h('b', { text: 'Keyframe interval 2 s ' }), '(not 0/auto): segments are cut on key frames every 2 s, which keeps latency low and quality switching smooth.'),
        h('li', {}, h('b', { text: 'CPU preset veryfast, profile high, ' }), 'no look-ahead; B-frames 2 or fewer.'),
        h('li', {}, h('b', { text: 'B-frames 0 for Real-time viewers: ' }), 'WebRTC cannot carry B-frames, so fans watching in Real-time get a transcoded rendition of a stream that has them (below your source quality, or LL-HLS when the server transcodes nothing).'),
        h('li', {}, h('b', { text: 'Audio: ' }), 'AAC, 160 kbps, 48 kHz, stereo.'),
        h('li', {}, h('b', { text: 'Video: ' }), '1920×1080 or 1280×720, 30 or 60 fps (fixed, not variable).'),
        h('li', {}, 'If the connection drops, reconnecting within a few seconds continues the same stream.'))));
  renderKey();
}
