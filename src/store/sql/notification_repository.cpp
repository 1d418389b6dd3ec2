#include <algorithm>

#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, user_id, kind, payload, created_at, read_at, stream_id, channel, idempotency_key, "
    "status, attempts, next_attempt_at, last_error, sent_at";
const std::string kInsert = "INSERT INTO notifications (" + kColumns +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

Notification read_notification(const Statement& st) {
  Notification n{st.text(0), st.text(1), st.text(2), st.text(3), st.i64(4), st.opt_i64(5)};
  n.stream_id = st.opt_text(6);
  n.channel = parse_notification_channel(st.text(7)).value_or(NotificationChannel::kInApp);
  n.idempotency_key = st.text(8);
  n.status = parse_notification_status(st.text(9)).value_or(NotificationStatus::kFailed);
  n.attempts = static_cast<int>(st.i64(10));
  n.next_attempt_at = st.i64(11);
  n.last_error = st.opt_text(12);
  n.sent_at = st.opt_i64(13);
  return n;
}

void assign_ids(Notification& n) {
  if (n.id.empty()) n.id = random_id();
  if (n.idempotency_key.empty()) n.idempotency_key = n.id;
}

Result<void> insert_on(Connection& c, const Notification& n, bool ignore_duplicate) {
  // ON CONFLICT ... DO NOTHING is shared by SQLite and PostgreSQL; only the key is a duplicate
  // that the outbox expects (a second went_live), so only it is ignored.
  auto st =
      c.prepare(ignore_duplicate ? kInsert + " ON CONFLICT (idempotency_key) DO NOTHING" : kInsert);
  if (!st) return st.error();
  st->bind_all(n.id, n.user_id, n.kind, n.payload, n.created_at, n.read_at, n.stream_id,
               to_string(n.channel), n.idempotency_key, to_string(n.status), n.attempts,
               n.next_attempt_at, n.last_error, n.sent_at);
  return st->run();
}

class SqlNotificationRepository final : public NotificationRepository {
 public:
  explicit SqlNotificationRepository(Database& db) : db_(db) {}

  Result<Notification> create(const Notification& in) override {
    Notification n = in;
    assign_ids(n);
    return db_.write([&](Connection& c) -> Result<Notification> {
      if (auto r = insert_on(c, n, false); !r) return r.error();
      return n;
    });
  }

  Result<void> create_many(const std::vector<Notification>& ns) override {
    return db_.transaction([&](Connection& c) -> Result<void> {
      for (Notification n : ns) {
        assign_ids(n);
        if (auto r = insert_on(c, n, false); !r) return r.error();
      }
      return {};
    });
  }

  Result<std::vector<Notification>> enqueue(const std::vector<Notification>& ns) override {
    return db_.transaction([&](Connection& c) -> Result<std::vector<Notification>> {
      std::vector<Notification> inserted;
      for (Notification n : ns) {
        assign_ids(n);
        if (auto r = insert_on(c, n, true); !r) return r.error();
        if (c.changes() == 1) inserted.push_back(std::move(n));
      }
      return inserted;
    });
  }

