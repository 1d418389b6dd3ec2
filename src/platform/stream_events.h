#pragma once
// What StreamService tells the rest of the system about a stream's life (notifications, the
// realtime gateway, analytics, ingest). Called synchronously on the worker thread that made the
// change, after the store has it: implementations post to their own executor and return at once,
// and must not throw.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/records.h"

namespace stagecast::platform {

class StreamEvents {
 public:
  virtual ~StreamEvents() = default;

  // CREATED/SCHEDULED -> LIVE (not on a publisher's reconnect within the grace period).
  virtual void went_live(const store::LiveStream& stream) { (void)stream; }
  // -> ENDED; reason as stored ("ended_by_owner", "publisher_gone", "max_duration", ...).
  virtual void ended(const store::LiveStream& stream, std::string_view reason) {
    (void)stream;
    (void)reason;
  }
  // The stream key changed: a publisher connected with the old key should be dropped.
  virtual void key_rotated(const std::string& stream_id) { (void)stream_id; }
  // The owner changed the stream's settings (chat settings included): the stream as stored now.
  virtual void settings_changed(const store::LiveStream& stream) { (void)stream; }
  // A stream that has not gone live got a scheduled time (created or edited with scheduledAt),
  // a new one, lost it (scheduledAt cleared), or was cancelled (ended or deleted while
  // SCHEDULED: `cancelled`). `stream` as stored now; `previous_at` its scheduled time before.
  virtual void schedule_changed(const store::LiveStream& stream, std::optional<int64_t> previous_at,
                                bool cancelled) {
    (void)stream;
    (void)previous_at;
    (void)cancelled;
  }
};

}  // namespace stagecast::platform
