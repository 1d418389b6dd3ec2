#include "rtc/rtp_packet.h"

namespace stagecast::rtc {
namespace {

constexpr uint16_t kOneByteProfile = 0xBEDE;
constexpr uint16_t kTwoByteProfileMask = 0xFFF0;
constexpr uint16_t kTwoByteProfile = 0x1000;

// RFC 8285 4.2 (one-byte) and 4.3 (two-byte) elements.
Result<void> parse_elements(ByteSpan data, bool two_byte, std::vector<RtpHeaderExtension>& out) {
  ByteReader r(data);
  while (!r.empty()) {
    auto first = r.u8();
    if (*first == 0) continue;  // padding between elements
    uint8_t id = 0;
    size_t length = 0;
    if (two_byte) {
      auto len = r.u8();
      if (!len) return make_error("rtp_bad_extension", "truncated two-byte element");
      id = *first;
      length = *len;
    } else {
      id = static_cast<uint8_t>(*first >> 4);
      if (id == 15) break;  // 4.2: stop parsing the rest of the block
      length = static_cast<size_t>(*first & 0x0F) + 1;
    }
    auto value = r.bytes(length);
    if (!value) return make_error("rtp_bad_extension", "element runs past the extension");
    if (out.size() >= 32) return make_error("rtp_bad_extension", "too many elements");
    out.push_back({id, *value});
  }
  return ok_result();
}

}  // namespace

const RtpHeaderExtension* RtpPacket::extension(uint8_t id) const {
  for (const auto& e : extensions) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

Result<RtpPacket> parse_rtp_packet(ByteSpan bytes) {
  ByteReader r(bytes);
  auto b0 = r.u8();
  auto b1 = r.u8();
  auto seq = r.u16be();
  auto ts = r.u32be();
  auto ssrc = r.u32be();
  if (!b0 || !b1 || !seq || !ts || !ssrc) return make_error("rtp_short", "shorter than a header");
  if ((*b0 >> 6) != 2) return make_error("rtp_bad_version", "RTP version is not 2");
  RtpPacket p;
  p.marker = (*b1 & 0x80) != 0;
  p.payload_type = *b1 & 0x7F;
  p.sequence = *seq;
  p.timestamp = *ts;
  p.ssrc = *ssrc;
  const size_t csrc_count = *b0 & 0x0F;
  for (size_t i = 0; i < csrc_count; ++i) {
    auto c = r.u32be();
    if (!c) return make_error("rtp_short", "CSRC list runs past the end");
    p.csrcs.push_back(*c);
  }
  if (*b0 & 0x10) {
    auto profile = r.u16be();
    auto words = r.u16be();
    if (!profile || !words) return make_error("rtp_short", "truncated extension header");
    auto data = r.bytes(size_t{*words} * 4);
    if (!data) return make_error("rtp_short", "extension runs past the end");
    p.extension_profile = *profile;
    if (*profile == kOneByteProfile || (*profile & kTwoByteProfileMask) == kTwoByteProfile) {
      auto parsed = parse_elements(*data, *profile != kOneByteProfile, p.extensions);
      if (!parsed) return parsed.error();
    }
  }
  ByteSpan payload = r.rest();
  if (*b0 & 0x20) {
    if (payload.empty()) return make_error("rtp_bad_padding", "padding bit without padding");
    const uint8_t count = payload.back();
    if (count == 0 || count > payload.size()) {
      return make_error("rtp_bad_padding", "padding count out of range");
    }
    p.padding = count;
    payload = payload.first(payload.size() - count);
  }
  p.payload = payload;
  return p;
}

int64_t unwrap_sequence(int64_t last_extended, uint16_t sequence) {
  const auto delta =
      static_cast<int16_t>(static_cast<uint16_t>(sequence - static_cast<uint16_t>(last_extended)));
  return last_extended + delta;
}

int64_t unwrap_timestamp(int64_t last_extended, uint32_t timestamp) {
  const auto delta = static_cast<int32_t>(timestamp - static_cast<uint32_t>(last_extended));
  return last_extended + delta;
}

Bytes write_rtp_packet(const RtpHeaderFields& header, ByteSpan payload, size_t tail_room) {
  Bytes out;
  out.reserve(kRtpFixedHeaderSize + payload.size() + tail_room);
  ByteWriter w(out);
  w.u8(0x80);
  w.u8(static_cast<uint8_t>((header.marker ? 0x80 : 0) | (header.payload_type & 0x7F)));
  w.u16be(header.sequence);
  w.u32be(header.timestamp);
  w.u32be(header.ssrc);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace stagecast::rtc
