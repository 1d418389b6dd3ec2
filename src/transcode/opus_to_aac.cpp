#include "transcode/opus_to_aac.h"

#include <optional>

namespace stagecast::transcode {

// Written when the pool opens the converter, read when its first frame goes out: both on the
// pool, one task at a time (SerialConverter), so no lock.
struct OpusToAac::ConfigState {
  std::optional<media::AudioConfig> config;
  bool sent = false;
};

OpusToAac::OpusToAac(OpusToAacOptions options, WorkerPool& pool, AacOutput output)
    : OpusToAac(std::move(options), pool, std::move(output), std::make_shared<ConfigState>()) {}

OpusToAac::OpusToAac(OpusToAacOptions options, WorkerPool& pool, AacOutput output,
                     std::shared_ptr<ConfigState> state)
    : stage_("opus_to_aac " + options.stream_id, options.max_queue, pool,
             [settings = options.converter, state]() -> Result<std::unique_ptr<OpusAacConverter>> {
               auto opened = OpusAacConverter::open(settings);
               if (opened) state->config = (*opened)->config();
               return opened;
             },
             {
                 // The configuration goes out once, just before the first frame.
                 .on_frame =
                     [on_config = output.on_config, on_frame = output.on_frame,
                      state](const media::MediaFramePtr& frame) {
                       if (!state->sent && state->config) {
                         state->sent = true;
                         if (on_config) on_config(*state->config);
                       }
                       if (on_frame) on_frame(frame);
                     },
                 .on_finished = output.on_finished,
                 .on_error = output.on_error,
             }) {}

OpusToAac::~OpusToAac() = default;

void OpusToAac::push(media::MediaFramePtr opus) {
  if (!opus || opus->codec != media::Codec::Opus) return;
  stage_.push(std::move(opus));
}

void OpusToAac::finish() {
  stage_.finish();
}

}  // namespace stagecast::transcode
