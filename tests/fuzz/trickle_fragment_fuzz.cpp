// libFuzzer target: the body of a WHIP PATCH (application/trickle-ice-sdpfrag, RFC 8840 9.2).
// Seeds: RFC 9725's trickle and restart examples.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtc/trickle_fragment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = stagecast::rtc::parse_trickle_fragment(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (f.ok() && f->ice_restart() && (f->ice_ufrag.size() < 4 || f->ice_pwd.size() < 22)) {
    __builtin_trap();
  }
  return 0;
}
