#pragma once
// Notifications and their outbox (docs/notifications.md): one row per user, stream and channel.
// In-app rows are what GET /api/notifications lists; the list, read marks and unread counts only
// ever look at the IN_APP channel.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

// What became of one claimed row (finish()).
struct DeliveryOutcome {
  std::string id;
  bool sent = false;  // SENT at `at_ms`; otherwise a failed attempt:
  int64_t at_ms = 0;
  std::string error;
  std::optional<int64_t> next_attempt_at;  // PENDING again then; nullopt: FAILED
};

// The process that holds a claimed row's lease: node.id and an id made at each start. Empty: the
// lease names nobody (tests, tools).
struct LeaseHolder {
  std::string node;
  std::string instance;
};

// A user reached on a channel by one notification (told_about()).
struct NotifiedRecipient {
  std::string user_id;
  NotificationChannel channel = NotificationChannel::kInApp;
  std::string idempotency_key;
};

// Rows of one channel in one status (the outbox metrics).
struct OutboxCount {
  NotificationChannel channel = NotificationChannel::kInApp;
  NotificationStatus status = NotificationStatus::kPending;
  int64_t count = 0;
};

class NotificationRepository {
 public:
  virtual ~NotificationRepository() = default;

  // Assigns an id when empty (and the id as idempotency key when that is empty).
  // conflict: the idempotency key exists already.
  virtual Result<Notification> create(const Notification& n) = 0;
  // Inserts all in one transaction (a stream going live notifies every subscriber). conflict as
  // create(), and then nothing is inserted.
  virtual Result<void> create_many(const std::vector<Notification>& ns) = 0;
  // The outbox's write: inserts, in one transaction, those whose idempotency key is new and
  // returns them (ids assigned); the others are left as they are. Writing the same batch twice
  // inserts nothing the second time.
  virtual Result<std::vector<Notification>> enqueue(const std::vector<Notification>& ns) = 0;
  // In-app only. Newest first, at most `limit` (clamped to [1, 200]); created before
  // `before_ms` when set.
  virtual Result<std::vector<Notification>> list_for_user(const std::string& user_id, int limit,
                                                          bool unread_only,
                                                          std::optional<int64_t> before_ms) = 0;
  virtual Result<Notification> find(const std::string& id) = 0;
  // In-app only; only the owner's notification is touched (the first read time is kept).
  // not_found (absent, someone else's, or not in-app).
  virtual Result<void> mark_read(const std::string& id, const std::string& user_id,
                                 int64_t at_ms) = 0;
  // In-app only.
  virtual Result<int64_t> count_unread(const std::string& user_id) = 0;

  // ---- delivery (channels other than IN_APP) ----
  // Claims up to `limit` PENDING rows of `channel` due at `now_ms` (oldest due first): in one
  // transaction each gets attempts + 1 and next_attempt_at = now_ms + lease_ms, so that another
  // worker (or node) does not take it while it is being sent, and a worker that dies while
  // sending leaves it to be tried again once the lease ends. `holder` is recorded with the lease
  // (reclaim_leases). Returns the claimed rows as stored.
  virtual Result<std::vector<Notification>> claim_due(NotificationChannel channel, int64_t now_ms,
                                                      int limit, int64_t lease_ms,
                                                      const LeaseHolder& holder = {}) = 0;
  // At a start: the PENDING rows of `channel` still leased by an earlier instance of this node
  // (same holder.node, another holder.instance) are due at `now_ms` again, instead of at the end
  // of their lease; their holder is cleared. Rows leased by other nodes are left alone. Returns
  // how many rows were taken back.
  virtual Result<int64_t> reclaim_leases(NotificationChannel channel, const LeaseHolder& holder,
                                         int64_t now_ms) = 0;
  // PENDING -> SENT. not_found when the row is not PENDING (sent or failed already).
  virtual Result<void> mark_sent(const std::string& id, int64_t at_ms) = 0;
  // Stays PENDING, next try at `next_attempt_at`; or FAILED when `next_attempt_at` is nullopt.
  virtual Result<void> mark_attempt_failed(const std::string& id, const std::string& error,
                                           std::optional<int64_t> next_attempt_at) = 0;
  // mark_sent / mark_attempt_failed of many rows in one transaction (a delivery worker's claimed
  // batch). Rows no longer PENDING are left as they are.
  virtual Result<void> finish(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // Who has a notification about `stream_id` of one of `kinds` that was delivered or is still
  // to be (SENT or PENDING; FAILED rows told nobody): one entry per row, ordered by user.
  virtual Result<std::vector<NotifiedRecipient>> told_about(
      const std::string& stream_id, const std::vector<std::string>& kinds) = 0;
  // Rows per channel and status (channels other than IN_APP).
  virtual Result<std::vector<OutboxCount>> outbox_counts() = 0;
  // The earliest next_attempt_at of a PENDING row of `channel` (the worker sleeps until then).
  virtual Result<std::optional<int64_t>> next_due(NotificationChannel channel) = 0;

  // Channel settings; the defaults (everything on) when the user has no row.
  virtual Result<NotificationSettings> settings(const std::string& user_id) = 0;
  // Inserts or replaces the user's row.
  virtual Result<NotificationSettings> put_settings(const NotificationSettings& s) = 0;

  // Per-artist mutes: a fan who muted an artist is left out of that artist's fan-outs.
  // The artists `user_id` muted (ordered by artist id).
  virtual Result<std::vector<std::string>> muted_artists(const std::string& user_id) = 0;
  // Replaces the user's whole list in one transaction.
  virtual Result<void> set_muted_artists(const std::string& user_id,
                                         const std::vector<std::string>& artist_ids,
                                         int64_t now_ms) = 0;
  // Mutes (true) or unmutes one artist; idempotent.
  virtual Result<void> set_muted(const std::string& user_id, const std::string& artist_id,
                                 bool muted, int64_t now_ms) = 0;
  // The users who muted `artist_id` (the fan-out leaves them out).
  virtual Result<std::vector<std::string>> muted_by(const std::string& artist_id) = 0;

  // Per-artist email mutes (a mail's unsubscribe link): no EMAIL row about that artist.
  virtual Result<std::vector<std::string>> email_muted_artists(const std::string& user_id) = 0;
  virtual Result<void> set_email_muted_artists(const std::string& user_id,
                                               const std::vector<std::string>& artist_ids,
                                               int64_t now_ms) = 0;
  // Idempotent.
  virtual Result<void> set_email_muted(const std::string& user_id, const std::string& artist_id,
                                       bool muted, int64_t now_ms) = 0;
  virtual Result<std::vector<std::string>> email_muted_by(const std::string& artist_id) = 0;
};

}  // namespace stagecast::store
