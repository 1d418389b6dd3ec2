#include "media/aac_config.h"

#include <array>

#include "media/bit_reader.h"

namespace stagecast::media {
namespace {

Error bad(const char* what) { return make_error("invalid_aac_config", what); }

std::optional<uint8_t> read_object_type(BitReader& br) {
  auto aot = br.bits(5);
  if (!aot) return std::nullopt;
  if (*aot != 31) return static_cast<uint8_t>(*aot);
  auto ext = br.bits(6);
  if (!ext) return std::nullopt;
  return static_cast<uint8_t>(32 + *ext);
}

// samplingFrequencyIndex with its 24-bit escape (index 15).
bool read_sample_rate(BitReader& br, uint8_t& index, int& rate) {
  auto idx = br.bits(4);
  if (!idx) return false;
  index = static_cast<uint8_t>(*idx);
  if (index == 0x0f) {
    auto explicit_rate = br.bits(24);
    if (!explicit_rate) return false;
    rate = static_cast<int>(*explicit_rate);
  } else {
    rate = aac_sample_rate_for_index(index);
  }
  return rate > 0;
}

// Table 1.19 channelConfiguration, with the later additions (11..14) of 14496-3 amendments.
int channels_for_config(uint8_t config) {
  switch (config) {
    case 1: case 2: case 3: case 4: case 5: case 6: return config;
    case 7: return 8;
    case 11: return 7;
    case 12: case 14: return 8;
    case 13: return 24;
    default: return 0;
  }
}

}  // namespace

int aac_sample_rate_for_index(uint8_t index) {
  static constexpr std::array<int, 13> kRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                 22050, 16000, 12000, 11025, 8000,  7350};
  return index < kRates.size() ? kRates[index] : 0;
}

Result<AacConfig> parse_aac_config(ByteSpan asc) {
  BitReader br(asc);
  AacConfig config;
  auto aot = read_object_type(br);
  if (!aot) return bad("truncated object type");
  if (*aot == 0) return bad("null object type");
  config.object_type = *aot;
  if (!read_sample_rate(br, config.sampling_index, config.sample_rate)) {
    return bad("invalid sampling frequency");
  }
  auto channel_config = br.bits(4);
  if (!channel_config) return bad("truncated channel configuration");
  config.channel_config = static_cast<uint8_t>(*channel_config);
  config.channels = channels_for_config(config.channel_config);
  if (config.channel_config != 0 && config.channels == 0) return bad("reserved channel configuration");
  if (config.object_type == 5 || config.object_type == 29) {
    // Explicit hierarchical SBR signalling (1.6.2.1): the extension rate is the output rate.
    uint8_t ext_index = 0;
    if (!read_sample_rate(br, ext_index, config.extension_sample_rate)) {
      return bad("invalid extension sampling frequency");
    }
    if (!read_object_type(br)) return bad("truncated core object type");
  }
  return config;
}

}  // namespace stagecast::media
