#pragma once
// OpusToAac: the Opus of a WebRTC publisher as AAC-LC for the StreamHub, converted on the
// transcode WorkerPool (OpusAacConverter does the codec work and documents the timeline: pts
// from the input, gaps filled with silence up to a bound, resync beyond it, priming dropped).
//
// Threads. push() and finish() may be called from any thread (the session's I/O thread) and
// return at once: they only queue. Everything else, opening the codecs included, runs on the
// pool, one task at a time per instance (instances convert in parallel), and the callbacks are
// called there, in order, never two at once. The input queue is bounded: when it is full the
// oldest packet is dropped and counted (its time becomes a hole filled with silence), so a
// stalled pool costs a bounded amount of memory and audio, never the caller's time.
// A StreamHub's sinks are fed from one thread (the session's): post the frames from on_frame
// back to the session's executor before publishing them, rather than publishing from the pool.
// A frame comes out once the encoder holds the next 1024 samples too (its look-ahead): 21 to
// 43 ms of audio after the Opus that made it arrived, plus the pool's delay.
//
// Lifetime. The destructor may run while tasks are queued or running: once it returns no
// callback is running or will run (it waits for at most the one packet being converted, well
// under a millisecond); queued tasks find the instance closed and do nothing. It must not be
// called from inside a callback on the pool thread other than this instance's own (a callback
// of this instance may destroy it: the wait is skipped there).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/worker_pool.h"
#include "media/media_frame.h"
#include "transcode/opus_aac_converter.h"
#include "transcode/serial_converter.h"

namespace stagecast::transcode {

struct OpusToAacOptions {
  std::string stream_id;      // for the log
  OpusAacSettings converter;  // bitrate, gap bound
  size_t max_queue = 50;      // Opus packets waiting for the pool: 1 s of 20 ms packets
};

// Called on the pool, serially. on_config comes once, before the first frame.
struct AacOutput {
  std::function<void(const media::AudioConfig&)> on_config;
  std::function<void(const media::MediaFramePtr&)> on_frame;
  std::function<void()> on_finished;           // optional: after finish()'s last frame
  std::function<void(const Error&)> on_error;  // optional: the converter failed for good
};

class OpusToAac {
 public:
  OpusToAac(OpusToAacOptions options, WorkerPool& pool, AacOutput output);
  ~OpusToAac();
  OpusToAac(const OpusToAac&) = delete;
  OpusToAac& operator=(const OpusToAac&) = delete;

  // One Opus packet (codec Opus, 90 kHz pts). Frames of other codecs are ignored.
  void push(media::MediaFramePtr opus);
  // End of stream: the queued packets, then the encoder drained, then on_finished. Packets
  // pushed afterwards start a new timeline.
  void finish();

  // pushed, queue_dropped (oldest packets dropped because the queue was full), queued,
  // max_queued (never above max_queue), converter (as of the last packet), failed.
  using Stats = SerialConverter<OpusAacConverter>::Stats;
  Stats stats() const { return stage_.stats(); }

 private:
  struct ConfigState;  // the converter's configuration, shared by the opener and the output
  OpusToAac(OpusToAacOptions options, WorkerPool& pool, AacOutput output,
            std::shared_ptr<ConfigState> state);

  SerialConverter<OpusAacConverter> stage_;
};

}  // namespace stagecast::transcode
