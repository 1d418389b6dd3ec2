// An RFC 8216bis (draft-pantos-hls-rfc8216bis, HLS 2nd edition with LL-HLS) conformance checker
// for a live origin. followLive() plays a stream as an LL-HLS player does (blocking reloads for
// the next part, plain reloads, every new part, segment and init fetched) and checks the rules
// below on everything it receives. Section numbers are the draft's; "stagecast:" rules are
// promises of docs/hls.md beyond the spec. Level S rules are the spec's SHOULDs, and two timing
// MUSTs a loaded test machine makes noisy: reported, never meant to fail a test.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseInit, parseFragments } from './fmp4.mjs';

import { M, S, RULES } from './hls_conformance_rules.mjs';

export { RULES };

// Violations, deduplicated by rule, rendition and what they are about (a msn, a URI, a value).
class Findings {
  all = new Map();
  add(key, rendition, detail, about = detail) {
    const [rule, level] = RULES[key];
    const seen = this.all.get(`${key}|${rendition}|${about}`);
    if (seen) seen.count += 1;
    else this.all.set(`${key}|${rendition}|${about}`, { rule, level, rendition, detail, count: 1 });
  }
  list(level) {
    return [...this.all.values()].filter((v) => v.level === level).map(({ level: _, ...v }) => v);
  }
}

// ---- 4.1 and 4.2: text, lines, attribute lists ----
const MEDIA_TAGS = new Set(['EXT-X-TARGETDURATION', 'EXT-X-MEDIA-SEQUENCE', 'EXT-X-DISCONTINUITY-SEQUENCE', 'EXT-X-ENDLIST',
  'EXT-X-PLAYLIST-TYPE', 'EXT-X-I-FRAMES-ONLY', 'EXT-X-PART-INF', 'EXT-X-SERVER-CONTROL']);
const SEGMENT_TAGS = new Set(['EXTINF', 'EXT-X-BYTERANGE', 'EXT-X-DISCONTINUITY', 'EXT-X-KEY', 'EXT-X-MAP', 'EXT-X-PROGRAM-DATE-TIME', 'EXT-X-GAP', 'EXT-X-BITRATE', 'EXT-X-PART']);
const METADATA_TAGS = new Set(['EXT-X-DATERANGE', 'EXT-X-SKIP', 'EXT-X-PRELOAD-HINT', 'EXT-X-RENDITION-REPORT']);
const MULTIVARIANT_TAGS = new Set(['EXT-X-MEDIA', 'EXT-X-STREAM-INF', 'EXT-X-I-FRAME-STREAM-INF', 'EXT-X-SESSION-DATA', 'EXT-X-SESSION-KEY', 'EXT-X-CONTENT-STEERING']);
const ONCE = new Set([...MEDIA_TAGS, 'EXT-X-VERSION', 'EXT-X-INDEPENDENT-SEGMENTS', 'EXT-X-START', 'EXT-X-SKIP']);
// Attribute value types checked: q quoted-string, i decimal-integer, f decimal-floating-point,
// e enumerated-string, y the enumerated YES, r decimal-resolution.
const ATTR_TYPES = {
  'EXT-X-PART': { URI: 'q', DURATION: 'f', INDEPENDENT: 'y', GAP: 'y', BYTERANGE: 'q' },
  'EXT-X-PART-INF': { 'PART-TARGET': 'f' },
  'EXT-X-SERVER-CONTROL': { 'CAN-BLOCK-RELOAD': 'y', 'HOLD-BACK': 'f', 'PART-HOLD-BACK': 'f', 'CAN-SKIP-UNTIL': 'f', 'CAN-SKIP-DATERANGES': 'y' },
  'EXT-X-MAP': { URI: 'q', BYTERANGE: 'q' },
  'EXT-X-PRELOAD-HINT': { TYPE: 'e', URI: 'q', 'BYTERANGE-START': 'i', 'BYTERANGE-LENGTH': 'i' },
  'EXT-X-RENDITION-REPORT': { URI: 'q', 'LAST-MSN': 'i', 'LAST-PART': 'i' },
  'EXT-X-STREAM-INF': { BANDWIDTH: 'i', 'AVERAGE-BANDWIDTH': 'i', CODECS: 'q', RESOLUTION: 'r', 'FRAME-RATE': 'f', AUDIO: 'q', VIDEO: 'q', 'HDCP-LEVEL': 'e', 'VIDEO-RANGE': 'e' },
};
const TYPES = { i: /^\d{1,20}$/, f: /^\d+(\.\d+)?$/, e: /^[^",\s]+$/, y: /^YES$/, r: /^\d+x\d+$/ };

// 4.1: the bytes of any playlist; returns its lines, or null when it is not text at all.
function checkText(bytes, contentType, add) {
  if (!/^(application\/vnd\.apple\.mpegurl|audio\/mpegurl)\s*(;.*)?$/i.test(contentType))
    add('contentType', `Content-Type ${JSON.stringify(contentType)}`, contentType);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) add('utf8', 'starts with a byte order mark', 'bom');
  let text;
  try { text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes); } catch { add('utf8', 'not valid UTF-8', 'invalid'); return null; }
  const ctl = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]|\r(?!\n)/.exec(text);
  if (ctl) add('control', `U+${ctl[0].charCodeAt(0).toString(16).padStart(4, '0')} at offset ${ctl.index}`, 'ctl');
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  if (lines[0] !== '#EXTM3U') add('extm3u', `first line ${JSON.stringify(lines[0].slice(0, 40))}`, 'first');
  for (const line of lines) {
    if (line.startsWith('#EXT') && !/^#EXT[A-Z0-9-]*(:|$)/.test(line)) add('lines', `malformed tag ${JSON.stringify(line.slice(0, 60))}`, line);
    if (line && !line.startsWith('#') && (/\s/.test(line) || !URL.canParse(line, 'http://h/'))) add('lines', `URI line ${JSON.stringify(line)}`, line);
  }
  return lines;
}

function splitTag(line) {
  const colon = line.indexOf(':');
  return colon < 0 ? [line.slice(1), null] : [line.slice(1, colon), line.slice(colon + 1)];
}

