// A STUN Binding request built by hand (RFC 8489 5, 14.5, 14.7; RFC 8445 7.1.2), independent
// of the server's own STUN code: what an ICE agent sends, or a forged variant of it.
import { createHmac, randomBytes } from 'node:crypto';

const MAGIC = 0x2112a442;

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function attr(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const out = Buffer.alloc(4 + value.length + pad);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

// username "serverUfrag:clientUfrag"; `password` keys MESSAGE-INTEGRITY (a wrong one forges it).
export function bindingRequest({ username, password, useCandidate = false, priority = 0x6e7f00ff }) {
  const id = randomBytes(12);
  const prio = Buffer.alloc(4); prio.writeUInt32BE(priority);
  const tie = randomBytes(8);
  let attrs = Buffer.concat([
    attr(0x0006, Buffer.from(username)),
    attr(0x0024, prio),
    attr(0x802a, tie), // ICE-CONTROLLING
    ...(useCandidate ? [attr(0x0025, Buffer.alloc(0))] : []),
  ]);
  const header = (len) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(0x0001, 0); h.writeUInt16BE(len, 2); h.writeUInt32BE(MAGIC, 4); id.copy(h, 8);
    return h;
  };
  // MESSAGE-INTEGRITY over the message with its length counting the attribute itself.
  const mac = createHmac('sha1', password).update(Buffer.concat([header(attrs.length + 24), attrs])).digest();
  attrs = Buffer.concat([attrs, attr(0x0008, mac)]);
  const crc = crc32(Buffer.concat([header(attrs.length + 8), attrs])) ^ 0x5354554e;
  const fp = Buffer.alloc(4); fp.writeUInt32BE(crc >>> 0);
  attrs = Buffer.concat([attrs, attr(0x8028, fp)]);
  return { id, bytes: Buffer.concat([header(attrs.length), attrs]) };
}

// The class of a STUN response (0x0101 success, 0x0111 error) and its error code, if any.
export function parseResponse(buf) {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC) return null;
  const type = buf.readUInt16BE(0);
  let code = null;
  for (let p = 20; p + 4 <= buf.length;) {
    const t = buf.readUInt16BE(p); const l = buf.readUInt16BE(p + 2);
    if (t === 0x0009 && l >= 4) code = buf[p + 6] * 100 + buf[p + 7];
    p += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type, code };
}

export function sdpValue(sdp, name) {
  const m = sdp.match(new RegExp(`^a=${name}:(.*)$`, 'm'));
  return m ? m[1].trim() : null;
}
