#include "transcode/transcoder.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "transcode/ffmpeg_log.h"

extern "C" {
#include <libavutil/log.h>
}

#include "transcode/rung_encoder.h"
#include "core/serial_queue.h"
#include "transcode/video_decoder.h"

namespace stagecast::transcode {

namespace {

enum class RungState { Active, Dropped, Failed, Ended };

struct RungSlot {
  Rung rung;
  std::shared_ptr<media::MediaSink> sink;
  std::shared_ptr<SerialQueue> queue;
  std::unique_ptr<RungEncoder> encoder;  // used only by tasks on `queue`
  media::VideoConfig video;
  std::atomic<RungState> state{RungState::Active};
  bool sink_ended = false;  // on `queue` only
  bool active() const { return state.load() == RungState::Active; }
};
using SlotPtr = std::shared_ptr<RungSlot>;

constexpr uint64_t kMaxConsecutiveDecodeErrors = 120;

}  // namespace

struct Transcoder::Core : std::enable_shared_from_this<Core> {
  Core(TranscoderOptions o, WorkerPool& p, RungSinkFactory f, TranscoderMetrics m)
      : options(std::move(o)),
        pool(p),
        factory(std::move(f)),
        metrics(m),
        decode_queue(SerialQueue::create(p, options.max_decode_queue)) {
    // libx264 prints its banner and settings at info level for every rung of every stream; our
    // own log says what matters.
    route_ffmpeg_log();
  }

  const TranscoderOptions options;
  WorkerPool& pool;
  const RungSinkFactory factory;
  const TranscoderMetrics metrics;
  const std::shared_ptr<SerialQueue> decode_queue;
  std::atomic<bool> stopped{false};  // no rung left to feed: frames are ignored

  // Decode queue only.
  std::unique_ptr<VideoDecoder> decoder;
  Bytes decoder_avcc;
  std::optional<media::AudioConfig> audio;
  bool planned = false;
  int source_width = 0;
  int source_height = 0;
  size_t cooldown = 0;

  mutable std::mutex mu;  // rungs list and counts, read by stats()
  std::vector<SlotPtr> rungs;  // highest first
  uint64_t pictures = 0;
  std::atomic<uint64_t> encoded{0};
  std::atomic<size_t> rungs_open{0};  // rungs whose sink has not ended yet
  bool end_seen = false;

  std::vector<SlotPtr> snapshot() const {
    std::lock_guard lock(mu);
    return rungs;
  }

  // --- decode queue ---

  void handle_config(const media::StreamConfig& config) {
    if (stopped) return;
    if (config.audio) audio = config.audio;
    if (config.video && config.video->avcc != decoder_avcc) {
      if (planned && (config.video->width != source_width ||
                      config.video->height != source_height)) {
        // A different ladder would be needed; the source rung carries on alone.
        stop_all(RungState::Failed, "the source resolution changed");
        return;
      }
      if (decoder) decoder->drain([this](DecodedPicture p) { distribute(std::move(p)); });
      auto opened = VideoDecoder::open(*config.video);
      if (!opened) {
        stop_all(RungState::Failed, opened.error().message);
        return;
      }
      decoder = std::move(opened).value();
      decoder_avcc = config.video->avcc;
      if (!planned) plan(*config.video);
    }
    for (const auto& slot : snapshot()) {
      if (!slot->active()) continue;
      media::StreamConfig rung_config{slot->video, audio};
      slot->queue->post_always([slot, rung_config] { slot->sink->on_config(rung_config); });
    }
  }

  void plan(const media::VideoConfig& video) {
    planned = true;
    if (stopped) return;
    source_width = video.width;
    source_height = video.height;
    EncoderSettings settings;
    settings.preset = options.x264_preset;
    settings.frame_rate = video.frame_rate;
    std::vector<SlotPtr> made;
    for (const auto& rung : plan_rungs(options.ladder, video.width, video.height)) {
      auto enc = RungEncoder::open(rung, settings);
      if (!enc) {
        spdlog::error("transcode {}: rung {} not started: {}", options.stream_id, rung.name,
                      enc.error().message);
        if (metrics.rung_errors) metrics.rung_errors->inc();
        continue;
      }
      auto slot = std::make_shared<RungSlot>();
      slot->rung = rung;
      slot->encoder = std::move(enc).value();
      slot->video = slot->encoder->config();
      slot->sink = factory(rung);
      slot->queue = SerialQueue::create(pool, options.rung_queue_hard);
      made.push_back(std::move(slot));
    }
    spdlog::info("transcode {}: source {}x{}, {} rung(s) below it", options.stream_id,
                 video.width, video.height, made.size());
    if (metrics.active_rungs) metrics.active_rungs->add(static_cast<int64_t>(made.size()));
    rungs_open = made.size();
    if (made.empty()) stopped = true;
    std::lock_guard lock(mu);
    rungs = std::move(made);
  }

