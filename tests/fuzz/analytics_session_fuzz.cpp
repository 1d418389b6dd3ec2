// libFuzzer target: what analytics takes from an HLS request (docs/analytics.md): the `sid`
// query value and the User-Agent. Input: sid, a NUL, a user agent, a NUL, a rendition name.
// Checks that a session is tracked only for a valid id, that device_class always answers one of
// its six classes, and that the table's sweep gives back every session it took.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "platform/device_class.h"
#include "platform/hls_sessions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stagecast::platform;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto next = [&input] {
    const size_t nul = input.find('\0');
    std::string_view part = input.substr(0, nul);
    input = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
    return part;
  };
  const std::string_view sid = next();
  const std::string_view ua = next();
  const std::string_view rendition = next();

  static const std::set<std::string_view> kClasses = {"desktop", "mobile", "tablet",
                                                      "tv",      "bot",    "other"};
  if (!kClasses.contains(device_class(ua))) __builtin_trap();

  HlsSessionTable table(HlsSessionOptions{1'000, 8, 5'000});
  const bool tracked = table.touch("stream", sid, rendition, 10, [&] {
    return HlsSessionIdentity{"", std::string(device_class(ua))};
  });
  if (tracked != valid_session_id(sid)) __builtin_trap();
  (void)table.touch("stream", sid, rendition, 20, [] { return HlsSessionIdentity{}; });
  const HlsSweep sweep = table.sweep(5'000);
  if (sweep.started.size() != (tracked ? 1u : 0u) || sweep.ended.size() != sweep.started.size())
    __builtin_trap();
  if (tracked && sweep.ended[0].last_ms != 20) __builtin_trap();
  return 0;
}
