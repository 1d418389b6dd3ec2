// Fuzz target: bytes from an HTTP/2 client into Http2Session (the preface is prepended unless the
// input starts with "PRI", so the fuzzer spends its time on frames). Input is fed in slices whose
// sizes come from the first byte, every complete request is answered (alternately with an owned
// body, a shared body, shared pieces, a HEAD-style answer and not at all), output is drained
// between slices. Nothing may crash; the output never exceeds its limit by more than a frame.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/http2_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stagecast::net;
  if (size == 0) return 0;
  const size_t slice = 1 + data[0] % 64;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!input.starts_with("PRI")) input.insert(0, kHttp2Preface);

  Http2Options options;
  options.max_concurrent_streams = 8;
  options.body_limit = 4096;
  options.connection_body_limit = 8192;
  options.header_list_limit = 2048;
  options.output_limit = 4096;
  options.reset_burst = 20;
  auto now = std::chrono::steady_clock::time_point{};
  Http2Session session(options, "fuzz", [&now] { return now; });

  auto shared = std::make_shared<const std::vector<uint8_t>>(20000, 0x5a);
  unsigned answered = 0;
  for (size_t at = 0; at < input.size(); at += slice) {
    now += std::chrono::milliseconds(3);
    const size_t n = std::min(slice, input.size() - at);
    const bool ok = session.receive(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(input.data() + at), n));
    for (auto& in : session.take_requests()) {
      Response r;
      switch (answered++ % 5) {
        case 0:
          r = Response::text(200, in.request.path + in.request.body);
          break;
        case 1:
          r.shared_body = shared;
          break;
        case 2:
          r.shared_pieces = {shared, shared};
          break;
        case 3:
          r.status = 204;
          break;
        default:
          continue;  // left unanswered
      }
      session.respond(in.stream_id, std::move(r), in.request.method == "HEAD");
    }
    size_t out = 0;
    for (const auto& chunk : session.take_output()) out += chunk.bytes().size();
    if (out > options.output_limit + 16384 + 9 + 1024) std::abort();
    if (!ok || session.finished()) break;
  }
  return 0;
}