  void handle_frame(const media::MediaFramePtr& frame) {
    if (stopped) return;
    if (frame->kind == media::TrackKind::Video) {
      if (!decoder || frame->codec != media::Codec::H264) return;
      decoder->decode(*frame, [this](DecodedPicture p) { distribute(std::move(p)); });
      // Concealment covers a broken frame now and then; a source that never decodes is not ours
      // to fix.
      if (decoder->consecutive_errors() >= kMaxConsecutiveDecodeErrors)
        stop_all(RungState::Failed, "the source does not decode");
      return;
    }
    for (const auto& slot : snapshot()) {
      if (!slot->active()) continue;
      if (!slot->queue->post([slot, frame] { slot->sink->on_frame(frame); }))
        drop(slot, RungState::Dropped, "its queue is full");
    }
  }

  void distribute(DecodedPicture pic) {
    {
      std::lock_guard lock(mu);
      ++pictures;
    }
    auto slots = snapshot();
    if (cooldown > 0) {
      --cooldown;
    } else {
      bool behind = decode_queue->size() >= options.max_decode_queue / 2;
      for (const auto& s : slots) behind |= s->active() && s->queue->size() >= options.rung_queue_soft;
      if (behind) {
        for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
          if ((*it)->active()) {
            drop(*it, RungState::Dropped, "the transcoder fell behind (lowest rung first)");
            break;
          }
        }
        // Give the remaining rungs time to catch up before judging again.
        cooldown = options.rung_queue_soft;
      }
    }
    auto shared = std::make_shared<const DecodedPicture>(std::move(pic));
    for (const auto& slot : slots) {
      if (!slot->active()) continue;
      auto self = shared_from_this();
      if (!slot->queue->post([self, slot, shared] { self->encode(*slot, *shared); }))
        drop(slot, RungState::Dropped, "its queue is full");
    }
  }

  void handle_discontinuity() {
    if (stopped) return;
    if (decoder) decoder->drain([this](DecodedPicture p) { distribute(std::move(p)); });
    for (const auto& slot : snapshot()) {
      if (!slot->active()) continue;
      slot->queue->post_always([slot] {
        if (slot->sink_ended) return;
        if (slot->encoder) slot->encoder->new_timeline();
        slot->sink->on_discontinuity();
      });
    }
  }

  void handle_end() {
    {
      std::lock_guard lock(mu);
      if (end_seen) return;
      end_seen = true;
    }
    if (!stopped && decoder)
      decoder->drain([this](DecodedPicture p) { distribute(std::move(p)); });
    stopped = true;
    decoder.reset();
    auto self = shared_from_this();
    for (const auto& slot : snapshot()) {
      RungState expected = RungState::Active;
      if (!slot->state.compare_exchange_strong(expected, RungState::Ended)) continue;
      if (metrics.active_rungs) metrics.active_rungs->add(-1);
      slot->queue->post_always([self, slot] {
        if (slot->encoder) {
          std::vector<media::MediaFramePtr> out;
          if (slot->encoder->flush(out)) self->deliver(*slot, out);
        }
        self->finish(*slot);
      });
    }
  }

  // --- rung queues ---

