#pragma once
// What an H.264 RTP payload (RFC 6184, packetization-mode 1) carries, read without reassembling
// anything: for forwarding a publisher's packets as they came, where a viewer may only start at
// a key frame. A single NAL unit packet (5.6) carries its NAL unit, a STAP-A (5.7.1) each one it
// aggregates, and an FU-A (5.8) the NAL unit it begins (S bit set) and none otherwise.

#include "core/bytes.h"

namespace stagecast::rtc {

struct H264PayloadInfo {
  bool sps = false;  // a sequence parameter set (type 7)
  bool idr = false;  // a slice of an IDR picture (type 5)
};

// Malformed aggregation (a size past the end) stops the walk there; nothing throws.
H264PayloadInfo inspect_h264_payload(ByteSpan payload);

}  // namespace stagecast::rtc
