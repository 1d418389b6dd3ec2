#include "rtc/rtcp_packet.h"

namespace stagecast::rtc {
namespace {

bool read_report_blocks(ByteReader& r, size_t count, std::vector<RtcpReportBlock>& out) {
  for (size_t i = 0; i < count; ++i) {
    auto ssrc = r.u32be();
    auto lost = r.u32be();
    auto highest = r.u32be();
    auto jitter = r.u32be();
    auto lsr = r.u32be();
    auto dlsr = r.u32be();
    if (!ssrc || !lost || !highest || !jitter || !lsr || !dlsr) return false;
    RtcpReportBlock b;
    b.ssrc = *ssrc;
    b.fraction_lost = static_cast<uint8_t>(*lost >> 24);
    const uint32_t cumulative = *lost & 0x00FFFFFF;
    b.cumulative_lost = (cumulative & 0x00800000) ? static_cast<int32_t>(cumulative | 0xFF000000u)
                                                  : static_cast<int32_t>(cumulative);
    b.highest_sequence = *highest;
    b.jitter = *jitter;
    b.last_sr = *lsr;
    b.delay_since_last_sr = *dlsr;
    out.push_back(b);
  }
  return true;
}

}  // namespace

Result<RtcpCompound> parse_rtcp_compound(ByteSpan bytes) {
  RtcpCompound out;
  ByteReader all(bytes);
  if (all.empty()) return make_error("rtcp_short", "empty RTCP packet");
  size_t packets = 0;
  while (!all.empty()) {
    auto b0 = all.u8();
    auto pt = all.u8();
    auto words = all.u16be();
    if (!b0 || !pt || !words) return make_error("rtcp_short", "truncated RTCP header");
    if ((*b0 >> 6) != 2) return make_error("rtcp_bad_version", "RTCP version is not 2");
    auto body_span = all.bytes(size_t{*words} * 4);
    if (!body_span) return make_error("rtcp_bad_length", "RTCP packet runs past the end");
    if (++packets > 64) return make_error("rtcp_bad_length", "too many packets in a compound");
    ByteSpan body = *body_span;
    if (*b0 & 0x20) {
      // 6.4.1: padding only on the last packet of a compound; its last byte counts it.
      if (!all.empty() || body.empty() || body.back() == 0 || body.back() > body.size()) {
        return make_error("rtcp_bad_padding", "bad RTCP padding");
      }
      body = body.first(body.size() - body.back());
    }
    const size_t count = *b0 & 0x1F;
    ByteReader r(body);
    switch (*pt) {
      case rtcp_type::kSenderReport: {
        RtcpSenderReport sr;
        auto ssrc = r.u32be();
        auto ntp = r.u64be();
        auto rtp = r.u32be();
        auto pc = r.u32be();
        auto oc = r.u32be();
        if (!ssrc || !ntp || !rtp || !pc || !oc || !read_report_blocks(r, count, sr.reports)) {
          return make_error("rtcp_bad_sr", "truncated sender report");
        }
        sr.ssrc = *ssrc;
        sr.ntp_timestamp = *ntp;
        sr.rtp_timestamp = *rtp;
        sr.packet_count = *pc;
        sr.octet_count = *oc;
        out.sender_reports.push_back(std::move(sr));
        break;
      }
      case rtcp_type::kReceiverReport: {
        RtcpReceiverReport rr;
        auto ssrc = r.u32be();
        if (!ssrc || !read_report_blocks(r, count, rr.reports)) {
          return make_error("rtcp_bad_rr", "truncated receiver report");
        }
        rr.ssrc = *ssrc;
        out.receiver_reports.push_back(std::move(rr));
        break;
      }
      case rtcp_type::kBye: {
        RtcpBye bye;
        for (size_t i = 0; i < count; ++i) {
          auto ssrc = r.u32be();
          if (!ssrc) return make_error("rtcp_bad_bye", "truncated BYE");
          bye.ssrcs.push_back(*ssrc);
        }
        if (auto len = r.u8()) {
          auto reason = r.bytes(*len);
          if (!reason) return make_error("rtcp_bad_bye", "BYE reason runs past the end");
          bye.reason = std::string(as_string_view(*reason));
        }
        out.byes.push_back(std::move(bye));
        break;
      }
      case rtcp_type::kRtpFeedback:
      case rtcp_type::kPayloadFeedback: {
        auto sender = r.u32be();
        auto media = r.u32be();
        if (!sender || !media) return make_error("rtcp_bad_feedback", "truncated feedback");
        ByteSpan fci = r.rest();
        out.feedback.push_back(
            {*pt, static_cast<uint8_t>(count), *sender, *media, Bytes(fci.begin(), fci.end())});
        break;
      }
      default:
        // SDES (6.5) carries CNAME, which the SDP's a=ssrc lines already gave; APP and XR are not
        // used by ingest.
        ++out.skipped;
        break;
    }
  }
  return out;
}

}  // namespace stagecast::rtc
