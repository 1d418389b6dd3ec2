// libFuzzer target: the RTP reorder buffer and the H.264 depacketiser behind it, and the look at
// each released payload that forwarding takes (rtc/h264_payload_info). The input is a sequence of
// packets, each prefixed by a 16-bit length and a byte of arrival delay in ms.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ingest/webrtc/h264_depacketizer.h"
#include "rtc/h264_payload_info.h"
#include "rtc/rtp_packet.h"
#include "rtc/rtp_reorder_buffer.h"

using namespace stagecast;
using namespace stagecast::ingest::webrtc;
using namespace stagecast::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader r(ByteSpan(data, size));
  RtpReorderBuffer buffer(ReorderBufferOptions{64, std::chrono::milliseconds(50), 3000});
  H264Depacketizer depacketizer(H264DepacketizerLimits{256 * 1024, 64});
  auto now = RtpReorderBuffer::Clock::time_point{};
  std::vector<ReleasedPacket> released;
  std::vector<DepacketizedVideo> out;
  while (true) {
    auto length = r.u16be();
    auto delay = r.u8();
    if (!length || !delay) break;
    auto bytes = r.bytes(std::min<size_t>(*length, r.remaining()));
    now += std::chrono::milliseconds(*delay);
    auto packet = parse_rtp_packet(*bytes);
    if (!packet.ok()) continue;
    buffer.push(packet->sequence, Bytes(bytes->begin(), bytes->end()), now);
    (void)buffer.missing();
    released.clear();
    buffer.pop_ready(now, released);
    for (auto& p : released) {
      auto again = parse_rtp_packet(p.packet);
      if (!again.ok()) __builtin_trap();
      (void)inspect_h264_payload(again->payload);
      depacketizer.push(*again, p.after_loss, out);
    }
    out.clear();
    (void)depacketizer.take_keyframe_request();
  }
  return 0;
}
