// libFuzzer target: RTP header and RTCP compound parsing, and the feedback builders on what was
// parsed (the first byte picks RTP or RTCP).

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "rtc/rtcp_feedback.h"
#include "rtc/rtcp_packet.h"
#include "rtc/rtp_packet.h"

using namespace stagecast;
using namespace stagecast::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan input(data, size);
  if (auto p = parse_rtp_packet(input); p.ok()) {
    for (const auto& e : p->extensions) (void)p->extension(e.id);
    const uint16_t lost[] = {p->sequence, static_cast<uint16_t>(p->sequence + 3)};
    (void)build_nack(1, p->ssrc, lost);
  }
  if (auto c = parse_rtcp_compound(input); c.ok()) {
    for (const auto& sr : c->sender_reports) (void)build_receiver_report(1, sr.reports);
    for (const auto& fb : c->feedback) {
      auto seqs = parse_nack_fci(fb.fci);
      Bytes nack = build_nack(1, fb.media_ssrc, seqs);
      if (!nack.empty() && !parse_rtcp_compound(nack).ok()) __builtin_trap();
      // A REMB read and written again says the same (up to the 18-bit mantissa's rounding).
      if (auto remb = parse_remb_fci(fb.fci); remb && remb->bitrate_bps < (uint64_t{1} << 62)) {
        Bytes again = build_remb(1, remb->bitrate_bps, remb->ssrcs);
        auto back = parse_rtcp_compound(again);
        if (!back.ok() || back->feedback.size() != 1) __builtin_trap();
        auto round = parse_remb_fci(back->feedback[0].fci);
        if (!round || round->ssrcs.size() != std::min<size_t>(remb->ssrcs.size(), 255)) __builtin_trap();
      }
    }
  }
  // The FCI alone, as any bytes.
  if (auto remb = parse_remb_fci(input)) (void)remb->ssrcs.size();
  return 0;
}
