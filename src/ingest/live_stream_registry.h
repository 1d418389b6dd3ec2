#pragma once
// The set of live streams on this node and their lifecycle (DESIGN.md "Media specifics"):
//
//   first publish          -> a new StreamHub, on_stream_live
//   publisher drops        -> on_stream_interrupted; the hub is kept for the grace period
//   comes back in time     -> same hub, publish_discontinuity(), on_stream_resumed
//   grace period runs out  -> publish_end(), on_stream_ended("publisher_gone")
//   maximum duration       -> publisher disconnected, publish_end(),
//   on_stream_ended("max_duration") end_stream()           -> the same, now (the API's end action)
//
// A second publisher on a stream whose publisher is connected is refused. Thread-safe: sessions
// on any I/O thread attach and detach; timers run on the executor given at construction.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/result.h"
#include "ingest/ingest_stats.h"
#include "ingest/stream_lifecycle_listener.h"
#include "media/stream_hub.h"

namespace stagecast::ingest {

struct LiveStreamOptions {
  std::chrono::milliseconds grace_period = std::chrono::seconds(10);
  std::chrono::milliseconds max_duration = std::chrono::hours(8);
  std::chrono::milliseconds stats_window = std::chrono::seconds(5);
};

// A connected publisher as the registry sees it.
class IngestPublisher {
 public:
  virtual ~IngestPublisher() = default;
  // Stop publishing and close the connection. Any thread; returns at once.
  virtual void disconnect(const std::string& reason) = 0;
};

class LiveStreamRegistry;

// What a publisher holds while it publishes. Its media calls reach the hub only while the lease
// is current: once the stream was ended (or the lease released), they return false and nothing
// reaches the sinks after publish_end(). Destroying the lease means "the publisher dropped".
class PublishLease {
  struct Key {
    explicit Key() = default;
  };

 public:
  explicit PublishLease(Key) {}  // only the registry hands leases out
  ~PublishLease();
  PublishLease(const PublishLease&) = delete;
  PublishLease& operator=(const PublishLease&) = delete;

  const std::string& stream_id() const { return stream_id_; }
  const std::shared_ptr<media::StreamHub>& hub() const { return hub_; }
  bool resumed() const { return resumed_; }

  bool publish_config(const media::StreamConfig& config);
  bool publish_frame(media::MediaFramePtr frame);
  // A WebRTC publisher's own Opus, beside the AAC (media::MediaSink::on_opus).
  bool publish_opus(media::MediaFramePtr opus);
  // A WebRTC publisher's video RTP, beside the frames (media::MediaSink::on_video_rtp).
  bool publish_video_rtp(media::VideoRtpPacketPtr packet);

  struct Gate;  // shared with the registry, which closes it when the stream ends
  struct Shared;

 private:
  friend class LiveStreamRegistry;

  std::weak_ptr<Shared> registry_;
  std::string stream_id_;
  uint64_t token_ = 0;
  bool resumed_ = false;
  std::shared_ptr<media::StreamHub> hub_;
  std::shared_ptr<IngestStatsMeter> stats_;
  std::shared_ptr<Gate> gate_;
};

class LiveStreamRegistry {
 public:
  LiveStreamRegistry(boost::asio::any_io_executor timer_executor, StreamLifecycleListener& listener,
                     MetricsRegistry& metrics, const Clock& clock, LiveStreamOptions options = {});
  // Ends every live stream still live ("shutdown") without touching the timer executor, so it may
  // run after the io_contexts were stopped or destroyed; the listener must still be alive.
  ~LiveStreamRegistry();

  LiveStreamRegistry(const LiveStreamRegistry&) = delete;
  LiveStreamRegistry& operator=(const LiveStreamRegistry&) = delete;

  // Error "already_publishing" when the stream has a connected publisher.
  Result<std::unique_ptr<PublishLease>> attach(const std::string& stream_id,
                                               std::weak_ptr<IngestPublisher> publisher);

  // Disconnects the publisher (if any) and ends the stream now. False if it was not live.
  bool end_stream(const std::string& stream_id, const std::string& reason = "ended");
  void end_all(const std::string& reason = "shutdown");

  bool is_live(const std::string& stream_id) const;
  std::vector<std::string> live_stream_ids() const;
  std::shared_ptr<media::StreamHub> hub(const std::string& stream_id) const;
  std::optional<IngestStats> stats(const std::string& stream_id) const;

 private:
  std::shared_ptr<PublishLease::Shared> shared_;
};

}  // namespace stagecast::ingest