// 4.2: AttributeName=AttributeValue pairs separated by commas; the result holds unquoted values.
function parseAttributes(tag, text, add) {
  const attrs = {};
  let rest = text ?? '';
  while (rest.length) {
    const m = /^([A-Z0-9-]+)=("[^"\r\n]*"|[^",\s]*)(,?)/.exec(rest);
    if (!m || !m[2] || (!m[3] && m[0].length < rest.length)) { add('attrList', `#${tag}: cannot parse ${JSON.stringify(rest.slice(0, 50))}`, `${tag}:${rest}`); break; }
    const [all, name, raw, comma] = m;
    if (name in attrs) add('attrDup', `#${tag}: ${name} twice`, `${tag}:${name}`);
    const quoted = raw.startsWith('"');
    const type = ATTR_TYPES[tag]?.[name];
    attrs[name] = quoted ? raw.slice(1, -1) : raw;
    if (type && ((type === 'q') !== quoted || (!quoted && !TYPES[type].test(raw))))
      add('attrList', `#${tag}: ${name}=${raw} is not of type ${type}`, `${tag}:${name}`);
    rest = rest.slice(all.length);
    if (comma && !rest.length) add('attrList', `#${tag}: trailing comma`, `${tag}:comma`);
  }
  return attrs;
}

// 4.4.4.6: date-time-msec; ms since the epoch (NaN if invalid).
function parsePdt(value, add) {
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/.exec(value ?? '');
  const ms = m ? Date.parse(m[2] ? value : `${value}Z`) : NaN;
  if (Number.isNaN(ms)) add('pdt', `#EXT-X-PROGRAM-DATE-TIME:${value}`, value);
  else if (!m[2] || !m[1] || m[1].length < 4) add('pdtZone', `#EXT-X-PROGRAM-DATE-TIME:${value}`, 'zone');
  return ms;
}

// ---- A media playlist: segments {msn, uri, extinf, pdt, discontinuity, dsn, map, parts},
// the segment in progress (parts, no URI yet) as `partial` ----
function parseMedia(lines, add) {
  const m = { counts: {}, ms: 0, dsn: 0, td: NaN, hints: [], reports: [], segments: [], partial: null };
  const fresh = () => ({ parts: [], extinf: null, pdt: NaN, discontinuity: false, touched: false });
  let seg = fresh();
  let map = null;
  let anyDiscontinuity = false;
  const beforeParts = (name) => seg.parts.length && add('partTags', `${name} after the first EXT-X-PART of its segment`, name);
  for (const line of lines.slice(1)) {
    if (!line || (line.startsWith('#') && !line.startsWith('#EXT'))) continue;
    if (!line.startsWith('#')) {
      if (seg.extinf === null) add('extinf', `segment ${line} has no EXTINF`, line);
      m.segments.push(Object.assign(seg, { uri: line, complete: true, map }));
      seg = fresh();
      continue;
    }
    const [name, value] = splitTag(line);
    const started = m.segments.length > 0 || seg.touched;
    m.counts[name] = (m.counts[name] ?? 0) + 1;
    if (MULTIVARIANT_TAGS.has(name)) add('kind', `#${name} in a media playlist`, name);
    if (SEGMENT_TAGS.has(name)) seg.touched = true;
    const attrs = () => parseAttributes(name, value, add);
    switch (name) {
      case 'EXT-X-VERSION': m.version = value; break;
      case 'EXT-X-TARGETDURATION': m.td = /^\d+$/.test(value ?? '') ? Number(value) : NaN; break;
      case 'EXT-X-MEDIA-SEQUENCE':
        if (started || !/^\d+$/.test(value ?? '')) add('mediaSequence', `#EXT-X-MEDIA-SEQUENCE:${value}${started ? ' after the first segment' : ''}`, value);
        m.ms = Number(value); break;
      case 'EXT-X-DISCONTINUITY-SEQUENCE':
        if (started || anyDiscontinuity) add('discSequence', 'after the first segment or an EXT-X-DISCONTINUITY', 'late');
        [m.dsn, m.dsnPresent] = [Number(value), true]; break;
      case 'EXT-X-ENDLIST': m.ended = true; break;
      case 'EXT-X-PLAYLIST-TYPE': m.playlistType = value; break;
      case 'EXT-X-I-FRAMES-ONLY': m.iframesOnly = true; break;
      case 'EXT-X-INDEPENDENT-SEGMENTS': m.independentSegments = true; break;
      case 'EXT-X-PART-INF': m.partTarget = Number(attrs()['PART-TARGET']); break;
      case 'EXT-X-SERVER-CONTROL': m.serverControl = attrs(); m.serverControlText = value; break;
      case 'EXT-X-BYTERANGE': m.byterange = true; break;
      case 'EXT-X-PRELOAD-HINT': m.hints.push(attrs()); break;
      case 'EXT-X-RENDITION-REPORT': m.reports.push(attrs()); break;
      case 'EXT-X-DISCONTINUITY': beforeParts(name); seg.discontinuity = anyDiscontinuity = true; break;
      case 'EXT-X-PROGRAM-DATE-TIME': beforeParts(name); seg.pdtText = value; seg.pdt = parsePdt(value, add); break;
      case 'EXTINF': {
        const x = /^(\d+(?:\.\d+)?),(.*)$/.exec(value ?? '') ?? add('extinf', `#EXTINF:${value}`, value);
        if (x) [seg.extinf, seg.extinfText, m.floatExtinf] = [Number(x[1]), x[1], m.floatExtinf || x[1].includes('.')];
        break;
      }
      case 'EXT-X-MAP': {
        const a = attrs();
        beforeParts(name);
        if (!a.URI) add('map', `#EXT-X-MAP:${value}`, value);
        [map, seg.mapChanged, m.usesMap] = [a.URI ?? map, true, true]; break;
      }
      case 'EXT-X-PART': {
        const a = attrs();
        if (!a.URI || a.DURATION === undefined) add('partAttrs', `#EXT-X-PART:${value}`, value);
        seg.parts.push({ uri: a.URI, duration: Number(a.DURATION), independent: a.INDEPENDENT === 'YES', gap: a.GAP === 'YES' }); break;
      }
      default: if (value && /^[A-Z0-9-]+=/.test(value)) attrs();
    }
  }
  if (seg.touched) m.partial = Object.assign(seg, { complete: false, map });
  let dsn = m.dsn;
  for (const [i, s] of allSegments(m).entries()) {
    s.msn = m.ms + i;
    s.dsn = dsn += s.discontinuity ? 1 : 0; // 6.2.1: DSN tag + the EXT-X-DISCONTINUITY tags up to it
  }
  return m;
}

const allSegments = (m) => [...m.segments, ...(m.partial ? [m.partial] : [])];
const segmentOf = (m, msn) => allSegments(m).find((s) => s.msn === msn);
const after = (a, b) => a.msn > b.msn || (a.msn === b.msn && a.part > b.part);

// The last listed part as {msn, part}; part Infinity: a complete segment whose parts are gone.
function lastPosition(m) {
  for (const s of allSegments(m).reverse()) {
    if (s.parts.length) return { msn: s.msn, part: s.parts.length - 1 };
    if (s.complete) return { msn: s.msn, part: Infinity };
  }
  return null;
}

