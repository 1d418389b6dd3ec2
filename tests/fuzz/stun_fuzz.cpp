// libFuzzer target: STUN parsing, the integrity and fingerprint checks, and the ICE-lite answer
// (RFC 5769 vectors as seeds).

#include <cstddef>
#include <cstdint>

#include "rtc/ice_binding.h"
#include "rtc/packet_demux.h"
#include "rtc/stun_message.h"

using namespace stagecast;
using namespace stagecast::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan input(data, size);
  (void)classify_packet(input);
  (void)looks_like_stun(input);
  auto m = StunMessage::parse(input);
  if (!m.ok()) return 0;
  (void)m->username();
  (void)m->priority();
  (void)m->ice_controlling();
  (void)m->error_code();
  (void)m->xor_mapped_address();
  (void)m->fingerprint_valid();
  (void)m->message_integrity_valid("VOkJxbRl1RmTxUk/WvJxBt");
  auto r = answer_binding_request(*m, {"evtj", "VOkJxbRl1RmTxUk/WvJxBt"},
                                  StunAddress::v4(192, 0, 2, 1, 32853));
  if (!r.response.empty() && !StunMessage::parse(r.response).ok()) __builtin_trap();
  return 0;
}