  Result<std::vector<Notification>> list_for_user(const std::string& user_id, int limit,
                                                  bool unread_only,
                                                  std::optional<int64_t> before_ms) override {
    int n = std::clamp(limit, 1, 200);
    return db_.read([&](Connection& c) -> Result<std::vector<Notification>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM notifications WHERE user_id = ?1 AND channel = 'IN_APP' "
                          "AND (?2 = 0 OR read_at IS NULL) AND (?3 IS NULL OR created_at < ?3) "
                          "ORDER BY created_at DESC, id DESC LIMIT ?4");
      if (!st) return st.error();
      st->bind_all(user_id, unread_only, before_ms, n);
      return collect_rows<Notification>(*st, read_notification);
    });
  }

  Result<Notification> find(const std::string& id) override {
    return db_.read([&](Connection& c) -> Result<Notification> {
      auto st = c.prepare("SELECT " + kColumns + " FROM notifications WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(id);
      return first_row<Notification>(*st, read_notification, "notification");
    });
  }

  Result<void> mark_read(const std::string& id, const std::string& user_id,
                         int64_t at_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      // COALESCE keeps the first read time when marked twice.
      auto st = c.prepare(
          "UPDATE notifications SET read_at = COALESCE(read_at, ?) "
          "WHERE id = ? AND user_id = ? AND channel = 'IN_APP'");
      if (!st) return st.error();
      st->bind_all(at_ms, id, user_id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "notification not found");
      return {};
    });
  }

  Result<int64_t> count_unread(const std::string& user_id) override {
    return db_.read([&](Connection& c) -> Result<int64_t> {
      auto st = c.prepare(
          "SELECT COUNT(*) FROM notifications "
          "WHERE user_id = ? AND channel = 'IN_APP' AND read_at IS NULL");
      if (!st) return st.error();
      st->bind_all(user_id);
      return first_row<int64_t>(
          *st, [](const Statement& s) { return s.i64(0); }, "count");
    });
  }

  Result<std::vector<Notification>> claim_due(NotificationChannel channel, int64_t now_ms,
                                              int limit, int64_t lease_ms,
                                              const LeaseHolder& holder) override {
    const std::string ch(to_string(channel));
    return db_.transaction([&](Connection& c) -> Result<std::vector<Notification>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM notifications WHERE channel = ? AND status = 'PENDING' "
                          "AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(ch, now_ms, std::clamp(limit, 1, 1000));
      auto rows = collect_rows<Notification>(*st, read_notification);
      if (!rows) return rows.error();
      for (Notification& n : *rows) {
        auto up = c.prepare(
            "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = ?, "
            "lease_node = ?, lease_instance = ? WHERE id = ? AND status = 'PENDING'");
        if (!up) return up.error();
        n.attempts += 1;
        n.next_attempt_at = now_ms + lease_ms;
        up->bind_all(n.next_attempt_at, optional_text(holder.node), optional_text(holder.instance),
                     n.id);
        if (auto r = up->run(); !r) return r.error();
      }
      return rows;
    });
  }

  Result<int64_t> reclaim_leases(NotificationChannel channel, const LeaseHolder& holder,
                                 int64_t now_ms) override {
    if (holder.node.empty()) return int64_t{0};
    return db_.write([&](Connection& c) -> Result<int64_t> {
      auto st = c.prepare(
          "UPDATE notifications SET next_attempt_at = ?, lease_node = NULL, "
          "lease_instance = NULL WHERE channel = ? AND status = 'PENDING' AND lease_node = ? "
          "AND (lease_instance IS NULL OR lease_instance <> ?) AND next_attempt_at > ?");
      if (!st) return st.error();
      st->bind_all(now_ms, std::string(to_string(channel)), holder.node, holder.instance, now_ms);
      if (auto r = st->run(); !r) return r.error();
      return static_cast<int64_t>(c.changes());
    });
  }

  Result<void> mark_sent(const std::string& id, int64_t at_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          "UPDATE notifications SET status = 'SENT', sent_at = ?, last_error = NULL, "
          "lease_node = NULL, lease_instance = NULL WHERE id = ? AND status = 'PENDING'");
      if (!st) return st.error();
      st->bind_all(at_ms, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "pending notification not found");
      return {};
    });
  }

  Result<void> mark_attempt_failed(const std::string& id, const std::string& error,
                                   std::optional<int64_t> next_attempt_at) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          "UPDATE notifications SET last_error = ?, "
          "status = CASE WHEN ? IS NULL THEN 'FAILED' ELSE 'PENDING' END, "
          "next_attempt_at = COALESCE(?, next_attempt_at), lease_node = NULL, "
          "lease_instance = NULL WHERE id = ? AND status = 'PENDING'");
      if (!st) return st.error();
      st->bind_all(error, next_attempt_at, next_attempt_at, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "pending notification not found");
      return {};
    });
  }

  Result<void> finish(const std::vector<DeliveryOutcome>& outcomes) override {
    if (outcomes.empty()) return {};
    return db_.transaction([&](Connection& c) -> Result<void> {
      for (const DeliveryOutcome& o : outcomes) {
        auto st = o.sent ? c.prepare(
                               "UPDATE notifications SET status = 'SENT', sent_at = ?, "
                               "last_error = NULL, lease_node = NULL, lease_instance = NULL "
                               "WHERE id = ? AND status = 'PENDING'")
                         : c.prepare(
                               "UPDATE notifications SET last_error = ?, "
                               "status = CASE WHEN ? IS NULL THEN 'FAILED' ELSE 'PENDING' END, "
                               "next_attempt_at = COALESCE(?, next_attempt_at), "
                               "lease_node = NULL, lease_instance = NULL "
                               "WHERE id = ? AND status = 'PENDING'");
        if (!st) return st.error();
        if (o.sent) {
          st->bind_all(o.at_ms, o.id);
        } else {
          st->bind_all(o.error, o.next_attempt_at, o.next_attempt_at, o.id);
        }
        if (auto r = st->run(); !r) return r.error();
      }
      return {};
    });
  }

  Result<std::vector<NotifiedRecipient>> told_about(
      const std::string& stream_id, const std::vector<std::string>& kinds) override {
    if (kinds.empty()) return std::vector<NotifiedRecipient>{};
    std::string in;
    for (size_t i = 0; i < kinds.size(); ++i) in += i == 0 ? "?" : ", ?";
    return db_.read([&](Connection& c) -> Result<std::vector<NotifiedRecipient>> {
      auto st = c.prepare(
          "SELECT user_id, channel, idempotency_key FROM notifications WHERE stream_id = ? "
          "AND status <> 'FAILED' AND kind IN (" +
          in + ") ORDER BY user_id, channel, idempotency_key");
      if (!st) return st.error();
      st->bind(1, stream_id);
      for (size_t i = 0; i < kinds.size(); ++i) st->bind(static_cast<int>(i) + 2, kinds[i]);
      return collect_rows<NotifiedRecipient>(*st, [](const Statement& s) {
        return NotifiedRecipient{
            s.text(0), parse_notification_channel(s.text(1)).value_or(NotificationChannel::kInApp),
            s.text(2)};
      });
    });
  }

  Result<std::vector<OutboxCount>> outbox_counts() override {
    return db_.read([&](Connection& c) -> Result<std::vector<OutboxCount>> {
      auto st = c.prepare(
          "SELECT channel, status, COUNT(*) FROM notifications WHERE channel <> 'IN_APP' "
          "GROUP BY channel, status");
      if (!st) return st.error();
      return collect_rows<OutboxCount>(*st, [](const Statement& s) {
        return OutboxCount{
            parse_notification_channel(s.text(0)).value_or(NotificationChannel::kInApp),
            parse_notification_status(s.text(1)).value_or(NotificationStatus::kPending), s.i64(2)};
      });
    });
  }

  Result<std::optional<int64_t>> next_due(NotificationChannel channel) override {
    return db_.read([&](Connection& c) -> Result<std::optional<int64_t>> {
      auto st = c.prepare(
          "SELECT MIN(next_attempt_at) FROM notifications WHERE channel = ? AND status = "
          "'PENDING'");
      if (!st) return st.error();
      st->bind_all(std::string(to_string(channel)));
      return first_row<std::optional<int64_t>>(
          *st, [](const Statement& s) { return s.opt_i64(0); }, "next due");
    });
  }

  Result<NotificationSettings> settings(const std::string& user_id) override {
    return db_.read([&](Connection& c) -> Result<NotificationSettings> {
      auto st = c.prepare(
          "SELECT in_app, email, updated_at FROM notification_settings WHERE user_id = ?");
      if (!st) return st.error();
      st->bind_all(user_id);
      auto row = st->step();
      if (!row) return row.error();
      NotificationSettings s;
      s.user_id = user_id;
      if (*row) {
        s.in_app = st->boolean(0);
        s.email = st->boolean(1);
        s.updated_at = st->i64(2);
      }
      return s;
    });
  }

  Result<NotificationSettings> put_settings(const NotificationSettings& s) override {
    return db_.write([&](Connection& c) -> Result<NotificationSettings> {
      auto st = c.prepare(
          "INSERT INTO notification_settings (user_id, in_app, email, updated_at) "
          "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET in_app = excluded.in_app, "
          "email = excluded.email, updated_at = excluded.updated_at");
      if (!st) return st.error();
      st->bind_all(s.user_id, s.in_app, s.email, s.updated_at);
      if (auto r = st->run(); !r) return r.error();
      return s;
    });
  }

  Result<std::vector<std::string>> muted_artists(const std::string& user_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
      auto st = c.prepare(
          "SELECT artist_id FROM notification_mutes WHERE user_id = ? ORDER BY artist_id");
      if (!st) return st.error();
      st->bind_all(user_id);
      return collect_rows<std::string>(*st, [](const Statement& r) { return r.text(0); });
    });
  }

  Result<void> set_muted_artists(const std::string& user_id,
                                 const std::vector<std::string>& artist_ids,
                                 int64_t now_ms) override {
    return db_.transaction([&](Connection& c) -> Result<void> {
      auto del = c.prepare("DELETE FROM notification_mutes WHERE user_id = ?");
      if (!del) return del.error();
      del->bind_all(user_id);
      if (auto r = del->run(); !r) return r.error();
      for (const std::string& a : artist_ids) {
        if (auto r = insert_mute(c, user_id, a, now_ms); !r) return r.error();
      }
      return {};
    });
  }

  Result<void> set_muted(const std::string& user_id, const std::string& artist_id, bool muted,
                         int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      if (muted) return insert_mute(c, user_id, artist_id, now_ms);
      auto st = c.prepare("DELETE FROM notification_mutes WHERE user_id = ? AND artist_id = ?");
      if (!st) return st.error();
      st->bind_all(user_id, artist_id);
      return st->run();
    });
  }

  Result<std::vector<std::string>> muted_by(const std::string& artist_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
      auto st = c.prepare("SELECT user_id FROM notification_mutes WHERE artist_id = ?");
      if (!st) return st.error();
      st->bind_all(artist_id);
      return collect_rows<std::string>(*st, [](const Statement& r) { return r.text(0); });
    });
  }

  Result<std::vector<std::string>> email_muted_artists(const std::string& user_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
      auto st = c.prepare(
          "SELECT artist_id FROM notification_email_mutes WHERE user_id = ? ORDER BY artist_id");
      if (!st) return st.error();
      st->bind_all(user_id);
      return collect_rows<std::string>(*st, [](const Statement& r) { return r.text(0); });
    });
  }

  Result<void> set_email_muted_artists(const std::string& user_id,
                                       const std::vector<std::string>& artist_ids,
                                       int64_t now_ms) override {
    return db_.transaction([&](Connection& c) -> Result<void> {
      auto del = c.prepare("DELETE FROM notification_email_mutes WHERE user_id = ?");
      if (!del) return del.error();
      del->bind_all(user_id);
      if (auto r = del->run(); !r) return r.error();
      for (const std::string& a : artist_ids) {
        if (auto r = insert_email_mute(c, user_id, a, now_ms); !r) return r.error();
      }
      return {};
    });
  }

  Result<void> set_email_muted(const std::string& user_id, const std::string& artist_id, bool muted,
                               int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      if (muted) return insert_email_mute(c, user_id, artist_id, now_ms);
      auto st =
          c.prepare("DELETE FROM notification_email_mutes WHERE user_id = ? AND artist_id = ?");
      if (!st) return st.error();
      st->bind_all(user_id, artist_id);
      return st->run();
    });
  }

  Result<std::vector<std::string>> email_muted_by(const std::string& artist_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
      auto st = c.prepare("SELECT user_id FROM notification_email_mutes WHERE artist_id = ?");
      if (!st) return st.error();
      st->bind_all(artist_id);
      return collect_rows<std::string>(*st, [](const Statement& r) { return r.text(0); });
    });
  }

 private:
  static std::optional<std::string> optional_text(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
  }

  static Result<void> insert_email_mute(Connection& c, const std::string& user_id,
                                        const std::string& artist_id, int64_t now_ms) {
    auto st = c.prepare(
        "INSERT INTO notification_email_mutes (user_id, artist_id, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, artist_id) DO NOTHING");
    if (!st) return st.error();
    st->bind_all(user_id, artist_id, now_ms);
    return st->run();
  }

  static Result<void> insert_mute(Connection& c, const std::string& user_id,
                                  const std::string& artist_id, int64_t now_ms) {
    auto st = c.prepare(
        "INSERT INTO notification_mutes (user_id, artist_id, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, artist_id) DO NOTHING");
    if (!st) return st.error();
    st->bind_all(user_id, artist_id, now_ms);
    return st->run();
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<NotificationRepository> make_notification_repository(Database& db) {
  return std::make_unique<SqlNotificationRepository>(db);
}

}  // namespace stagecast::store::sql