// ---- 4.4.x: what one media playlist must satisfy on its own ----
function checkMediaPlaylist(m, add) {
  // 4.4.1.2 with section 8 (the minimum version of each feature)
  const need = Math.max(m.floatExtinf ? 3 : 1, m.byterange || m.iframesOnly ? 4 : 1, m.usesMap ? (m.iframesOnly ? 5 : 6) : 1, m.counts['EXT-X-DEFINE'] ? 8 : 1);
  if (m.counts['EXT-X-VERSION'] !== 1 || !/^\d+$/.test(m.version) || Number(m.version) < need)
    add('version', `${m.counts['EXT-X-VERSION'] ?? 0} EXT-X-VERSION tag(s), value ${m.version}, the tags need ${need}`, m.version);
  // 4.4.2, 4.4.3: at most once
  for (const [name, n] of Object.entries(m.counts)) if (ONCE.has(name) && n > 1) add('once', `#${name} ${n} times`, name);
  // 4.4.3.1
  if (m.counts['EXT-X-TARGETDURATION'] !== 1 || !(m.td >= 1))
    add('targetDuration', `EXT-X-TARGETDURATION x${m.counts['EXT-X-TARGETDURATION'] ?? 0}, value ${m.td}`, m.td);
  for (const s of m.segments) if (s.extinf !== null && Math.round(s.extinf) > m.td) add('extinfRounded', `msn ${s.msn} EXTINF ${s.extinfText} > TARGETDURATION ${m.td}`, s.msn);
  // 6.2.2: a live playlist carries no EXT-X-PLAYLIST-TYPE
  if (m.playlistType && !m.ended) add('playlistType', `EXT-X-PLAYLIST-TYPE:${m.playlistType}`, m.playlistType);
  checkParts(m, add);
  checkServerControl(m, add);
  checkHintsAndReports(m, add);
}

// 4.4.3.7, 4.4.4.9: part durations against PART-TARGET; our short-tail rule (hls.js skips a tail
// part that short and stalls).
function checkParts(m, add) {
  const all = allSegments(m);
  const pt = m.partTarget;
  if (!all.some((s) => s.parts.length)) return;
  if (!(pt > 0)) return add('partInf', 'EXT-X-PART without EXT-X-PART-INF:PART-TARGET', 'missing');
  for (const [i, s] of all.entries()) {
    for (const [k, p] of s.parts.entries()) {
      if (p.duration > pt + 1e-9) add('partMax', `${p.uri} DURATION ${p.duration} > PART-TARGET ${pt}`, p.uri);
      const exempt = k === s.parts.length - 1 || p.independent || p.gap || s.parts[k + 1].gap;
      if (!exempt && p.duration < 0.85 * pt - 1e-9) add('partMin', `${p.uri} DURATION ${p.duration} < 85% of ${pt}, not its segment's last`, p.uri);
    }
    const [next, tail] = [all[i + 1], s.parts.at(-1)];
    if (s.complete && tail && next && !next.discontinuity && tail.duration < 0.25 * pt)
      add('shortTail', `msn ${s.msn} ends with ${tail.uri} of ${tail.duration} s (< 25% of ${pt}), then msn ${next.msn}`, s.msn);
  }
}

// 4.4.3.8
function checkServerControl(m, add) {
  const sc = m.serverControl ?? {};
  const [pt, phb] = [m.partTarget, Number(sc['PART-HOLD-BACK'])];
  if (pt > 0 && !(phb >= 2 * pt)) add('partHoldBack', `PART-HOLD-BACK=${sc['PART-HOLD-BACK']} with PART-TARGET=${pt}`, phb);
  else if (pt > 0 && phb < 3 * pt - 1e-9) add('partHoldBack3', `PART-HOLD-BACK=${phb} < 3 x ${pt}`, phb);
  if (sc['HOLD-BACK'] !== undefined && !(Number(sc['HOLD-BACK']) >= 3 * m.td))
    add('holdBack', `HOLD-BACK=${sc['HOLD-BACK']} < 3 x TARGETDURATION ${m.td}`, `${sc['HOLD-BACK']}/${m.td}`);
  if (sc['CAN-BLOCK-RELOAD'] !== 'YES') add('canBlock', `EXT-X-SERVER-CONTROL:${m.serverControlText ?? '(absent)'}`, 'cbr');
}

// 4.4.5.3, 6.2.6, and what of 4.4.5.4 one playlist shows
function checkHintsAndReports(m, add) {
  const listed = new Set(allSegments(m).flatMap((s) => s.parts.map((p) => p.uri)));
  const types = {};
  for (const h of m.hints) {
    if (!['PART', 'MAP'].includes(h.TYPE) || !h.URI) add('hintAttrs', `EXT-X-PRELOAD-HINT TYPE=${h.TYPE} URI=${h.URI}`, h.TYPE);
    types[h.TYPE] = (types[h.TYPE] ?? 0) + 1;
    if (h.TYPE === 'PART' && listed.has(h.URI)) add('hintNext', `hint ${h.URI} is already an EXT-X-PART`, h.URI);
  }
  if (m.ended && m.hints.length) add('hintAttrs', 'EXT-X-PRELOAD-HINT with EXT-X-ENDLIST', 'ended');
  for (const [type, n] of Object.entries(types)) if (n > 1) add('hintOne', `${n} hints of TYPE=${type}`, type);
  // LAST-MSN and LAST-PART may be left out when equal to this playlist's own (4.4.5.4).
  for (const r of m.reports) if (!r.URI || /^([a-z][a-z0-9+.-]*:|\/\/)/i.test(r.URI)) add('report', `EXT-X-RENDITION-REPORT URI=${r.URI} (missing or not relative)`, r.URI);
}

