#include "rtc/packet_demux.h"

namespace stagecast::rtc {

PacketKind classify_packet(ByteSpan datagram) {
  if (datagram.empty()) return PacketKind::Unknown;
  const uint8_t b = datagram[0];
  if (b <= 3) return datagram.size() >= 20 ? PacketKind::Stun : PacketKind::Unknown;
  // A DTLS record header is 13 bytes.
  if (b >= 20 && b <= 63) return datagram.size() >= 13 ? PacketKind::Dtls : PacketKind::Unknown;
  if (b >= 128 && b <= 191) {
    if (datagram.size() < 4) return PacketKind::Unknown;
    // RFC 5761 4: RTCP packet types 192-223 overlap RTP payload types 64-95 with the marker set,
    // which is why those payload types must not be used for RTP.
    const uint8_t pt = datagram[1];
    if (pt >= 192 && pt <= 223) return datagram.size() >= 8 ? PacketKind::Rtcp : PacketKind::Unknown;
    return datagram.size() >= 12 ? PacketKind::Rtp : PacketKind::Unknown;
  }
  return PacketKind::Unknown;
}

}  // namespace stagecast::rtc
