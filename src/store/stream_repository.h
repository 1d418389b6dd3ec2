#pragma once
// Live streams and their lifecycle CREATED/SCHEDULED -> LIVE -> ENDED. Status only moves through
// the mark_* methods, each a single conditional UPDATE, so two nodes racing cannot both win.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

struct StreamFilter {
  std::optional<StreamStatus> status;
  std::optional<std::string> artist_id;
  int limit = 50;  // clamped to [1, 200]
  // The next_cursor of the previous page; opaque.
  std::optional<std::string> cursor;
};

// Newest first (created_at, then id, descending).
struct StreamPage {
  std::vector<LiveStream> items;
  std::optional<std::string> next_cursor;  // none on the last page
};

// The settings an owner may change (PATCH); absent fields stay as they are.
struct StreamSettingsUpdate {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<Visibility> visibility;
  std::optional<int> min_tier;
  std::optional<int64_t> price_cents;
  std::optional<std::string> currency;
  std::optional<bool> chat_enabled;
  std::optional<bool> chat_subscribers_only;
  std::optional<int> chat_slow_mode_seconds;
  std::optional<std::vector<std::string>> chat_blocked_words;
  std::optional<bool> record;
  std::optional<bool> transcode;
  // Outer optional: whether to change it; inner: the new value (nullopt clears the schedule).
  // A CREATED/SCHEDULED stream becomes SCHEDULED when a time is set and CREATED when cleared.
  std::optional<std::optional<int64_t>> scheduled_at;
};

class StreamRepository {
 public:
  virtual ~StreamRepository() = default;

  // Inserts; assigns an id when empty. The status is SCHEDULED when scheduled_at is set and
  // CREATED otherwise (the argument's status and counters are ignored). conflict:
  // stream_key_hash or id taken. invalid_argument: unknown artist, min_tier < 1, negative price.
  virtual Result<LiveStream> create(const LiveStream& s) = 0;
  // not_found when absent or deleted.
  virtual Result<LiveStream> find(const std::string& id) = 0;
  virtual Result<LiveStream> find_by_key_hash(const std::string& stream_key_hash) = 0;
  virtual Result<StreamPage> list(const StreamFilter& filter) = 0;

  // not_found; invalid_transition when a schedule change is asked of a LIVE or ENDED stream.
  virtual Result<LiveStream> update_settings(const std::string& id,
                                             const StreamSettingsUpdate& update,
                                             int64_t now_ms) = 0;
  // conflict: the hash is in use (practically impossible with random keys).
  virtual Result<void> rotate_key(const std::string& id, const std::string& new_key_hash,
                                  int64_t now_ms) = 0;

  // CREATED | SCHEDULED | LIVE -> LIVE. From LIVE (a publisher reconnecting) the original
  // started_at is kept. invalid_transition from ENDED; not_found.
  virtual Result<LiveStream> mark_live(const std::string& id, int64_t started_at) = 0;
  // CREATED | SCHEDULED | LIVE -> ENDED with ended_at and end_reason ("ended_by_owner",
  // "publisher_gone", "max_duration", ...). invalid_transition from ENDED; not_found.
  virtual Result<LiveStream> mark_ended(const std::string& id, int64_t ended_at,
                                        const std::string& reason) = 0;
  // Soft delete (sets deleted_at). not_found when absent or already deleted.
  virtual Result<void> soft_delete(const std::string& id, int64_t now_ms) = 0;

  // Analytics counters; both only ever grow (max of stored and given), so nodes reporting
  // late or twice cannot lower them.
  // chat_message_count is kept by ChatRepository::append.
  virtual Result<void> update_viewer_stats(const std::string& id, int64_t current_viewers,
                                           int64_t total_viewers, int64_t now_ms) = 0;
  // Streams LIVE now, e.g. to end them cleanly after a crash or at the maximum duration.
  virtual Result<std::vector<LiveStream>> list_live() = 0;

  // ---- scheduled streams (docs/notifications.md, Scheduled streams) ----
  // "Coming up": SCHEDULED streams with scheduled_at >= not_before, soonest first (then id), at
  // most `limit` (clamped to [1, 200]).
  virtual Result<std::vector<LiveStream>> list_upcoming(int64_t not_before, int limit) = 0;
  // SCHEDULED streams whose reminder is due: scheduled_at in (now, now + lead] and no reminder
  // written for this scheduled_at yet (mark_reminded). Soonest first, at most `limit`.
  virtual Result<std::vector<LiveStream>> list_reminders_due(int64_t now, int64_t lead,
                                                             int limit) = 0;
  // The earliest scheduled_at after `now` of a SCHEDULED stream not yet reminded for it.
  virtual Result<std::optional<int64_t>> next_unreminded(int64_t now) = 0;
  // Records that the reminder for `scheduled_at` was written; a no-op when the stream has been
  // rescheduled meanwhile (its new time gets its own reminder).
  virtual Result<void> mark_reminded(const std::string& id, int64_t scheduled_at) = 0;
  // Records, only if it is not recorded yet, that `scheduled_at` needs no reminder any more (a
  // notice that stands in for it is about to be written): true when this call recorded it, false
  // when the stream is not SCHEDULED at that time any more or its reminder was recorded already
  // (by the scheduler's round or another node). One statement, so two callers never both win.
  virtual Result<bool> claim_reminder(const std::string& id, int64_t scheduled_at) = 0;
  // Undoes claim_reminder (the notice could not be written): the reminder is due again.
  virtual Result<void> release_reminder(const std::string& id, int64_t scheduled_at) = 0;
};

}  // namespace stagecast::store
