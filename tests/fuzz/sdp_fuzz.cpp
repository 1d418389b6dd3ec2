// libFuzzer target: SDP parsing, offer negotiation and the answer (seed: a Chromium offer). An
// answer we build must always parse again.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtc/sdp_answer.h"
#include "rtc/sdp_description.h"

using namespace stagecast::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sdp = parse_sdp(text);
  if (!sdp.ok()) return 0;
  for (const auto& m : sdp->media) {
    for (const auto& [pt, fmtp] : m.fmtps) (void)parse_fmtp_parameters(fmtp);
  }
  auto negotiated = negotiate_offer(*sdp);
  if (!negotiated.ok()) return 0;
  LocalTransport local{"ufrg", "0123456789abcdefghijklmn", "AA:BB", {{"192.0.2.1", 9000}},
                       {{"192.0.2.1", 9000}}, 1};
  if (!parse_sdp(build_answer(*sdp, *negotiated, local)).ok()) __builtin_trap();
  return 0;
}