// ---- 6.2.1, 6.2.2: what may change from one reload of a rendition to the next ----
function checkReload(ctx, r, prev, m, add) {
  if (prev.td !== m.td) add('tdStable', `TARGETDURATION ${prev.td} -> ${m.td} at msn ${lastPosition(m)?.msn}`, `${prev.td}->${m.td}`);
  if (prev.version !== m.version || prev.partTarget !== m.partTarget)
    add('stable', `EXT-X-VERSION ${prev.version} -> ${m.version}, PART-TARGET ${prev.partTarget} -> ${m.partTarget}`, `${prev.version}${m.version}${prev.partTarget}${m.partTarget}`);
  if (m.ms < prev.ms) add('msnMonotonic', `EXT-X-MEDIA-SEQUENCE ${prev.ms} -> ${m.ms}`, `${prev.ms}->${m.ms}`);
  const [prevLast, nowLast] = [prev.segments.at(-1)?.msn ?? -1, m.segments.at(-1)?.msn ?? -1];
  if (m.ms <= prevLast && nowLast < prevLast) add('removeOrder', `msn ${prevLast} was listed, now the playlist ends at ${nowLast}`, prevLast);
  if (m.ms > prev.ms && !m.ended) {
    const removed = prev.segments.filter((s) => s.msn < m.ms);
    const discontinuities = removed.filter((s) => s.discontinuity).length;
    if (removed.length === m.ms - prev.ms && m.dsn !== prev.dsn + discontinuities)
      add('dsn', `${removed.length} segment(s) with ${discontinuities} EXT-X-DISCONTINUITY removed, DISCONTINUITY-SEQUENCE ${prev.dsn} -> ${m.dsn}`, m.ms);
    if (discontinuities && !m.dsnPresent) add('dsn', 'segments with EXT-X-DISCONTINUITY removed, no EXT-X-DISCONTINUITY-SEQUENCE tag', 'tag');
    const listed = m.segments.reduce((t, s) => t + (s.extinf ?? 0), 0);
    if (listed < 3 * m.td - 1e-6) add('minDuration', `after removing up to msn ${m.ms - 1}: ${listed.toFixed(3)} s listed < 3 x ${m.td}`, m.ms);
    for (const s of removed) ctx.fetchRemoved(r, s.uri, 'removedSegment');
  }
  for (const s of prev.segments) {
    const now = segmentOf(m, s.msn);
    if (s.parts.length && !now?.parts.length) ctx.fetchRemoved(r, s.parts.at(-1).uri, 'removedPart');
  }
}

// Every segment (by msn) and part (by URI) listed is remembered: it must not change (6.2.1),
// and parts go only from the start (6.2.2).
function rememberListing(r, m, add) {
  for (const s of allSegments(m)) {
    const uris = s.parts.map((p) => p.uri);
    const known = r.partLists.get(s.msn);
    const extension = known?.every((u, i) => uris[i] === u);
    const suffix = known && uris.every((u, i) => known[known.length - uris.length + i] === u);
    if (known && uris.length && !extension && !suffix) add('removeOrder', `msn ${s.msn} parts were [${known.join(' ')}], now [${uris.join(' ')}]`, s.msn);
    if (!known || uris.length > known.length) r.partLists.set(s.msn, uris);
    if (!s.complete && uris.length && !r.firstPart.has(s.msn)) r.firstPart.set(s.msn, s.parts[0]);
    for (const [idx, p] of s.parts.entries()) {
      const seen = r.parts.get(r.abs(p.uri));
      if (!seen) r.parts.set(r.abs(p.uri), { ...p, msn: s.msn, idx, map: s.map });
      else if (seen.duration !== p.duration || seen.independent !== p.independent || seen.msn !== s.msn)
        add('partStable', `${p.uri}: DURATION ${seen.duration} -> ${p.duration}, INDEPENDENT ${seen.independent} -> ${p.independent}`, p.uri);
    }
    if (!s.complete) continue;
    const rec = r.segs.get(s.msn);
    const first = r.firstPart.get(s.msn);
    if (!rec)
      r.segs.set(s.msn, { ...s, firstIndependent: (first ?? s.parts[0])?.independent, independentClaimed: r.independentClaimed || m.independentSegments });
    else if (['uri', 'extinfText', 'pdtText', 'discontinuity'].some((k) => rec[k] !== s[k]))
      add('segStable', `msn ${s.msn}: ${rec.uri} ${rec.extinfText} ${rec.pdtText} ${rec.discontinuity} -> ${s.uri} ${s.extinfText} ${s.pdtText} ${s.discontinuity}`, s.msn);
    // 4.4.4.9: checked once, on a segment seen in progress from its first part on
    if (first && s.parts[0]?.uri === first.uri && !r.summed.has(s.msn)) {
      r.summed.add(s.msn);
      const sum = s.parts.reduce((t, p) => t + p.duration, 0);
      if (Math.abs(sum - s.extinf) > 0.001 * s.parts.length + 1e-9)
        add('partSum', `msn ${s.msn}: ${s.parts.length} parts sum to ${sum.toFixed(5)}, EXTINF ${s.extinfText}`, s.msn);
    }
  }
}

// 4.4.5.3: a hinted URI, once added, is that of the part added next. A hint may be abandoned
// when the segmentation changes (6.2.6), so only a hinted part listed elsewhere is a violation.
function checkHints(r, m, add) {
  r.hints = r.hints.filter((h) => {
    const s = segmentOf(m, h.after.msn);
    const next = s?.parts.length > h.after.part + 1 ? s.parts[h.after.part + 1] : (s?.complete || !s) && segmentOf(m, h.after.msn + 1)?.parts[0];
    if (!next) return !m.ended && h.after.msn >= m.ms;
    const elsewhere = allSegments(m).find((x) => x.parts.some((p) => p !== next && r.abs(p.uri) === h.uri));
    if (r.abs(next.uri) !== h.uri && elsewhere)
      add('hintNext', `hinted ${h.text} after ${h.after.msn}.${h.after.part}; ${next.uri} came next, ${h.text} in msn ${elsewhere.msn}`, h.text);
    return false;
  });
  const hint = m.hints.find((h) => h.TYPE === 'PART' && h.URI);
  const pos = lastPosition(m);
  if (hint && pos && !r.hints.some((h) => h.text === hint.URI)) r.hints.push({ uri: r.abs(hint.URI), text: hint.URI, after: pos });
}

// 4.4.5.4: the reports this playlist carries, and those others made about this rendition,
// compared with this playlist when it was requested after they were received.
function checkReports(ctx, r, m, add, requestedAt) {
  const own = lastPosition(m);
  for (const rep of m.reports.filter((x) => x.URI)) {
    const target = ctx.renditions.find((x) => new URL(x.url).pathname === new URL(rep.URI, r.url).pathname);
    if (!target) { add('report', `EXT-X-RENDITION-REPORT URI=${rep.URI} names no rendition of the multivariant playlist`, rep.URI); continue; }
    target.reports.push({ from: r.name, pos: { msn: Number(rep['LAST-MSN'] ?? own?.msn), part: Number(rep['LAST-PART'] ?? own?.part) }, at: performance.now() });
  }
  for (const p of r.reports.filter((x) => x.at < requestedAt)) {
    if (own && after(p.pos, own))
      add('reportAhead', `${p.from} reported LAST-MSN=${p.pos.msn},LAST-PART=${p.pos.part}; ${r.name} then listed up to ${own.msn}.${own.part}`, `${p.pos.msn}.${p.pos.part}`);
  }
  r.reports = r.reports.filter((x) => x.at >= requestedAt);
}

