#pragma once
// ThumbnailSink: a live stream's picture every few seconds (docs/web.md, "Live thumbnails"), as
// a MediaSink on the stream's hub. on_frame() only looks at the frame's flags and time (the
// hub's I/O thread); a key frame at least `interval` after the last picture's is handed to the
// worker pool, where JpegThumbnailer decodes that one frame and encodes the JPEG, and the
// picture goes to `output`. One picture at a time per stream: a key frame that comes while the
// previous picture is still being made is skipped (the next one will do), so a loaded pool
// costs pictures, never memory.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/worker_pool.h"
#include "media/stream_hub.h"
#include "media/thumbnail_store.h"
#include "transcode/jpeg_thumbnail.h"

namespace stagecast::transcode {

struct ThumbnailSinkOptions {
  std::string stream_id;
  int64_t interval_90k = 5 * media::kTimescale;
  JpegThumbnailOptions jpeg;
};

struct ThumbnailMetrics {
  Counter* made = nullptr;
  Counter* failed = nullptr;
  Counter* skipped_busy = nullptr;
};

class ThumbnailSink final : public media::MediaSink {
 public:
  using Output = std::function<void(const std::string& stream_id, media::ThumbnailPtr)>;

  // The pool, clock and metrics are borrowed and must outlive the sink's work.
  ThumbnailSink(ThumbnailSinkOptions options, WorkerPool& pool, const Clock& clock, Output output,
                ThumbnailMetrics metrics = {});

  void on_config(const media::StreamConfig& config) override;
  void on_frame(const media::MediaFramePtr& frame) override;
  void on_discontinuity() override;
  void on_end() override;

 private:
  // What the pool's job touches: kept alive by the job even if the hub lets the sink go.
  struct Work {
    explicit Work(JpegThumbnailOptions jpeg) : thumbnailer(jpeg) {}
    JpegThumbnailer thumbnailer;  // only ever used by the one job in flight
    uint64_t configured_generation = 0;
  };

  ThumbnailSinkOptions options_;
  WorkerPool& pool_;
  const Clock& clock_;
  Output output_;
  ThumbnailMetrics metrics_;
  std::shared_ptr<Work> work_;
  std::shared_ptr<std::atomic<bool>> busy_;

  std::mutex mu_;  // config_ and generation_ (set on the hub thread, read when posting)
  std::shared_ptr<const media::VideoConfig> config_;
  uint64_t generation_ = 0;
  std::optional<int64_t> last_pts_;  // hub thread only
  bool ended_ = false;               // hub thread only
};

}  // namespace stagecast::transcode
