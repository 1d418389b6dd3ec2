#include "transcode/opus_to_aac.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "transcode/ffmpeg_log.h"

extern "C" {
#include <libavutil/log.h>
}

namespace stagecast::transcode {
namespace {
// Packets converted per pool job before the instance yields its thread to other streams' work.
constexpr int kBatch = 8;
}  // namespace

struct OpusToAac::Core : std::enable_shared_from_this<Core> {
  Core(OpusToAacOptions o, WorkerPool& p, AacOutput out)
      : options(std::move(o)), pool(p), output(std::move(out)) {
    // The AAC encoder reports its average quantiser at info level when closed; our counters say
    // what matters.
    route_ffmpeg_log();
  }

  const OpusToAacOptions options;
  WorkerPool& pool;
  const AacOutput output;

  // A null frame in the queue is finish(): it is never dropped and not counted in the bound.
  mutable std::mutex mu;
  std::deque<media::MediaFramePtr> queue;
  size_t packets_queued = 0;
  bool scheduled = false;  // a drain task is posted or running
  Stats stats;

  std::atomic<bool> closed{false};
  // Held while one packet is converted and its frames delivered: the destructor takes it once
  // to know that no callback is running.
  std::mutex run_mu;
  std::atomic<std::thread::id> runner{};

  // Pool only (serialised by `scheduled`).
  std::unique_ptr<OpusAacConverter> converter;
  bool config_sent = false;
  bool failed = false;

  void enqueue(media::MediaFramePtr frame) {
    std::lock_guard lock(mu);
    if (closed || stats.failed) return;
    if (frame) {
      ++stats.pushed;
      if (packets_queued >= options.max_queue) {
        for (auto it = queue.begin(); it != queue.end(); ++it) {
          if (!*it) continue;
          queue.erase(it);
          --packets_queued;
          if (stats.queue_dropped++ == 0)
            spdlog::warn("opus_to_aac {}: the pool is behind; dropping the oldest Opus packets",
                         options.stream_id);
          break;
        }
      }
      ++packets_queued;
      stats.max_queued = std::max(stats.max_queued, packets_queued);
    }
    queue.push_back(std::move(frame));
    schedule_locked();
  }

  void schedule_locked() {
    if (scheduled || queue.empty()) return;
    scheduled = true;
    // A refusal (the pool is full or stopping) leaves the packets queued for the next push.
    if (!pool.post([self = shared_from_this()] { self->drain(); })) scheduled = false;
  }

  void drain() {
    for (int i = 0; i < kBatch; ++i) {
      std::lock_guard run(run_mu);
      media::MediaFramePtr item;
      {
        std::lock_guard lock(mu);
        if (closed || queue.empty()) {
          scheduled = false;
          return;
        }
        item = std::move(queue.front());
        queue.pop_front();
        if (item) --packets_queued;
      }
      runner = std::this_thread::get_id();
      process(item);
      runner = std::thread::id{};
    }
    std::lock_guard lock(mu);
    scheduled = false;
    if (!closed) schedule_locked();
  }

  void process(const media::MediaFramePtr& item) {
    if (failed) return;
    const bool finishing = !item;
    if (!converter && !finishing) {
      auto opened = OpusAacConverter::open(options.converter);
      if (!opened) return fail(opened.error());
      converter = std::move(opened).value();
    }
    std::vector<media::MediaFramePtr> out;
    Result<void> r;
    if (converter) r = finishing ? converter->flush(out) : converter->convert(*item, out);
    deliver(out);
    if (converter) {
      std::lock_guard lock(mu);
      stats.converter = converter->counters();
    }
    if (!r) return fail(r.error());
    if (finishing && !closed && output.on_finished) output.on_finished();
  }

  void deliver(const std::vector<media::MediaFramePtr>& frames) {
    for (const auto& f : frames) {
      if (closed) return;  // destroyed from a callback, or by another thread meanwhile
      if (!config_sent) {
        config_sent = true;
        if (output.on_config) output.on_config(converter->config());
      }
      if (output.on_frame) output.on_frame(f);
    }
  }

  void fail(const Error& error) {
    failed = true;
    spdlog::error("opus_to_aac {}: audio conversion stopped: {}", options.stream_id, error.message);
    {
      std::lock_guard lock(mu);
      stats.failed = true;
      queue.clear();
      packets_queued = 0;
    }
    if (!closed && output.on_error) output.on_error(error);
  }
};

OpusToAac::OpusToAac(OpusToAacOptions options, WorkerPool& pool, AacOutput output)
    : core_(std::make_shared<Core>(std::move(options), pool, std::move(output))) {}

OpusToAac::~OpusToAac() {
  {
    std::lock_guard lock(core_->mu);
    core_->closed = true;
    core_->queue.clear();
    core_->packets_queued = 0;
  }
  // Called from one of our own callbacks: that thread holds run_mu and stops delivering once it
  // returns (it checks `closed`). Anywhere else: wait for the packet in progress, if any.
  if (core_->runner.load() != std::this_thread::get_id()) std::lock_guard run(core_->run_mu);
}

void OpusToAac::push(media::MediaFramePtr opus) {
  if (!opus || opus->codec != media::Codec::Opus) return;
  core_->enqueue(std::move(opus));
}

void OpusToAac::finish() {
  core_->enqueue(nullptr);
}

OpusToAac::Stats OpusToAac::stats() const {
  std::lock_guard lock(core_->mu);
  Stats s = core_->stats;
  s.queued = core_->packets_queued;
  return s;
}

}  // namespace stagecast::transcode