// ---- 4.4.6: the multivariant playlist ----
function checkMultivariant(lines, add) {
  const variants = [];
  const counts = {};
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith('#EXT') || i === 0) continue;
    const [name, value] = splitTag(line);
    counts[name] = (counts[name] ?? 0) + 1;
    if (MEDIA_TAGS.has(name) || SEGMENT_TAGS.has(name) || METADATA_TAGS.has(name)) add('kind', `#${name} in a multivariant playlist`, name);
    if (name !== 'EXT-X-STREAM-INF') continue;
    const attrs = parseAttributes(name, value, add);
    const uri = lines[i + 1];
    if (!attrs.BANDWIDTH || !uri || uri.startsWith('#')) { add('variant', `${line} (next line ${JSON.stringify(uri)})`, line); continue; }
    const missing = ['CODECS', 'RESOLUTION', 'FRAME-RATE'].filter((a) => !attrs[a]);
    if (missing.length) add('variantPromise', `${uri}: no ${missing.join(', ')}`, uri);
    if (attrs['FRAME-RATE'] && !(attrs['FRAME-RATE'] >= 1 && attrs['FRAME-RATE'] <= 120)) add('frameRate', `${uri}: FRAME-RATE=${attrs['FRAME-RATE']}`, uri);
    variants.push({ uri, attrs });
  }
  for (const [name, n] of Object.entries(counts)) if (ONCE.has(name) && n > 1) add(name === 'EXT-X-VERSION' ? 'version' : 'once', `#${name} ${n} times`, name);
  return { variants, independentSegments: counts['EXT-X-INDEPENDENT-SEGMENTS'] > 0 };
}

// ---- Media: what the fetched init segments, parts and segments show ----
function summarize(parsed) {
  const out = {};
  for (const t of parsed.tracks.values()) {
    const kind = { vide: 'video', soun: 'audio' }[t.handler];
    if (kind && !out[kind]) {
      out[kind] = {
        timescale: t.timescale, tfdt: t.baseMediaDecodeTime, duration: t.duration, samples: t.sampleCount, minDuration: Math.min(...t.durations),
        firstSync: t.firstSampleSync, dependsOn: t.firstSampleDependsOn, syncSamples: t.syncSamples, fragments: t.fragments,
        reordered: t.ctsOffsets.some((c) => c !== t.ctsOffsets[0]),
      };
    }
  }
  return out;
}

const frameOf = (r) => r.frame ?? 1 / 30;
const secs = (t, ticks = t.tfdt) => ticks / t.timescale;

// Decode-time continuity (tfdt + durations = the next tfdt): video within 1 ms, audio within one
// AAC frame (1024 samples at an audio timescale of the sample rate).
function gap(add, kind, what, a, b, timescale, about) {
  const d = b.tfdt - (a.tfdt + a.duration);
  if (Math.abs(d) > (kind === 'video' ? timescale / 1000 : 1024))
    add(`${kind}Continuity`, `${what}: ${kind} ${d > 0 ? 'gap' : 'overlap'} of ${Math.abs(d)} ticks (${(Math.abs(d) / timescale * 1000).toFixed(1)} ms)`, about);
}
const continuity = (add, what, a, b, about) => ['video', 'audio'].forEach((k) => a[k] && b[k] && gap(add, k, what, a[k], b[k], a[k].timescale, about));

function checkRenditionMedia(r, add) {
  const videos = [...r.segMedia.values()].map((sm) => sm.video).filter(Boolean);
  const ticks = videos.reduce((t, v) => t + v.duration / v.timescale, 0);
  if (ticks > 0) [r.fps, r.frame] = [videos.reduce((t, v) => t + v.samples, 0) / ticks, ticks / videos.reduce((t, v) => t + v.samples, 0)];
  const partsOf = new Map();
  for (const [uri, info] of r.parts) {
    const pm = r.partMedia.get(uri);
    const v = pm?.video;
    if (!v) continue;
    partsOf.set(info.msn, [...(partsOf.get(info.msn) ?? []), { info, pm }].sort((a, b) => a.info.idx - b.info.idx));
    if (info.independent && !v.firstSync)
      add('partIndependent', `${info.uri} is INDEPENDENT=YES, its first video sample (depends_on=${v.dependsOn}) is no sync sample`, info.uri);
    if (!info.independent && v.syncSamples > 0) add('partFlag', `${info.uri} has ${v.syncSamples} sync sample(s) and no INDEPENDENT=YES`, info.uri);
    if (Math.abs(info.duration - secs(v, v.duration)) > frameOf(r) + 0.001)
      add('partMedia', `${info.uri}: DURATION ${info.duration}, video samples last ${secs(v, v.duration).toFixed(5)} s`, info.uri);
    if (v.minDuration <= 0) add('durations', `${info.uri}: a video sample of duration ${v.minDuration}`, info.uri);
  }
  for (const list of partsOf.values()) {
    for (const [i, p] of list.entries()) if (i && p.info.idx === list[i - 1].info.idx + 1) continuity(add, `${list[i - 1].info.uri} -> ${p.info.uri}`, list[i - 1].pm, p.pm, p.info.uri);
  }
  for (const [msn, sm] of r.segMedia) {
    const [seg, v] = [r.segs.get(msn), sm.video];
    if (!seg || !v) continue;
    if (v.minDuration <= 0) add('durations', `${seg.uri}: a video sample of duration ${v.minDuration}`, seg.uri);
    if (Math.abs(seg.extinf - secs(v, v.duration)) > frameOf(r) + 0.001)
      add('extinfMedia', `msn ${msn}: EXTINF ${seg.extinfText}, video samples last ${secs(v, v.duration).toFixed(5)} s`, msn);
    if (seg.independentClaimed && !v.firstSync) add('independentSegments', `${seg.uri} starts with a non-sync sample (depends_on=${v.dependsOn})`, msn);
    for (const kind of ['video', 'audio']) {
      const t = sm[kind];
      for (let i = 1; i < (t?.fragments.length ?? 0); ++i) gap(add, kind, `${seg.uri} fragment ${i - 1} -> ${i}`, t.fragments[i - 1], t.fragments[i], t.timescale, `${msn}.${i}`);
    }
    for (const { info, pm: { video: pv } } of partsOf.get(msn) ?? []) {
      const [start, end] = [secs(pv) - secs(v), secs(pv) - secs(v) + secs(pv, pv.duration)];
      if ((info.idx === 0 && Math.abs(start) > 1e-6) || start < -1e-6 || end > secs(v, v.duration) + 1e-6)
        add('partInSegment', `${info.uri} spans ${start.toFixed(3)}..${end.toFixed(3)} s of ${seg.uri} (0..${secs(v, v.duration).toFixed(3)})`, info.uri);
    }
    const prev = r.segMedia.get(msn - 1);
    if (prev && !seg.discontinuity) continuity(add, `msn ${msn - 1} -> ${msn}`, prev, sm, `seg${msn}`);
  }
}

