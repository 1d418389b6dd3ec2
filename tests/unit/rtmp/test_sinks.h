#pragma once
// Recording doubles for the ingest tests: a hub sink and a lifecycle listener that can be waited on.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "ingest/stream_lifecycle_listener.h"
#include "media/stream_hub.h"

namespace stagecast::test {

class RecordingSink final : public media::MediaSink {
 public:
  void on_config(const media::StreamConfig& config) override {
    std::lock_guard l(mu_);
    configs.push_back(config);
  }
  void on_frame(const media::MediaFramePtr& frame) override {
    std::lock_guard l(mu_);
    frames.push_back(frame);
  }
  void on_discontinuity() override {
    std::lock_guard l(mu_);
    ++discontinuities;
    frames_at_discontinuity.push_back(frames.size());
  }
  void on_end() override {
    std::lock_guard l(mu_);
    ++ends;
  }
  template <typename F>
  auto with_lock(F f) {
    std::lock_guard l(mu_);
    return f(*this);
  }

  std::vector<media::StreamConfig> configs;
  std::vector<media::MediaFramePtr> frames;
  std::vector<size_t> frames_at_discontinuity;
  int discontinuities = 0;
  int ends = 0;

 private:
  std::mutex mu_;
};

class RecordingListener final : public ingest::StreamLifecycleListener {
 public:
  struct Event {
    std::string kind;  // live, interrupted, resumed, ended
    std::string stream_id;
    std::string reason;
    std::shared_ptr<media::StreamHub> hub;
  };

  // Attach a sink to every hub that goes live (as app/ wires the HLS packager).
  bool attach_sinks = true;

  void on_stream_live(const std::string& id, std::shared_ptr<media::StreamHub> hub) override {
    if (attach_sinks) {
      auto sink = std::make_shared<RecordingSink>();
      hub->add_sink(sink);
      std::lock_guard l(mu_);
      sinks[id].push_back(sink);
    }
    push({"live", id, "", hub});
  }
  void on_stream_interrupted(const std::string& id) override { push({"interrupted", id, "", nullptr}); }
  void on_stream_resumed(const std::string& id, std::shared_ptr<media::StreamHub> hub) override {
    push({"resumed", id, "", hub});
  }
  void on_stream_ended(const std::string& id, const std::string& reason) override {
    push({"ended", id, reason, nullptr});
  }

  // Waits until an event of `kind` for `id` has happened `count` times.
  bool wait_for(const std::string& kind, const std::string& id, size_t count = 1,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] { return count_locked(kind, id) >= count; });
  }
  size_t count(const std::string& kind, const std::string& id) {
    std::lock_guard l(mu_);
    return count_locked(kind, id);
  }
  std::vector<Event> events_snapshot() {
    std::lock_guard l(mu_);
    return events;
  }
  std::shared_ptr<RecordingSink> sink(const std::string& id, size_t i = 0) {
    std::lock_guard l(mu_);
    auto it = sinks.find(id);
    return it == sinks.end() || it->second.size() <= i ? nullptr : it->second[i];
  }

 private:
  void push(Event e) {
    {
      std::lock_guard l(mu_);
      events.push_back(std::move(e));
    }
    cv_.notify_all();
  }
  size_t count_locked(const std::string& kind, const std::string& id) const {
    size_t n = 0;
    for (const auto& e : events) n += (e.kind == kind && e.stream_id == id) ? 1 : 0;
    return n;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events;
  std::map<std::string, std::vector<std::shared_ptr<RecordingSink>>> sinks;
};

}  // namespace stagecast::test
