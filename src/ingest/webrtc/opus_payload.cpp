#include "ingest/webrtc/opus_payload.h"

#include <memory>

namespace stagecast::ingest::webrtc {

Result<OpusPacketInfo> parse_opus_packet(ByteSpan payload) {
  if (payload.empty()) return make_error("opus_empty", "empty Opus packet");
  const uint8_t toc = payload[0];
  const int config = toc >> 3;
  OpusPacketInfo info;
  info.stereo = (toc & 0x04) != 0;
  // Table 2 of RFC 6716: frame sizes by configuration number, in 48 kHz samples.
  if (config < 12) {
    static constexpr int kSilk[4] = {480, 960, 1920, 2880};  // 10, 20, 40, 60 ms
    info.samples_per_frame = kSilk[config & 3];
  } else if (config < 16) {
    info.samples_per_frame = (config & 1) ? 960 : 480;  // hybrid: 10 or 20 ms
  } else {
    static constexpr int kCelt[4] = {120, 240, 480, 960};  // 2.5, 5, 10, 20 ms
    info.samples_per_frame = kCelt[config & 3];
  }
  switch (toc & 0x03) {
    case 0:
      info.frames = 1;
      break;
    case 1:
    case 2:
      info.frames = 2;
      break;
    default: {
      if (payload.size() < 2) return make_error("opus_bad_packet", "code 3 without frame count");
      info.frames = payload[1] & 0x3F;
      if (info.frames == 0) return make_error("opus_bad_packet", "zero frames");
      break;
    }
  }
  if (info.duration_samples() > 5760) return make_error("opus_bad_packet", "longer than 120 ms");
  return info;
}

media::MediaFramePtr make_opus_frame(ByteSpan payload, int64_t dts_90khz) {
  auto frame = std::make_shared<media::MediaFrame>();
  frame->kind = media::TrackKind::Audio;
  frame->codec = media::Codec::Opus;
  frame->dts = frame->pts = dts_90khz;
  frame->keyframe = true;
  frame->data.assign(payload.begin(), payload.end());
  return frame;
}

}  // namespace stagecast::ingest::webrtc
