#include "transcode/thumbnail_sink.h"

#include <spdlog/spdlog.h>

namespace stagecast::transcode {

ThumbnailSink::ThumbnailSink(ThumbnailSinkOptions options, WorkerPool& pool, const Clock& clock,
                             Output output, ThumbnailMetrics metrics)
    : options_(std::move(options)),
      pool_(pool),
      clock_(clock),
      output_(std::move(output)),
      metrics_(metrics),
      work_(std::make_shared<Work>(options_.jpeg)),
      busy_(std::make_shared<std::atomic<bool>>(false)) {}

void ThumbnailSink::on_config(const media::StreamConfig& config) {
  if (!config.video) return;
  std::lock_guard lock(mu_);
  if (config_ && config_->avcc == config.video->avcc) return;
  config_ = std::make_shared<const media::VideoConfig>(*config.video);
  ++generation_;
}

void ThumbnailSink::on_frame(const media::MediaFramePtr& frame) {
  if (ended_ || frame->kind != media::TrackKind::Video || !frame->keyframe) return;
  if (last_pts_ && frame->pts - *last_pts_ < options_.interval_90k && frame->pts >= *last_pts_) {
    return;
  }
  std::shared_ptr<const media::VideoConfig> config;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    config = config_;
    generation = generation_;
  }
  if (!config) return;
  if (busy_->exchange(true)) {
    if (metrics_.skipped_busy) metrics_.skipped_busy->inc();
    return;
  }
  last_pts_ = frame->pts;
  auto job = [work = work_, busy = busy_, frame, config, generation, stream_id = options_.stream_id,
              output = output_, clock = &clock_, metrics = metrics_] {
    struct Release {
      std::atomic<bool>* flag;
      ~Release() { flag->store(false); }
    } release{busy.get()};
    if (work->configured_generation != generation) {
      if (auto r = work->thumbnailer.configure(*config); !r) {
        if (metrics.failed) metrics.failed->inc();
        spdlog::debug("stream {}: no thumbnails: {}", stream_id, r.error().message);
        return;
      }
      work->configured_generation = generation;
    }
    auto picture = work->thumbnailer.make(*frame);
    if (!picture) {
      if (metrics.failed) metrics.failed->inc();
      spdlog::debug("stream {}: thumbnail: {}", stream_id, picture.error().message);
      return;
    }
    picture->captured_at_ms = clock->unix_millis();
    if (metrics.made) metrics.made->inc();
    output(stream_id, std::make_shared<const media::Thumbnail>(std::move(picture).value()));
  };
  if (!pool_.post(std::move(job))) busy_->store(false);
}

void ThumbnailSink::on_discontinuity() {
  last_pts_.reset();
}

void ThumbnailSink::on_end() {
  ended_ = true;
}

}  // namespace stagecast::transcode
