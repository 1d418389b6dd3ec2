#pragma once
// Transcoder: the ABR ladder of one live stream, as a MediaSink on the stream's hub.
//
// The source H.264 is decoded once (VideoDecoder) and every rung scales and encodes the same
// pictures (RungEncoder), key frames forced where the source has them. Each rung's frames, with
// the source's AAC frames shared unchanged, go to that rung's own sink (an LlHlsPackager in the
// server), made by the factory when the source's resolution tells which rungs exist. The source
// rung is not ours: its packager is fed by the hub directly and nothing here can delay it.
//
// Threads: on_frame() and friends only enqueue (called on the hub's I/O thread); decoding runs
// on one SerialQueue and each rung's encoding on its own, all on a WorkerPool, so rungs encode
// in parallel. Falling behind: when a rung's queue passes the soft limit or the decode queue is
// half full, the lowest active rung is dropped (its playlist ends), then again after a cooldown
// if still behind; a rung whose queue reaches the hard limit is dropped itself; a decode queue
// that overflows ends all rungs. Errors: an encoder error ends that rung, a decoder error or an
// unsupported source ends all rungs; never the stream. Every drop is logged and counted.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/worker_pool.h"
#include "media/stream_hub.h"
#include "transcode/ladder.h"

namespace stagecast::transcode {

struct TranscoderOptions {
  std::string stream_id;
  std::vector<LadderStep> ladder = default_ladder();
  std::string x264_preset = "veryfast";
  // A shared machine stalls for a second now and then: the limits leave room for that (about 3 s
  // at 30 fps) before a rung goes; the rungs lag the source by at most that much.
  size_t max_decode_queue = 480;  // source frames (video and audio) waiting for the decoder
  size_t rung_queue_soft = 90;    // pictures waiting in one rung before the lowest rung goes
  size_t rung_queue_hard = 180;   // a rung this far behind is dropped itself
  // Called (on the transcode pool) once a rung dropped or failed while the stream goes on, after
  // its sink has ended: the place to stop offering that rendition to players, so one that is on
  // it switches away instead of waiting at an ended playlist.
  std::function<void(const Rung&)> on_rung_withdrawn;
};

// Optional: counters in the server's /metrics (null when not wanted).
struct TranscoderMetrics {
  Counter* rungs_dropped = nullptr;  // fell behind
  Counter* rung_errors = nullptr;    // ended by an encoder/decoder error
  Counter* frames_encoded = nullptr;
  Gauge* active_rungs = nullptr;
};

using RungSinkFactory = std::function<std::shared_ptr<media::MediaSink>(const Rung&)>;

class Transcoder final : public media::MediaSink {
 public:
  Transcoder(TranscoderOptions options, WorkerPool& pool, RungSinkFactory factory,
             TranscoderMetrics metrics = {});
  ~Transcoder() override;
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  void on_config(const media::StreamConfig& config) override;
  void on_frame(const media::MediaFramePtr& frame) override;
  void on_discontinuity() override;
  void on_end() override;

  struct Stats {
    std::vector<std::string> active;   // rung names still encoding
    std::vector<std::string> dropped;  // fell behind
    std::vector<std::string> failed;   // ended by an error
    uint64_t pictures_decoded = 0;
    uint64_t frames_encoded = 0;
    bool ended = false;  // on_end() processed and every rung finished
  };
  Stats stats() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace stagecast::transcode
