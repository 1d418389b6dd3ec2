#include "rtc/rtcp_feedback.h"

#include <algorithm>

#include "rtc/rtp_packet.h"

namespace stagecast::rtc {
namespace {

// Writes the common header; the length (in 32-bit words minus one) is patched by finish().
void header(ByteWriter& w, uint8_t count_or_fmt, uint8_t packet_type) {
  w.u8(static_cast<uint8_t>(0x80 | (count_or_fmt & 0x1F)));
  w.u8(packet_type);
  w.u16be(0);
}

Bytes finish(Bytes out) {
  const size_t words = out.size() / 4 - 1;
  out[2] = static_cast<uint8_t>(words >> 8);
  out[3] = static_cast<uint8_t>(words);
  return out;
}

}  // namespace

Bytes build_receiver_report(uint32_t sender_ssrc, std::span<const RtcpReportBlock> blocks) {
  Bytes out;
  ByteWriter w(out);
  const size_t n = std::min<size_t>(blocks.size(), 31);
  header(w, static_cast<uint8_t>(n), rtcp_type::kReceiverReport);
  w.u32be(sender_ssrc);
  for (size_t i = 0; i < n; ++i) {
    const auto& b = blocks[i];
    w.u32be(b.ssrc);
    w.u8(b.fraction_lost);
    const int32_t lost = std::clamp(b.cumulative_lost, -0x800000, 0x7FFFFF);
    w.u24be(static_cast<uint32_t>(lost) & 0x00FFFFFF);
    w.u32be(b.highest_sequence);
    w.u32be(b.jitter);
    w.u32be(b.last_sr);
    w.u32be(b.delay_since_last_sr);
  }
  return finish(std::move(out));
}

Bytes build_sender_report(const RtcpSenderReport& report) {
  Bytes out;
  ByteWriter w(out);
  header(w, 0, rtcp_type::kSenderReport);
  w.u32be(report.ssrc);
  w.u32be(static_cast<uint32_t>(report.ntp_timestamp >> 32));
  w.u32be(static_cast<uint32_t>(report.ntp_timestamp));
  w.u32be(report.rtp_timestamp);
  w.u32be(report.packet_count);
  w.u32be(report.octet_count);
  return finish(std::move(out));
}

Bytes build_pli(uint32_t sender_ssrc, uint32_t media_ssrc) {
  Bytes out;
  ByteWriter w(out);
  header(w, 1, rtcp_type::kPayloadFeedback);
  w.u32be(sender_ssrc);
  w.u32be(media_ssrc);
  return finish(std::move(out));
}

std::vector<NackItem> pack_nack_items(std::span<const uint16_t> lost) {
  std::vector<NackItem> items;
  if (lost.empty()) return items;
  // Order along the sequence space starting at the first number given, so a list that crosses
  // the wrap (65534, 65535, 0, 1) stays one run.
  std::vector<int64_t> ext;
  ext.reserve(lost.size());
  int64_t last = lost.front();
  for (uint16_t s : lost) {
    last = unwrap_sequence(last, s);
    ext.push_back(last);
  }
  std::sort(ext.begin(), ext.end());
  ext.erase(std::unique(ext.begin(), ext.end()), ext.end());
  for (int64_t s : ext) {
    if (!items.empty()) {
      const int64_t pid = unwrap_sequence(s, items.back().pid);
      const int64_t d = s - pid;
      if (d >= 1 && d <= 16) {
        items.back().blp = static_cast<uint16_t>(items.back().blp | (1u << (d - 1)));
        continue;
      }
    }
    items.push_back({static_cast<uint16_t>(s), 0});
  }
  return items;
}

Bytes build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, std::span<const uint16_t> lost) {
  auto items = pack_nack_items(lost);
  if (items.empty()) return {};
  Bytes out;
  ByteWriter w(out);
  header(w, 1, rtcp_type::kRtpFeedback);
  w.u32be(sender_ssrc);
  w.u32be(media_ssrc);
  for (const auto& item : items) {
    w.u16be(item.pid);
    w.u16be(item.blp);
  }
  return finish(std::move(out));
}

std::vector<uint16_t> parse_nack_fci(ByteSpan fci) {
  std::vector<uint16_t> out;
  ByteReader r(fci);
  while (r.remaining() >= 4) {
    const uint16_t pid = *r.u16be();
    const uint16_t blp = *r.u16be();
    out.push_back(pid);
    for (int i = 0; i < 16; ++i) {
      if (blp & (1u << i)) out.push_back(static_cast<uint16_t>(pid + i + 1));
    }
  }
  return out;
}

Bytes build_remb(uint32_t sender_ssrc, uint64_t bitrate_bps, std::span<const uint32_t> ssrcs) {
  Bytes out;
  ByteWriter w(out);
  header(w, 15, rtcp_type::kPayloadFeedback);
  w.u32be(sender_ssrc);
  w.u32be(0);  // media source SSRC: unused, always 0
  w.str("REMB");
  uint8_t exponent = 0;
  uint64_t mantissa = bitrate_bps;
  while (mantissa > 0x3FFFF && exponent < 63) {
    mantissa >>= 1;
    ++exponent;
  }
  const size_t n = std::min<size_t>(ssrcs.size(), 255);
  w.u8(static_cast<uint8_t>(n));
  w.u24be(static_cast<uint32_t>((uint32_t{exponent} << 18) | (mantissa & 0x3FFFF)));
  for (size_t i = 0; i < n; ++i) w.u32be(ssrcs[i]);
  return finish(std::move(out));
}

std::optional<Remb> parse_remb_fci(ByteSpan fci) {
  ByteReader r(fci);
  if (fci.size() < 8 || fci[0] != 'R' || fci[1] != 'E' || fci[2] != 'M' || fci[3] != 'B') {
    return std::nullopt;
  }
  r.skip(4);
  const uint8_t n = *r.u8();
  const uint32_t bits = *r.u24be();
  const unsigned exponent = bits >> 18;
  const uint64_t mantissa = bits & 0x3FFFF;
  if (r.remaining() < size_t{n} * 4) return std::nullopt;
  Remb out;
  // mantissa has 18 bits: past a shift of 46 the product no longer fits.
  out.bitrate_bps = exponent > 46 ? UINT64_MAX : mantissa << exponent;
  for (uint8_t i = 0; i < n; ++i) out.ssrcs.push_back(*r.u32be());
  return out;
}

}  // namespace stagecast::rtc
