#pragma once
// Which protocol a datagram on the shared media port carries, by its first byte (RFC 7983 7,
// updating RFC 5764 5.1.2), and RTP versus RTCP by the payload type (RFC 5761 4).

#include <cstdint>

#include "core/bytes.h"

namespace stagecast::rtc {

enum class PacketKind : uint8_t { Stun, Dtls, Rtp, Rtcp, Unknown };

// Unknown for ranges we do not serve (ZRTP 16-19, TURN channels 64-79, QUIC) and for packets too
// short to hold the protocol's fixed header: the caller drops them.
PacketKind classify_packet(ByteSpan datagram);

}  // namespace stagecast::rtc
