// A small bounds-checked ISO BMFF reader (ISO/IEC 14496-12) for CMAF: the boxes of an init
// segment (tracks, handlers, timescales, trex defaults, sample entries) and of parts and segments
// (moof/traf/tfhd/tfdt/trun per track). No length field is trusted: a box, a count or a data
// offset that points outside what contains it throws an Fmp4Error naming the box and offsets.

export class Fmp4Error extends Error {}

function fail(message) {
  throw new Fmp4Error(message);
}

// Reads big-endian fields inside [start, end) of one box; reading past `end` throws.
class Cursor {
  constructor(buf, start, end, what) {
    Object.assign(this, { buf, pos: start, end, what });
  }
  need(n) {
    if (this.pos + n > this.end) fail(`${this.what}: needs ${n} byte(s) at offset ${this.pos}, the box ends at ${this.end}`);
  }
  u8() { this.need(1); return this.buf[this.pos++]; }
  u16() { this.need(2); const v = this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  u32() { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  i32() { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  u64() {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${this.what}: 64-bit value ${v} at offset ${this.pos - 8} is beyond 2^53`);
    return Number(v);
  }
  skip(n) { this.need(n); this.pos += n; }
  fullBox() { const v = this.u32(); return { version: v >>> 24, flags: v & 0xffffff }; }
  remaining() { return this.end - this.pos; }
}

// The boxes directly inside [start, end): [{type, start, payload, end}].
export function boxes(buf, start = 0, end = buf.length, parent = 'file') {
  const out = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < 8) fail(`${parent}: ${end - pos} trailing byte(s) at offset ${pos}, too few for a box header`);
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      if (end - pos < 16) fail(`${parent}: box '${type}' at offset ${pos} has a 64-bit size but only ${end - pos} bytes`);
      const big = buf.readBigUInt64BE(pos + 8);
      size = Number(big);
      header = 16;
    } else if (size === 0) {
      size = end - pos; // "extends to the end of the file" (or of its container)
    }
    if (!/^[\x20-\x7e]{4}$/.test(type)) fail(`${parent}: box type ${JSON.stringify(type)} at offset ${pos} is not printable: not a box boundary`);
    if (size < header) fail(`${parent}: box '${type}' at offset ${pos} declares size ${size}, less than its ${header}-byte header`);
    if (pos + size > end) fail(`${parent}: box '${type}' at offset ${pos} declares size ${size}, past the end of its container at ${end}`);
    out.push({ type, start: pos, payload: pos + header, end: pos + size });
    pos += size;
  }
  return out;
}

function children(buf, box) {
  return boxes(buf, box.payload, box.end, box.type);
}

function one(list, type, parent) {
  const found = list.filter((b) => b.type === type);
  if (found.length !== 1) fail(`${parent}: expected one '${type}' box, found ${found.length}`);
  return found[0];
}

function cursor(buf, box) {
  return new Cursor(buf, box.payload, box.end, `'${box.type}' at offset ${box.start}`);
}

// sample_flags (ISO/IEC 14496-12 8.8.3.1): sample_depends_on == 2 means an I-frame,
// sample_is_non_sync_sample clear means a sync sample.
export function sampleFlags(flags) {
  if (flags === undefined) return { dependsOn: 0, nonSync: false, sync: true };
  const dependsOn = (flags >>> 24) & 3;
  const nonSync = (flags & 0x10000) !== 0;
  return { dependsOn, nonSync, sync: !nonSync && dependsOn !== 1 };
}

// init.mp4: {tracks: [{trackId, handler, timescale, codec, width, height, trex}]}.
export function parseInit(input) {
  const buf = Buffer.from(input);
  const moov = one(boxes(buf), 'moov', 'init segment');
  const kids = children(buf, moov);
  const trex = new Map();
  const mvex = kids.find((b) => b.type === 'mvex');
  for (const b of mvex ? children(buf, mvex).filter((x) => x.type === 'trex') : []) {
    const c = cursor(buf, b);
    c.fullBox();
    const trackId = c.u32();
    trex.set(trackId, { sampleDescriptionIndex: c.u32(), duration: c.u32(), size: c.u32(), flags: c.u32() });
  }
  const tracks = kids.filter((b) => b.type === 'trak').map((trak) => {
    const tk = children(buf, trak);
    const tkhd = cursor(buf, one(tk, 'tkhd', 'trak'));
    const { version } = tkhd.fullBox();
    tkhd.skip(version === 1 ? 16 : 8);
    const trackId = tkhd.u32();
    const mdia = children(buf, one(tk, 'mdia', 'trak'));
    const mdhd = cursor(buf, one(mdia, 'mdhd', 'mdia'));
    mdhd.skip(mdhd.fullBox().version === 1 ? 16 : 8);
    const timescale = mdhd.u32();
    if (timescale === 0) fail(`mdhd of track ${trackId}: timescale 0`);
    const hdlr = cursor(buf, one(mdia, 'hdlr', 'mdia'));
    hdlr.fullBox();
    hdlr.skip(4);
    const handler = buf.toString('latin1', hdlr.pos, hdlr.pos + 4);
    hdlr.skip(4);
    const stbl = children(buf, one(children(buf, one(mdia, 'minf', 'mdia')), 'stbl', 'minf'));
    const stsdBox = one(stbl, 'stsd', 'stbl');
    const stsd = cursor(buf, stsdBox);
    stsd.fullBox();
    const count = stsd.u32();
    const entries = boxes(buf, stsd.pos, stsdBox.end, 'stsd');
    if (entries.length !== count) fail(`stsd of track ${trackId}: entry_count ${count}, ${entries.length} entries present`);
    const track = { trackId, handler, timescale, codec: entries[0]?.type, trex: trex.get(trackId) };
    if (handler === 'vide' && entries[0]) {
      // VisualSampleEntry: 6 reserved, data_reference_index, 16 pre_defined/reserved, width, height.
      const v = new Cursor(buf, entries[0].payload, entries[0].end, `'${entries[0].type}' sample entry`);
      v.skip(6 + 2 + 16);
      track.width = v.u16();
      track.height = v.u16();
    }
    return track;
  });
  if (!tracks.length) fail('init segment: moov has no trak');
  return { tracks };
}

// A CMAF part or segment (one or more moof+mdat): per track_ID (from tfhd) the first tfdt, the
// fragments, every sample's duration, flags and composition offset. `init` (from parseInit)
// supplies trex defaults, handlers and timescales.
export function parseFragments(input, init) {
  const buf = Buffer.from(input);
  const top = boxes(buf);
  const mdats = top.filter((b) => b.type === 'mdat');
  const known = new Map((init?.tracks ?? []).map((t) => [t.trackId, t]));
  const tracks = new Map();
  let moofs = 0;
  for (const moof of top.filter((b) => b.type === 'moof')) {
    moofs += 1;
    for (const [trafIndex, traf] of children(buf, moof).filter((b) => b.type === 'traf').entries()) {
      const kids = children(buf, traf);
      const h = cursor(buf, one(kids, 'tfhd', 'traf'));
      const { flags: hf } = h.fullBox();
      const trackId = h.u32();
      const info = known.get(trackId);
      if (init && !info) fail(`tfhd names track ${trackId}, which the init segment does not have`);
      const absoluteBase = (hf & 0x1) !== 0;
      // Data offsets are from the moof with default-base-is-moof (CMAF), or for the first traf.
      const checkData = !absoluteBase && ((hf & 0x20000) !== 0 || trafIndex === 0);
      if (absoluteBase) h.u64();
      if (hf & 0x2) h.u32();
      const defDuration = hf & 0x8 ? h.u32() : info?.trex?.duration;
      const defSize = hf & 0x10 ? h.u32() : info?.trex?.size;
      const defFlags = hf & 0x20 ? h.u32() : info?.trex?.flags;
      const tfdtBox = kids.find((b) => b.type === 'tfdt');
      if (!tfdtBox) fail(`traf of track ${trackId}: no tfdt (CMAF requires one)`);
      const d = cursor(buf, tfdtBox);
      const tfdt = d.fullBox().version === 1 ? d.u64() : d.u32();
      const t = tracks.get(trackId) ?? {
        trackId, handler: info?.handler, timescale: info?.timescale, baseMediaDecodeTime: tfdt,
        fragments: [], sampleCount: 0, durations: [], flags: [], ctsOffsets: [], duration: 0,
      };
      tracks.set(trackId, t);
      const fragment = { tfdt, sampleCount: 0, duration: 0 };
      let dataPos = moof.start; // default-base-is-moof (CMAF); no data_offset continues from the last run
      for (const trunBox of kids.filter((b) => b.type === 'trun')) {
        const r = cursor(buf, trunBox);
        const { version, flags: rf } = r.fullBox();
        const count = r.u32();
        const dataOffset = rf & 0x1 ? r.i32() : undefined;
        const firstFlags = rf & 0x4 ? r.u32() : undefined;
        const entryBytes = 4 * [0x100, 0x200, 0x400, 0x800].filter((f) => rf & f).length;
        if (count * entryBytes > r.remaining()) {
          fail(`trun of track ${trackId}: sample_count ${count} needs ${count * entryBytes} bytes, ${r.remaining()} remain in the box`);
        }
        let bytes = 0;
        let sizesKnown = true;
        for (let i = 0; i < count; ++i) {
          const duration = rf & 0x100 ? r.u32() : defDuration;
          const size = rf & 0x200 ? r.u32() : defSize;
          let f = rf & 0x400 ? r.u32() : defFlags;
          if (i === 0 && firstFlags !== undefined) f = firstFlags;
          const cto = rf & 0x800 ? (version === 0 ? r.u32() : r.i32()) : 0;
          if (duration === undefined) fail(`track ${trackId}: no sample duration in trun, tfhd or trex`);
          if (size === undefined) sizesKnown = false;
          else bytes += size;
          t.durations.push(duration);
          t.flags.push(f);
          t.ctsOffsets.push(cto);
          fragment.duration += duration;
        }
        fragment.sampleCount += count;
        if (dataOffset !== undefined) dataPos = moof.start + dataOffset;
        if (checkData && sizesKnown && count > 0) {
          const inside = mdats.some((m) => dataPos >= m.payload && dataPos + bytes <= m.end);
          if (!inside) fail(`trun of track ${trackId}: samples at bytes ${dataPos}..${dataPos + bytes} are not inside an mdat`);
        }
        dataPos += bytes;
      }
      t.fragments.push(fragment);
      t.sampleCount += fragment.sampleCount;
      t.duration += fragment.duration;
    }
  }
  if (!moofs) fail('no moof box: not a CMAF fragment');
  for (const t of tracks.values()) {
    const first = sampleFlags(t.flags[0]);
    t.firstSampleSync = t.sampleCount > 0 && first.sync;
    t.firstSampleDependsOn = first.dependsOn;
    t.syncSamples = t.flags.filter((f) => sampleFlags(f).sync).length;
  }
  return { moofs, tracks };
}