  void encode(RungSlot& slot, const DecodedPicture& pic) {
    if (slot.sink_ended || !slot.encoder) return;
    std::vector<media::MediaFramePtr> out;
    auto r = slot.encoder->encode(*pic.picture, pic.pts, pic.dts, pic.key, out);
    if (!r) {
      spdlog::error("transcode {}: rung {} ended by an encoder error: {}", options.stream_id,
                    slot.rung.name, r.error().message);
      RungState expected = RungState::Active;
      if (slot.state.compare_exchange_strong(expected, RungState::Failed)) {
        if (metrics.rung_errors) metrics.rung_errors->inc();
        if (metrics.active_rungs) metrics.active_rungs->add(-1);
      }
      slot.queue->clear();
      finish(slot);
      return;
    }
    deliver(slot, out);
  }

  void deliver(RungSlot& slot, const std::vector<media::MediaFramePtr>& out) {
    for (const auto& f : out) slot.sink->on_frame(f);
    encoded += out.size();
    if (metrics.frames_encoded) metrics.frames_encoded->inc(out.size());
  }

  void finish(RungSlot& slot) {
    if (slot.sink_ended) return;
    slot.sink_ended = true;
    slot.encoder.reset();
    slot.sink->on_end();
    const RungState state = slot.state.load();
    if ((state == RungState::Dropped || state == RungState::Failed) && options.on_rung_withdrawn)
      options.on_rung_withdrawn(slot.rung);
    --rungs_open;  // last: once no rung is open, every withdrawal has happened
  }

  // --- any thread ---

  void drop(const SlotPtr& slot, RungState why, const std::string& reason) {
    RungState expected = RungState::Active;
    if (!slot->state.compare_exchange_strong(expected, why)) return;
    spdlog::warn("transcode {}: rung {} dropped: {}", options.stream_id, slot->rung.name, reason);
    if (why == RungState::Dropped && metrics.rungs_dropped) metrics.rungs_dropped->inc();
    if (why == RungState::Failed && metrics.rung_errors) metrics.rung_errors->inc();
    if (metrics.active_rungs) metrics.active_rungs->add(-1);
    slot->queue->clear();
    auto self = shared_from_this();
    slot->queue->post_always([self, slot] { self->finish(*slot); });
    bool any = false;
    for (const auto& s : snapshot()) any |= s->active();
    if (!any) stopped = true;
  }

  void stop_all(RungState why, const std::string& reason) {
    if (!planned) spdlog::warn("transcode {}: not transcoding: {}", options.stream_id, reason);
    for (const auto& slot : snapshot()) drop(slot, why, reason);
    stopped = true;
  }
};

Transcoder::Transcoder(TranscoderOptions options, WorkerPool& pool, RungSinkFactory factory,
                       TranscoderMetrics metrics)
    : core_(std::make_shared<Core>(std::move(options), pool, std::move(factory), metrics)) {}

Transcoder::~Transcoder() {
  // A hub that goes away without on_end() must still end the rung playlists.
  on_end();
}

void Transcoder::on_config(const media::StreamConfig& config) {
  if (core_->stopped) return;
  core_->decode_queue->post_always([core = core_, config] { core->handle_config(config); });
}

void Transcoder::on_frame(const media::MediaFramePtr& frame) {
  if (core_->stopped || !frame) return;
  if (!core_->decode_queue->post([core = core_, frame] { core->handle_frame(frame); })) {
    // The decoder itself cannot keep up even after dropping rungs: give up on the ladder.
    core_->stop_all(RungState::Dropped, "the decode queue overflowed");
  }
}

void Transcoder::on_discontinuity() {
  if (core_->stopped) return;
  core_->decode_queue->post_always([core = core_] { core->handle_discontinuity(); });
}

void Transcoder::on_end() {
  core_->decode_queue->post_always([core = core_] { core->handle_end(); });
}

Transcoder::Stats Transcoder::stats() const {
  Stats s;
  auto slots = core_->snapshot();
  for (const auto& slot : slots) {
    switch (slot->state.load()) {
      case RungState::Active: s.active.push_back(slot->rung.name); break;
      case RungState::Dropped: s.dropped.push_back(slot->rung.name); break;
      case RungState::Failed: s.failed.push_back(slot->rung.name); break;
      case RungState::Ended: break;
    }
  }
  {
    std::lock_guard lock(core_->mu);
    s.pictures_decoded = core_->pictures;
    s.ended = core_->end_seen && core_->rungs_open.load() == 0;
  }
  s.frames_encoded = core_->encoded;
  return s;
}

}  // namespace stagecast::transcode
