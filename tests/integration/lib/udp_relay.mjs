// A lossy UDP path for WebRTC tests: the server announces the relay's address as its candidate
// (--webrtc.udp_candidates), the browser sends there, and the relay forwards each datagram both
// ways through one upstream socket per browser address. Every `lossEvery`-th RTP packet (RFC 7983:
// first byte 128-191, payload type outside the RTCP range) going `drop` ('toServer': a WHIP
// publisher's media; 'toClient': a WHEP viewer's) is dropped; STUN, DTLS and RTCP always pass.
import { createSocket } from 'node:dgram';

const isRtp = (msg) => msg.length > 1 && msg[0] >= 128 && msg[0] <= 191 && !(msg[1] >= 192 && msg[1] <= 223);

//
// `rateKbps` (toClient only) makes the path a bottleneck: datagrams to the client leave at that
// rate through a FIFO that holds at most `queueMs` of them (the rest dropped, as a router's tail
// drop). relay.rateKbps can be changed (0: no limit) while it runs.
export async function lossyRelay({ lossEvery = 20, drop = 'toServer', rateKbps = 0, queueMs = 200 } = {}) {
  const front = createSocket('udp4');
  await new Promise((res) => front.bind(0, '127.0.0.1', res));
  const relay = { front, port: front.address().port, target: 0, dropped: 0, forwarded: 0, backs: new Map(), rateKbps, queued: 0 };
  // The bottleneck: the time the link is busy until, and the datagrams waiting for it.
  let busyUntil = 0;
  const toClient = (m, from) => {
    if (!relay.rateKbps) { relay.forwarded += 1; front.send(m, from.port, from.address); return; }
    const now = performance.now();
    const start = Math.max(now, busyUntil);
    if (start - now > queueMs) { relay.dropped += 1; relay.queued += 1; return; }
    busyUntil = start + (m.length * 8) / relay.rateKbps;  // kbit/s = bits per ms
    relay.forwarded += 1;
    setTimeout(() => front.send(m, from.port, from.address), Math.max(0, busyUntil - now));
  };
  let media = 0;
  const lose = (msg, direction) => direction === drop && isRtp(msg) && ++media % lossEvery === 0;
  front.on('message', async (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let back = relay.backs.get(key);
    if (!back) {
      back = createSocket('udp4');
      relay.backs.set(key, back);
      await new Promise((res) => back.bind(0, '127.0.0.1', res));
      back.on('message', (m) => {
        if (lose(m, 'toClient')) { relay.dropped += 1; return; }
        toClient(m, from);
      });
    }
    if (lose(msg, 'toServer')) { relay.dropped += 1; return; }
    relay.forwarded += 1;
    back.send(msg, relay.target, '127.0.0.1');
  });
  relay.close = () => { front.close(); for (const b of relay.backs.values()) b.close(); };
  return relay;
}
