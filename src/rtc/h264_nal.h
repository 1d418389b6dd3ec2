#pragma once
// H.264 NAL unit types (ITU-T H.264 Table 7-1) and the RTP payload types RFC 6184 puts in the same
// five bits (5.2), for the code that packs, unpacks or inspects H.264 RTP payloads.

#include <cstdint>

namespace stagecast::rtc::h264 {

inline constexpr uint8_t kNalIdr = 5;      // a slice of an IDR picture
inline constexpr uint8_t kNalSps = 7;      // sequence parameter set
inline constexpr uint8_t kNalPps = 8;      // picture parameter set
inline constexpr uint8_t kNalAud = 9;      // access unit delimiter
inline constexpr uint8_t kNalFiller = 12;  // filler data
inline constexpr uint8_t kStapA = 24;      // RFC 6184 5.7.1
inline constexpr uint8_t kFuA = 28;        // RFC 6184 5.8

}  // namespace stagecast::rtc::h264
