#pragma once
// MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): the AAC sequence header of FLV and the
// `esds` of MP4.

#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::media {

struct AacConfig {
  uint8_t object_type = 0;           // 2 = AAC-LC, 5 = SBR (HE-AAC), 29 = PS (HE-AACv2)
  uint8_t sampling_index = 0;        // 0..12, or 15 when the rate is explicit
  int sample_rate = 0;               // of the core decoder
  int extension_sample_rate = 0;     // output rate with explicit SBR signalling, else 0
  uint8_t channel_config = 0;        // 0 = defined by a program_config_element
  int channels = 0;                  // 0 when the channel layout comes from a PCE
};

Result<AacConfig> parse_aac_config(ByteSpan asc);

// Table 1.18 (samplingFrequencyIndex); 0 for reserved or escape indexes.
int aac_sample_rate_for_index(uint8_t index);

}  // namespace stagecast::media
