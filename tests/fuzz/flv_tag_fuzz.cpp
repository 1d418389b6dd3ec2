// libFuzzer target: FLV video and audio tag bodies and what they carry: the AVC decoder
// configuration record (with its SPS), AVCC NAL unit framing, and the AAC AudioSpecificConfig.
// The first byte picks video (even) or audio (odd).

#include <cstddef>
#include <cstdint>

#include "media/aac_config.h"
#include "media/avc_decoder_config.h"
#include "media/flv_tag.h"

using namespace stagecast;
using namespace stagecast::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteSpan body(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto tag = parse_flv_video_tag(body);
    if (!tag || !tag->avc_packet_type) return 0;
    if (*tag->avc_packet_type == AvcPacketType::SequenceHeader) {
      if (auto config = parse_avc_decoder_config(tag->payload)) {
        (void)build_avc_decoder_config(*config);
      }
    } else {
      for (uint8_t len : {1, 2, 4}) (void)avcc_to_4byte_lengths(tag->payload, len);
    }
  } else {
    auto tag = parse_flv_audio_tag(body);
    if (tag && tag->aac_packet_type == AacPacketType::SequenceHeader) (void)parse_aac_config(tag->payload);
  }
  return 0;
}
