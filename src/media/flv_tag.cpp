#include "media/flv_tag.h"

namespace stagecast::media {

Result<FlvVideoTag> parse_flv_video_tag(ByteSpan body) {
  ByteReader r(body);
  auto first = r.u8();
  if (!first) return make_error("invalid_flv_video", "empty video tag");
  FlvVideoTag tag;
  tag.enhanced = (*first & 0x80) != 0;
  if (tag.enhanced) {
    // ExVideoTagHeader: 3-bit frame type, 4-bit packet type, then a FourCC codec.
    tag.frame_type = static_cast<uint8_t>((*first >> 4) & 0x07);
    tag.payload = r.rest();
    return tag;
  }
  tag.frame_type = static_cast<uint8_t>(*first >> 4);
  tag.codec_id = static_cast<uint8_t>(*first & 0x0f);
  if (tag.frame_type == 0) return make_error("invalid_flv_video", "reserved frame type");
  if (tag.codec_id == kFlvCodecAvc) {
    auto packet_type = r.u8();
    auto cts = r.u24be();
    if (!packet_type || !cts) return make_error("invalid_flv_video", "truncated AVC header");
    if (*packet_type > 2) return make_error("invalid_flv_video", "unknown AVCPacketType");
    tag.avc_packet_type = static_cast<AvcPacketType>(*packet_type);
    // SI24: sign-extend the 24-bit two's complement value.
    tag.composition_time_ms = static_cast<int32_t>(*cts << 8) >> 8;
  }
  tag.payload = r.rest();
  return tag;
}

Result<FlvAudioTag> parse_flv_audio_tag(ByteSpan body) {
  ByteReader r(body);
  auto first = r.u8();
  if (!first) return make_error("invalid_flv_audio", "empty audio tag");
  FlvAudioTag tag;
  tag.sound_format = static_cast<uint8_t>(*first >> 4);
  tag.sound_rate = static_cast<uint8_t>((*first >> 2) & 0x03);
  tag.sound_size = static_cast<uint8_t>((*first >> 1) & 0x01);
  tag.sound_type = static_cast<uint8_t>(*first & 0x01);
  if (tag.sound_format == kFlvSoundFormatAac) {
    auto packet_type = r.u8();
    if (!packet_type) return make_error("invalid_flv_audio", "truncated AAC header");
    if (*packet_type > 1) return make_error("invalid_flv_audio", "unknown AACPacketType");
    tag.aac_packet_type = static_cast<AacPacketType>(*packet_type);
  }
  tag.payload = r.rest();
  return tag;
}

}  // namespace stagecast::media
