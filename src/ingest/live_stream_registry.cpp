#include "ingest/live_stream_registry.h"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>

#include "core/log.h"

namespace stagecast::ingest {

namespace asio = boost::asio;

struct PublishLease::Gate {
  std::mutex mu;
  bool open = true;
};

struct PublishLease::Shared : std::enable_shared_from_this<PublishLease::Shared> {
  struct Entry {
    std::shared_ptr<media::StreamHub> hub;
    std::shared_ptr<IngestStatsMeter> stats;
    std::shared_ptr<Gate> gate;  // of the connected publisher; null during the grace period
    std::weak_ptr<IngestPublisher> publisher;
    uint64_t token = 0;        // of the connected publisher; 0 during the grace period
    uint64_t incarnation = 0;  // tells a stream apart from a later one with the same id
    uint64_t grace_generation = 0;
    std::shared_ptr<asio::steady_timer> grace_timer;
    std::shared_ptr<asio::steady_timer> max_timer;
  };

  Shared(asio::any_io_executor e, StreamLifecycleListener& l, MetricsRegistry& m, const Clock& c,
         LiveStreamOptions o)
      : exec(std::move(e)),
        listener(l),
        clock(c),
        options(o),
        live_gauge(m.gauge("stagecast_ingest_live_streams",
                           "Live streams on this node (publishing or in their grace period)")),
        started(m.counter("stagecast_streams_started_total", "Streams that went live")),
        resumed(m.counter("stagecast_streams_resumed_total",
                          "Publishers that came back within the grace period")),
        refused(m.counter("stagecast_publish_refused_total",
                          "Publishes refused because the stream already had a publisher")),
        ended(m.counter("stagecast_streams_ended_total", "Streams that ended")) {}

  asio::any_io_executor exec;
  StreamLifecycleListener& listener;
  const Clock& clock;
  LiveStreamOptions options;
  Gauge& live_gauge;
  Counter& started;
  Counter& resumed;
  Counter& refused;
  Counter& ended;

  mutable std::mutex mu;
  std::map<std::string, Entry> streams;
  uint64_t next_token = 1;
  // Set by the registry's destructor: the executor may be gone by then (its io_context destroyed
  // first), so nothing is posted to it any more; pending timers die with their io_context.
  std::atomic<bool> executor_gone{false};

  // Timer operations all run on `exec`; the closures keep the timer alive until they ran.
  void arm(std::shared_ptr<asio::steady_timer> timer, std::chrono::milliseconds after,
           std::function<void()> fire) {
    if (executor_gone) return;
    asio::post(exec, [timer, after, fire = std::move(fire)] {
      timer->expires_after(after);
      timer->async_wait([timer, fire](const boost::system::error_code& ec) {
        if (!ec) fire();
      });
    });
  }
  void cancel(std::shared_ptr<asio::steady_timer> timer) {
    if (timer && !executor_gone) asio::post(exec, [timer] { timer->cancel(); });
  }

  static void close_gate_and_end(Entry& e) {
    // Under the gate lock, so that no frame of the old publisher follows publish_end().
    if (e.gate) {
      std::lock_guard g(e.gate->mu);
      e.gate->open = false;
      e.hub->publish_end();
    } else {
      e.hub->publish_end();
    }
  }

  bool end(const std::string& id, const std::string& reason, uint64_t incarnation) {
    Entry e;
    {
      std::lock_guard lock(mu);
      auto it = streams.find(id);
      if (it == streams.end()) return false;
      if (incarnation != 0 && it->second.incarnation != incarnation) return false;
      e = std::move(it->second);
      streams.erase(it);
      live_gauge.set(static_cast<int64_t>(streams.size()));
    }
    ended.inc();
    cancel(e.grace_timer);
    cancel(e.max_timer);
    close_gate_and_end(e);
    e.stats->on_publisher(false, false);
    if (auto p = e.publisher.lock()) p->disconnect(reason);
    spdlog::info("live stream {} ended ({})", id, reason);
    listener.on_stream_ended(id, reason);
    return true;
  }