// The variant's attributes against the media (6.2.4, 4.4.6.2).
function checkVariantMedia(r, add) {
  const a = r.variant.attrs;
  const init = [...r.initMedia.values()][0];
  const listed = (a.CODECS ?? '').split(',').map((c) => c.trim().split('.')[0]);
  for (const t of init?.tracks ?? []) if (a.CODECS && t.codec && !listed.includes(t.codec)) add('codecs', `CODECS="${a.CODECS}" lacks ${t.codec} (track ${t.trackId})`, t.codec);
  const v = init?.tracks.find((t) => t.handler === 'vide');
  if (v && a.RESOLUTION && a.RESOLUTION !== `${v.width}x${v.height}`)
    add('resolution', `RESOLUTION=${a.RESOLUTION}, init video ${v.width}x${v.height}`, a.RESOLUTION);
  if (r.fps && a['FRAME-RATE'] && Math.abs(a['FRAME-RATE'] - r.fps) > 0.05 * r.fps)
    add('frameRate', `FRAME-RATE=${a['FRAME-RATE']}, measured ${r.fps.toFixed(3)}`, a['FRAME-RATE']);
  for (const [msn, sm] of r.segMedia) {
    const bps = sm.bytes * 8 / (r.segs.get(msn)?.extinf || Infinity);
    if (r.maxBandwidth && bps > 1.1 * r.maxBandwidth) add('bandwidth', `msn ${msn}: ${Math.round(bps)} b/s > BANDWIDTH ${r.maxBandwidth}`, msn);
  }
}

// 6.2.4 and our ladder's promises: every rendition compared msn by msn with the first one.
function checkAcrossRenditions([ref, ...others], f) {
  for (const r of others) {
    const add = (key, detail, about) => f.add(key, `${ref.name}/${r.name}`, detail, about);
    const frame = frameOf(ref) + 1e-6;
    for (const [msn, a] of ref.segs) {
      const b = r.segs.get(msn);
      if (!b) continue;
      const final = msn === ref.stats.endedAtMsn || msn === r.stats.endedAtMsn; // may be shorter
      if (!final && Math.abs(a.extinf - b.extinf) > frame) add('sameExtinf', `msn ${msn}: EXTINF ${a.extinfText} vs ${b.extinfText}`, msn);
      if (a.dsn !== b.dsn) add('sameDsn', `msn ${msn}: discontinuity sequence ${a.dsn} vs ${b.dsn}`, msn);
      const [va, vb] = [ref.segMedia.get(msn)?.video, r.segMedia.get(msn)?.video];
      const dt = va && vb ? secs(va) - secs(vb) : 0;
      if (Math.abs(dt) > frame) add('sameTfdt', `msn ${msn}: video tfdt ${secs(va).toFixed(4)} vs ${secs(vb).toFixed(4)} s`, msn);
      if (va && vb && (a.firstIndependent || b.firstIndependent) && !(va.firstSync && vb.firstSync))
        add('sameSync', `msn ${msn}: first sample sync ${va.firstSync} (${ref.name}) vs ${vb.firstSync} (${r.name})`, msn);
      const skew = a.pdt - b.pdt - dt * 1000;
      if (Math.abs(skew) > 1.5) add('samePdt', `msn ${msn}: ${a.pdtText} vs ${b.pdtText}, ${skew.toFixed(0)} ms apart for the same media time`, msn);
    }
  }
}

// ---- HTTP ----
async function get(url, timeoutMs = 10000) {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type') ?? '', body, ms: performance.now() - t0 };
  } catch (e) {
    return { status: 0, type: '', body: Buffer.alloc(0), error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message, ms: performance.now() - t0 };
  }
}

