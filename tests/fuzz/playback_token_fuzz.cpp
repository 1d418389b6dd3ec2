// libFuzzer target: PlaybackTokenSigner::verify over arbitrary tokens from /hls query strings.
// Also checks that what the signer issues for fuzzer-chosen viewer ids always verifies.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "platform/playback_token.h"

namespace {

const stagecast::platform::PlaybackTokenSigner& signer() {
  using namespace stagecast::platform;
  static const stagecast::ManualClock clock;
  static const PlaybackTokenSigner s = [] {
    auto created = PlaybackTokenSigner::create(
        {"fuzz-playback-secret-fuzz-playback-secret", std::chrono::minutes(5)}, clock);
    if (!created) __builtin_trap();
    return std::move(created).value();
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)signer().verify(input, "stream-1");

  // Round trip: any viewer id without a newline and within the length limit must verify.
  const std::string viewer(input.substr(0, 128));
  if (!viewer.empty() && viewer.find('\n') == std::string::npos) {
    const auto grant = signer().issue("stream-1", viewer);
    auto back = signer().verify(grant.token, "stream-1");
    if (!back.ok() || back->viewer_id != viewer) __builtin_trap();
    if (signer().verify(grant.token, "stream-2").ok()) __builtin_trap();
  }
  return 0;
}
