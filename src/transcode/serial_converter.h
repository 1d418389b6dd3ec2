#pragma once
// SerialConverter: a synchronous codec converter (AacOpusConverter, ...) run on a WorkerPool,
// one task at a time per instance, fed from any thread without waiting.
//
// push() and finish() only queue and return at once. The converter is opened on the pool at the
// first frame; frames are converted in order and the output callbacks are called there, in
// order, never two at once. The queue is bounded: when it is full the oldest frame is dropped and
// counted, so a stalled pool costs a bounded amount of memory and media, never the caller's
// time. A converter that fails stops the instance for good (on_error once).
//
// Lifetime: the destructor may run while tasks are queued or running: once it returns no
// callback is running or will run (it waits for at most the frame being converted). A callback
// of this instance may destroy it.

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/result.h"
#include "core/worker_pool.h"
#include "media/media_frame.h"

namespace stagecast::transcode {

template <class Converter>
class SerialConverter {
 public:
  using Counters = std::remove_cvref_t<decltype(std::declval<Converter&>().counters())>;
  using Opener = std::function<Result<std::unique_ptr<Converter>>()>;

  struct Output {
    std::function<void(const media::MediaFramePtr&)> on_frame;
    std::function<void()> on_finished;           // optional: after finish()'s last frame
    std::function<void(const Error&)> on_error;  // optional: the converter failed for good
  };

  struct Stats {
    uint64_t pushed = 0;
    uint64_t queue_dropped = 0;
    size_t queued = 0;
    size_t max_queued = 0;
    Counters converter{};
    bool failed = false;
  };

  SerialConverter(std::string name, size_t max_queue, WorkerPool& pool, Opener open, Output output)
      : core_(std::make_shared<Core>(std::move(name), max_queue, pool, std::move(open),
                                     std::move(output))) {}

  ~SerialConverter() {
    {
      std::lock_guard lock(core_->mu);
      core_->closed = true;
      core_->queue.clear();
      core_->frames_queued = 0;
    }
    if (core_->runner.load() != std::this_thread::get_id()) std::lock_guard run(core_->run_mu);
  }
  SerialConverter(const SerialConverter&) = delete;
  SerialConverter& operator=(const SerialConverter&) = delete;

  void push(media::MediaFramePtr frame) {
    if (frame) core_->enqueue(std::move(frame));
  }
  // End of stream: the queued frames, then the converter drained, then on_finished.
  void finish() { core_->enqueue(nullptr); }

  Stats stats() const {
    std::lock_guard lock(core_->mu);
    Stats s = core_->stats;
    s.queued = core_->frames_queued;
    return s;
  }

 private:
  static constexpr int kBatch = 8;  // frames per pool job before yielding to other streams

  struct Core : std::enable_shared_from_this<Core> {
    Core(std::string n, size_t m, WorkerPool& p, Opener o, Output out)
        : name(std::move(n)), max_queue(m), pool(p), open(std::move(o)), output(std::move(out)) {}

    const std::string name;
    const size_t max_queue;
    WorkerPool& pool;
    const Opener open;
    const Output output;

    mutable std::mutex mu;
    std::deque<media::MediaFramePtr> queue;  // a null frame is finish(), never dropped
    size_t frames_queued = 0;
    bool scheduled = false;
    Stats stats;

    std::atomic<bool> closed{false};
    std::mutex run_mu;
    std::atomic<std::thread::id> runner{};

    std::unique_ptr<Converter> converter;  // pool only
    bool failed = false;

    void enqueue(media::MediaFramePtr frame) {
      std::lock_guard lock(mu);
      if (closed || stats.failed) return;
      if (frame) {
        ++stats.pushed;
        if (frames_queued >= max_queue) {
          for (auto it = queue.begin(); it != queue.end(); ++it) {
            if (!*it) continue;
            queue.erase(it);
            --frames_queued;
            if (stats.queue_dropped++ == 0)
              spdlog::warn("{}: the pool is behind; dropping the oldest frames", name);
            break;
          }
        }
        ++frames_queued;
        stats.max_queued = std::max(stats.max_queued, frames_queued);
      }
      queue.push_back(std::move(frame));
      schedule_locked();
    }

    void schedule_locked() {
      if (scheduled || queue.empty()) return;
      scheduled = true;
      if (!pool.post([self = this->shared_from_this()] { self->drain(); })) scheduled = false;
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
          if (item) --frames_queued;
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
        auto opened = open();
        if (!opened) return fail(opened.error());
        converter = std::move(opened).value();
      }
      std::vector<media::MediaFramePtr> out;
      Result<void> r;
      if (converter) r = finishing ? converter->flush(out) : converter->convert(*item, out);
      for (const auto& f : out) {
        if (closed) return;
        if (output.on_frame) output.on_frame(f);
      }
      if (converter) {
        std::lock_guard lock(mu);
        stats.converter = converter->counters();
      }
      if (!r) return fail(r.error());
      if (finishing && !closed && output.on_finished) output.on_finished();
    }

    void fail(const Error& error) {
      failed = true;
      spdlog::error("{}: conversion stopped: {}", name, error.message);
      {
        std::lock_guard lock(mu);
        stats.failed = true;
        queue.clear();
        frames_queued = 0;
      }
      if (!closed && output.on_error) output.on_error(error);
    }
  };

  std::shared_ptr<Core> core_;
};

}  // namespace stagecast::transcode
