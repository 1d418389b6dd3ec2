#pragma once
// How ingest tells the rest of the server that a live stream started, paused, resumed or ended.
// app/ wires it to the platform (status LIVE/ENDED, start time, notifications) and to the media
// sinks (HLS packager, recorder), which attach to the hub handed out here.

#include <memory>
#include <string>

#include "media/stream_hub.h"

namespace stagecast::ingest {

// Callbacks arrive on any thread (a publisher's I/O thread or the registry's timer executor) and
// never under a registry lock; they must not block.
class StreamLifecycleListener {
 public:
  virtual ~StreamLifecycleListener() = default;
  // The first publish of a stream: attach sinks to `hub` here.
  virtual void on_stream_live(const std::string& stream_id, std::shared_ptr<media::StreamHub> hub) = 0;
  // The publisher dropped; the grace period runs. The hub stays, sinks stay attached.
  virtual void on_stream_interrupted(const std::string& /*stream_id*/) {}
  // A publisher came back within the grace period: same hub, a discontinuity was published.
  virtual void on_stream_resumed(const std::string& /*stream_id*/,
                                 std::shared_ptr<media::StreamHub> /*hub*/) {}
  // The stream is over: "publisher_gone" (grace period expired), "max_duration", "ended" (the
  // API's end action), "shutdown". publish_end() has been delivered to the sinks.
  virtual void on_stream_ended(const std::string& stream_id, const std::string& reason) = 0;
};

}  // namespace stagecast::ingest