  void detach(const std::string& id, uint64_t token) {
    std::shared_ptr<Gate> gate;
    std::shared_ptr<IngestStatsMeter> stats;
    uint64_t incarnation = 0;
    uint64_t generation = 0;
    std::shared_ptr<asio::steady_timer> timer;
    {
      std::lock_guard lock(mu);
      auto it = streams.find(id);
      if (it == streams.end() || it->second.token != token) return;
      Entry& e = it->second;
      gate = std::move(e.gate);
      e.gate.reset();
      e.publisher.reset();
      e.token = 0;
      incarnation = e.incarnation;
      generation = ++e.grace_generation;
      if (!e.grace_timer) e.grace_timer = std::make_shared<asio::steady_timer>(exec);
      timer = e.grace_timer;
      stats = e.stats;
    }
    if (gate) {
      std::lock_guard g(gate->mu);
      gate->open = false;
    }
    stats->on_publisher(false, false);
    spdlog::info("live stream {}: publisher gone, grace period {} ms", id,
                 options.grace_period.count());
    listener.on_stream_interrupted(id);
    std::weak_ptr<Shared> weak = weak_from_this();
    arm(timer, options.grace_period, [weak, id, incarnation, generation] {
      auto self = weak.lock();
      if (!self) return;
      {
        std::lock_guard lock(self->mu);
        auto it = self->streams.find(id);
        if (it == self->streams.end() || it->second.incarnation != incarnation ||
            it->second.grace_generation != generation || it->second.token != 0) {
          return;  // resumed (or ended) meanwhile
        }
      }
      self->end(id, "publisher_gone", incarnation);
    });
  }
};

PublishLease::~PublishLease() {
  if (auto shared = registry_.lock()) shared->detach(stream_id_, token_);
}

bool PublishLease::publish_config(const media::StreamConfig& config) {
  std::lock_guard g(gate_->mu);
  if (!gate_->open) return false;
  stats_->on_config(config);
  hub_->publish_config(config);
  return true;
}

bool PublishLease::publish_frame(media::MediaFramePtr frame) {
  std::lock_guard g(gate_->mu);
  if (!gate_->open) return false;
  stats_->on_frame(*frame);
  hub_->publish_frame(std::move(frame));
  return true;
}

bool PublishLease::publish_opus(media::MediaFramePtr opus) {
  std::lock_guard g(gate_->mu);
  if (!gate_->open) return false;
  hub_->publish_opus(std::move(opus));
  return true;
}

bool PublishLease::publish_video_rtp(media::VideoRtpPacketPtr packet) {
  std::lock_guard g(gate_->mu);
  if (!gate_->open) return false;
  hub_->publish_video_rtp(std::move(packet));
  return true;
}

LiveStreamRegistry::LiveStreamRegistry(asio::any_io_executor timer_executor,
                                       StreamLifecycleListener& listener, MetricsRegistry& metrics,
                                       const Clock& clock, LiveStreamOptions options)
    : shared_(std::make_shared<PublishLease::Shared>(std::move(timer_executor), listener, metrics,
                                                     clock, options)) {}

LiveStreamRegistry::~LiveStreamRegistry() {
  shared_->executor_gone = true;
  end_all("shutdown");
}

Result<std::unique_ptr<PublishLease>> LiveStreamRegistry::attach(
    const std::string& stream_id, std::weak_ptr<IngestPublisher> publisher) {
  auto& s = *shared_;
  auto lease = std::make_unique<PublishLease>(PublishLease::Key{});
  lease->registry_ = shared_;
  lease->stream_id_ = stream_id;
  lease->gate_ = std::make_shared<PublishLease::Gate>();
  std::shared_ptr<asio::steady_timer> max_timer;
  std::shared_ptr<asio::steady_timer> grace_timer;
  uint64_t incarnation = 0;
  {
    std::lock_guard lock(s.mu);
    lease->token_ = s.next_token++;
    auto it = s.streams.find(stream_id);
    if (it != s.streams.end()) {
      auto& e = it->second;
      if (e.token != 0) {
        s.refused.inc();
        return make_error("already_publishing", "the stream already has a connected publisher");
      }
      e.token = lease->token_;
      e.gate = lease->gate_;
      e.publisher = std::move(publisher);
      ++e.grace_generation;  // the pending grace timer no longer applies
      grace_timer = e.grace_timer;
      lease->resumed_ = true;
      lease->hub_ = e.hub;
      lease->stats_ = e.stats;
    } else {
      PublishLease::Shared::Entry e;
      e.hub = std::make_shared<media::StreamHub>(stream_id);
      e.stats = std::make_shared<IngestStatsMeter>(s.clock, s.options.stats_window);
      e.gate = lease->gate_;
      e.publisher = std::move(publisher);
      e.token = lease->token_;
      e.incarnation = lease->token_;
      e.max_timer = std::make_shared<asio::steady_timer>(s.exec);
      max_timer = e.max_timer;
      incarnation = e.incarnation;
      lease->hub_ = e.hub;
      lease->stats_ = e.stats;
      s.streams.emplace(stream_id, std::move(e));
      s.live_gauge.set(static_cast<int64_t>(s.streams.size()));
    }
  }
  lease->stats_->on_publisher(true, lease->resumed_);
  if (lease->resumed_) {
    s.cancel(grace_timer);
    s.resumed.inc();
    lease->hub_->publish_discontinuity();
    spdlog::info("live stream {}: publisher resumed within the grace period", stream_id);
    s.listener.on_stream_resumed(stream_id, lease->hub_);
  } else {
    s.started.inc();
    std::weak_ptr<PublishLease::Shared> weak = shared_;
    s.arm(max_timer, s.options.max_duration, [weak, stream_id, incarnation] {
      if (auto self = weak.lock()) self->end(stream_id, "max_duration", incarnation);
    });
    spdlog::info("live stream {} is live", stream_id);
    s.listener.on_stream_live(stream_id, lease->hub_);
  }
  return lease;
}

bool LiveStreamRegistry::end_stream(const std::string& stream_id, const std::string& reason) {
  return shared_->end(stream_id, reason, 0);
}

void LiveStreamRegistry::end_all(const std::string& reason) {
  for (const auto& id : live_stream_ids()) shared_->end(id, reason, 0);
}

bool LiveStreamRegistry::is_live(const std::string& stream_id) const {
  std::lock_guard lock(shared_->mu);
  return shared_->streams.contains(stream_id);
}

std::vector<std::string> LiveStreamRegistry::live_stream_ids() const {
  std::lock_guard lock(shared_->mu);
  std::vector<std::string> ids;
  for (const auto& [id, e] : shared_->streams) ids.push_back(id);
  return ids;
}

std::shared_ptr<media::StreamHub> LiveStreamRegistry::hub(const std::string& stream_id) const {
  std::lock_guard lock(shared_->mu);
  auto it = shared_->streams.find(stream_id);
  return it == shared_->streams.end() ? nullptr : it->second.hub;
}

std::optional<IngestStats> LiveStreamRegistry::stats(const std::string& stream_id) const {
  std::shared_ptr<IngestStatsMeter> meter;
  {
    std::lock_guard lock(shared_->mu);
    auto it = shared_->streams.find(stream_id);
    if (it == shared_->streams.end()) return std::nullopt;
    meter = it->second.stats;
  }
  return meter->snapshot();
}

}  // namespace stagecast::ingest