function withQuery(url, params) {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

// ---- The follower ----
function newRendition(variant, masterUrl) {
  const url = new URL(variant.uri, masterUrl).href;
  return {
    name: variant.uri.replace(/\/?index\.m3u8.*$/, '') || variant.uri, url, abs: (u) => new URL(u, url).href, variant, maxBandwidth: Number(variant.attrs.BANDWIDTH) || 0,
    segs: new Map(), parts: new Map(), partLists: new Map(), firstPart: new Map(), summed: new Set(), hints: [], reports: [], requested: new Set(),
    inits: new Map(), initMedia: new Map(), partMedia: new Map(), segMedia: new Map(), hintStatus: new Map(),
    stats: { bframes: false, playlists: 0, plain: 0, blocking: 0, parts: 0, segments: 0, inits: 0, removedFetched: 0, hintsFetched: 0, blockingMaxMs: 0, targetDurations: new Set() },
  };
}

function makeContext(f) {
  const ctx = { f, renditions: [], pending: new Set() };
  const track = (p) => { ctx.pending.add(p); p.finally(() => ctx.pending.delete(p)); return p; };
  const addFor = (r) => (key, detail, about) => f.add(key, r.name, detail, about);
  const ok = (r, kind, url, res) => {
    if (res.status !== 200) { addFor(r)('available', `${kind} ${url}: ${res.status || res.error}`, url); return false; }
    if (!/^video\/mp4\b/i.test(res.type)) addFor(r)('mediaType', `${kind} ${url}: Content-Type ${JSON.stringify(res.type)}`, res.type);
    return true;
  };
  // The init segment of an EXT-X-MAP, fetched and parsed once.
  ctx.initFor = (r, url) => {
    if (!r.inits.has(url)) {
      r.inits.set(url, track(get(url).then((res) => {
        if (!ok(r, 'init', url, res)) return null;
        r.stats.inits += 1;
        try { r.initMedia.set(url, parseInit(res.body)); } catch (e) { addFor(r)('mediaParse', `init ${url}: ${e.message}`, url); }
        return r.initMedia.get(url) ?? null;
      })));
    }
    return r.inits.get(url);
  };
  // A part or segment: 200, video/mp4, parsed with its init segment. The server holds a hinted
  // part until it is complete; a hint it does not produce may be 404 (6.2.6).
  ctx.fetchMedia = (r, url, kind, { map, msn, hinted } = {}) => {
    if (r.requested.has(url)) return;
    r.requested.add(url);
    track((async () => {
      const res = await get(url, hinted ? 3000 * (r.prev?.td || 6) + 3000 : 15000);
      if (hinted) {
        r.stats.hintsFetched += 1;
        r.hintStatus.set(url, res.status);
        if (res.status !== 200) return r.requested.delete(url);
      }
      if (!ok(r, kind, url, res)) return;
      try {
        const sm = summarize(parseFragments(res.body, map ? await ctx.initFor(r, r.abs(map)) : null));
        if (!sm.video) addFor(r)('mediaParse', `${kind} ${url}: no video track`, url);
        sm.bytes = res.body.length;
        r.stats.bframes ||= Boolean(sm.video?.reordered);
        if (kind === 'segment') { r.stats.segments += 1; r.segMedia.set(msn, sm); } else { r.stats.parts += 1; r.partMedia.set(url, sm); }
      } catch (e) {
        addFor(r)('mediaParse', `${kind} ${url}: ${e.message}`, url);
      }
    })());
  };
  // 6.2.2: what was just removed from the playlist is fetched once, and must still be there.
  ctx.fetchRemoved = (r, uri, key) => {
    const url = r.abs(uri);
    if (r.requested.has(`removed ${url}`)) return;
    r.requested.add(`removed ${url}`);
    track(get(url).then((res) => { r.stats.removedFetched += 1; if (res.status !== 200) addFor(r)(key, `${url} removed from the playlist, then ${res.status || res.error}`, url); }));
  };
  ctx.addFor = addFor;
  return ctx;
}

// One playlist response of one rendition: checked alone, against the last one and the others.
function onPlaylist(ctx, r, res, requestedAt) {
  const add = ctx.addFor(r);
  r.stats.playlists += 1;
  const lines = checkText(res.body, res.type, add);
  if (!lines) return null;
  const m = parseMedia(lines, add);
  checkMediaPlaylist(m, add);
  if (r.prev) checkReload(ctx, r, r.prev, m, add);
  rememberListing(r, m, add);
  checkHints(r, m, add);
  checkReports(ctx, r, m, add, requestedAt);
  r.stats.targetDurations.add(m.td);
  if (m.ended) r.stats.endedAtMsn = m.segments.at(-1)?.msn;
  for (const o of ctx.renditions.filter((x) => x !== r && x.prev)) {
    const pair = [r.name, o.name].sort().join('/');
    if (o.prev.td !== m.td) ctx.f.add('sameTd', pair, `${r.name} TARGETDURATION ${m.td}, ${o.name} ${o.prev.td}`, [m.td, o.prev.td].sort().join());
    if (o.prev.serverControlText !== m.serverControlText)
      ctx.f.add('sameServerControl', pair, `${r.name} ${m.serverControlText} vs ${o.name} ${o.prev.serverControlText}`, [m.serverControlText, o.prev.serverControlText].sort().join());
  }
  // 6.2.1 timing: a new part within PART-TARGET, a new segment within 1.5 target durations.
  const [pos, now] = [lastPosition(m), performance.now()];
  if (pos && r.lastAdvance && after(pos, r.lastAdvance.pos) && m.partTarget > 0 && now - r.lastAdvance.at > 1500 * m.partTarget + 100) {
    add('partTiming', `no new part for ${(now - r.lastAdvance.at).toFixed(0)} ms before ${pos.msn}.${pos.part} (PART-TARGET ${m.partTarget})`, `${pos.msn}.${pos.part}`);
  }
  if (pos && (!r.lastAdvance || after(pos, r.lastAdvance.pos))) r.lastAdvance = { pos, at: now };
  const lastComplete = m.segments.at(-1)?.msn;
  if (r.prev && lastComplete > (r.prev.segments.at(-1)?.msn ?? -1)) {
    if (r.lastSegmentAt && now - r.lastSegmentAt > 1500 * m.td + 250)
      add('segTiming', `msn ${lastComplete} came ${(now - r.lastSegmentAt).toFixed(0)} ms after the one before (TARGETDURATION ${m.td})`, lastComplete);
    r.lastSegmentAt = now;
  }
  // Fetch everything new, the hinted part first.
  for (const h of r.hints) ctx.fetchMedia(r, h.uri, 'part', { map: allSegments(m).at(-1)?.map, hinted: true });
  for (const s of allSegments(m)) {
    if (s.map) ctx.initFor(r, r.abs(s.map));
    for (const p of s.parts) {
      const hinted = r.hintStatus.get(r.abs(p.uri));
      if (hinted !== undefined && hinted !== 200) add('hintAvailable', `hinted ${p.uri} answered ${hinted || 'nothing'}, then was listed`, p.uri);
      r.hintStatus.delete(r.abs(p.uri));
      ctx.fetchMedia(r, r.abs(p.uri), 'part', { map: s.map });
    }
    if (s.complete) ctx.fetchMedia(r, r.abs(s.uri), 'segment', { map: s.map, msn: s.msn });
  }
  r.prev = m;
  return m;
}

// 6.2.5.2: the next part, asked for as an LL-HLS player does, and what the answer must hold
// (a part index past the segment's last means part 0 of the next).
function nextPart(m) {
  if (m.partial) return { msn: m.partial.msn, part: m.partial.parts.length };
  return m.segments.length ? { msn: m.segments.at(-1).msn + 1, part: 0 } : null;
}
const satisfies = (m, want) => m.ended || allSegments(m).some((s) => (s.msn === want.msn && s.parts.length > want.part) || (s.msn > want.msn && (s.complete || s.parts.length)));

async function probeDirectives(ctx, r, m) {
  const add = ctx.addFor(r);
  const noMsn = await get(withQuery(r.url, { _HLS_part: '0' }), 3000 * m.td + 2000);
  if (noMsn.status !== 400) add('partWithoutMsn', `?_HLS_part=0 answered ${noMsn.status || noMsn.error}`, 'p');
  const last = allSegments(m).at(-1)?.msn ?? 0;
  const far = await get(withQuery(r.url, { _HLS_msn: String(last + 3) }), 2000);
  if (far.status === 400 && far.ms < 1000) return;
  // Inconclusive if a segment began meanwhile, or the playlist is gone (the loop reports that).
  const again = await get(r.url);
  if (again.status !== 200) return;
  if (allSegments(parseMedia(new TextDecoder().decode(again.body).split(/\r?\n/), () => {})).at(-1)?.msn === last)
    add('tooFarAhead', `_HLS_msn=${last + 3} with msn ${last} last: ${far.status || far.error} after ${far.ms.toFixed(0)} ms`, 'far');
}

async function followRendition(ctx, r, deadline, { plainEveryMs, probeEveryMs }) {
  const add = ctx.addFor(r);
  let [m, lastPlain, lastProbe] = [null, 0, performance.now()];
  while (Date.now() < deadline && !m?.ended) {
    const want = m && nextPart(m);
    const plain = !want || performance.now() - lastPlain > plainEveryMs;
    const limit = 3000 * (m?.td || 6);
    const requestedAt = performance.now();
    const res = await get(plain ? r.url : withQuery(r.url, { _HLS_msn: String(want.msn), _HLS_part: String(want.part) }), limit + 3000);
    if (plain) [lastPlain, r.stats.plain] = [performance.now(), r.stats.plain + 1];
    else [r.stats.blocking, r.stats.blockingMaxMs] = [r.stats.blocking + 1, Math.max(r.stats.blockingMaxMs, res.ms)];
    const got = res.status === 200 ? onPlaylist(ctx, r, res, requestedAt) : null;
    if (!plain && res.status === 503 && res.ms < limit - 150)
      add('blocking503', `${want.msn}.${want.part}: 503 after ${res.ms.toFixed(0)} ms (3 x TARGETDURATION = ${limit} ms)`, `${want.msn}.${want.part}`);
    else if (res.status !== 200 && (plain || res.status !== 503))
      add('available', `${plain ? 'playlist' : `blocking ${want.msn}.${want.part}`}: ${res.status || res.error}`, `${plain}${res.status}`);
    if (got && !plain && !satisfies(got, want))
      add('blockingPart', `asked for ${want.msn}.${want.part}, got a playlist ending at ${JSON.stringify(lastPosition(got))}`, `${want.msn}.${want.part}`);
    if (!got || !nextPart(got)) { await sleep(200); continue; }
    m = got;
    if (performance.now() - lastProbe > probeEveryMs) { lastProbe = performance.now(); await probeDirectives(ctx, r, m); }
  }
}

async function loadMultivariant(ctx, masterUrl) {
  const res = await get(masterUrl);
  const add = (key, detail, about) => ctx.f.add(key, 'multivariant', detail, about);
  const lines = res.status === 200 ? checkText(res.body, res.type, add) : null;
  return lines && checkMultivariant(lines, add);
}

// Follows a live stream for `seconds` (and at least until the epoch ms `until`) from when its
// multivariant playlist lists `minRenditions` variants. Returns {violations, should, stats}.
export async function followLive(masterUrl, { seconds = 30, until = 0, minRenditions = 1, waitMs = 30000, plainEveryMs = 1000, probeEveryMs = 10000, masterEveryMs = 2000 } = {}) {
  const f = new Findings();
  const ctx = makeContext(f);
  const waitUntil = Date.now() + waitMs;
  let mv;
  while (!(mv = await loadMultivariant(ctx, masterUrl)) || mv.variants.length < minRenditions) {
    if (Date.now() > waitUntil) throw new Error(`${masterUrl}: ${mv?.variants.length ?? 0} variant(s) after ${waitMs} ms, wanted ${minRenditions}`);
    await sleep(250);
  }
  ctx.renditions.push(...mv.variants.map((v) => Object.assign(newRendition(v, masterUrl), { independentClaimed: mv.independentSegments })));
  const deadline = Math.max(Date.now() + seconds * 1000, until);
  let masters = 1;
  const masterLoop = async () => {
    while (Date.now() < deadline - masterEveryMs) {
      await sleep(masterEveryMs);
      const again = await loadMultivariant(ctx, masterUrl);
      if (!again) { f.add('available', 'multivariant', `${masterUrl} not 200`, 'mv'); continue; }
      masters += 1;
      for (const r of ctx.renditions) {
        const v = again.variants.find((x) => x.uri === r.variant.uri);
        r.independentClaimed = again.independentSegments;
        if (v) [r.variant, r.maxBandwidth] = [v, Math.max(r.maxBandwidth, Number(v.attrs.BANDWIDTH) || 0)];
      }
    }
  };
  await Promise.all([masterLoop(), ...ctx.renditions.map((r) => followRendition(ctx, r, deadline, { plainEveryMs, probeEveryMs }))]);
  while (ctx.pending.size) await Promise.allSettled([...ctx.pending]);
  for (const r of ctx.renditions) {
    checkRenditionMedia(r, ctx.addFor(r));
    checkVariantMedia(r, ctx.addFor(r));
  }
  checkAcrossRenditions(ctx.renditions, f);
  const stats = { multivariantFetched: masters, renditions: {} };
  for (const r of ctx.renditions) {
    const msns = [...r.segs.keys()];
    // The parts 4.4.4.9 holds to [85%, 100%] of PART-TARGET (neither INDEPENDENT nor a segment's last).
    const inner = [...r.segs.values()].flatMap((s) => s.parts.filter((p, k) => k < s.parts.length - 1 && !p.independent).map((p) => p.duration));
    stats.renditions[r.name] = {
      ...r.stats, targetDurations: [...r.stats.targetDurations], fps: r.fps && Number(r.fps.toFixed(3)), msn: msns.length ? [Math.min(...msns), Math.max(...msns)] : [],
      partTarget: r.prev?.partTarget, innerParts: inner.length ? [Math.min(...inner), Math.max(...inner)] : [],
    };
  }
  return { violations: f.list(M), should: f.list(S), stats };
}

// A summary of runs [{label, result}]: one row per rendition, then every rule with its count of
// violations and samples, so the output names each rule checked.
export function formatResults(runs) {
  const widths = [16, 10, 22, 6, 9, 4, 7, 6, 12, 8, 5, 6];
  const row = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' ');
  const out = [row(['stream', 'rendition', 'playlists (plain/blk)', 'parts', 'segments', 'TD', 'fps', 'PT', 'parts min-max', 'bframes', 'must', 'should'])];
  const byRule = new Map();
  for (const { label, result } of runs) {
    for (const [name, s] of Object.entries(result.stats.renditions)) {
      const mine = (list) => list.filter((v) => v.rendition.split('/').includes(name)).length;
      out.push(row([label, name, `${s.playlists} (${s.plain}/${s.blocking})`, s.parts, s.segments, s.targetDurations.join(','), s.fps ?? '-', s.partTarget ?? '-', s.innerParts.join('-') || '-', s.bframes, mine(result.violations), mine(result.should)]));
    }
    for (const v of [...result.violations, ...result.should]) {
      const e = byRule.get(v.rule) ?? byRule.set(v.rule, { n: 0, samples: [] }).get(v.rule);
      e.n += 1;
      if (e.samples.length < 3) e.samples.push(`${label}/${v.rendition}: ${v.detail}${v.count > 1 ? ` (seen ${v.count}x)` : ''}`);
    }
  }
  out.push('', 'rules (violations over all streams; SHOULD and timing ones do not fail):');
  for (const [rule, level] of Object.values(RULES)) {
    out.push(`  ${level === M ? 'MUST  ' : 'SHOULD'} ${String(byRule.get(rule)?.n ?? 0).padStart(3)}  ${rule}`);
    for (const s of byRule.get(rule)?.samples ?? []) out.push(`                ${s}`);
  }
  return out.join('\n');
}

