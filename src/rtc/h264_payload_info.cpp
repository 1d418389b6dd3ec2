#include "rtc/h264_payload_info.h"

#include "rtc/h264_nal.h"

namespace stagecast::rtc {
namespace {

using namespace h264;

void note(H264PayloadInfo& info, uint8_t type) {
  if (type == kNalSps) info.sps = true;
  if (type == kNalIdr) info.idr = true;
}

}  // namespace

H264PayloadInfo inspect_h264_payload(ByteSpan payload) {
  H264PayloadInfo info;
  if (payload.empty()) return info;
  const uint8_t type = payload[0] & 0x1F;
  if (type >= 1 && type <= 23) {
    note(info, type);
  } else if (type == kStapA) {
    size_t i = 1;
    while (i + 2 <= payload.size()) {
      const size_t n = static_cast<size_t>(payload[i]) << 8 | payload[i + 1];
      i += 2;
      if (n == 0 || n > payload.size() - i) break;
      note(info, payload[i] & 0x1F);
      i += n;
    }
  } else if (type == kFuA && payload.size() >= 2 && (payload[1] & 0x80) != 0) {
    note(info, payload[1] & 0x1F);
  }
  return info;
}

}  // namespace stagecast::rtc
