#include <algorithm>

#include "core/random.h"
#include "store/errors.h"
#include "store/sqlite/sqlite_repositories.h"

namespace stagecast::store::sqlite {
namespace {

const std::string kColumns = "id, user_id, kind, payload, created_at, read_at";
const std::string kInsert =
    "INSERT INTO notifications (" + kColumns + ") VALUES (?, ?, ?, ?, ?, ?)";

Notification read_notification(const Statement& st) {
  return Notification{st.text(0), st.text(1), st.text(2), st.text(3), st.i64(4), st.opt_i64(5)};
}

Result<void> insert_on(SqliteConnection& c, const Notification& n) {
  auto st = c.prepare(kInsert);
  if (!st) return st.error();
  st->bind_all(n.id, n.user_id, n.kind, n.payload, n.created_at, n.read_at);
  return st->run();
}

class SqliteNotificationRepository final : public NotificationRepository {
 public:
  explicit SqliteNotificationRepository(SqliteDatabase& db) : db_(db) {}

  Result<Notification> create(const Notification& in) override {
    Notification n = in;
    if (n.id.empty()) n.id = random_id();
    return db_.write([&](SqliteConnection& c) -> Result<Notification> {
      if (auto r = insert_on(c, n); !r) return r.error();
      return n;
    });
  }

  Result<void> create_many(const std::vector<Notification>& ns) override {
    return db_.transaction([&](SqliteConnection& c) -> Result<void> {
      for (Notification n : ns) {
        if (n.id.empty()) n.id = random_id();
        if (auto r = insert_on(c, n); !r) return r.error();
      }
      return {};
    });
  }

  Result<std::vector<Notification>> list_for_user(const std::string& user_id, int limit,
                                                  bool unread_only,
                                                  std::optional<int64_t> before_ms) override {
    int n = std::clamp(limit, 1, 200);
    return db_.read([&](SqliteConnection& c) -> Result<std::vector<Notification>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM notifications WHERE user_id = ?1 "
                          "AND (?2 = 0 OR read_at IS NULL) AND (?3 IS NULL OR created_at < ?3) "
                          "ORDER BY created_at DESC, id DESC LIMIT ?4");
      if (!st) return st.error();
      st->bind_all(user_id, unread_only, before_ms, n);
      return collect_rows<Notification>(*st, read_notification);
    });
  }

  Result<void> mark_read(const std::string& id, const std::string& user_id,
                         int64_t at_ms) override {
    return db_.write([&](SqliteConnection& c) -> Result<void> {
      // COALESCE keeps the first read time when marked twice.
      auto st = c.prepare(
          "UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?");
      if (!st) return st.error();
      st->bind_all(at_ms, id, user_id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "notification not found");
      return {};
    });
  }

  Result<int64_t> count_unread(const std::string& user_id) override {
    return db_.read([&](SqliteConnection& c) -> Result<int64_t> {
      auto st = c.prepare(
          "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL");
      if (!st) return st.error();
      st->bind_all(user_id);
      return first_row<int64_t>(*st, [](const Statement& s) { return s.i64(0); }, "count");
    });
  }

 private:
  SqliteDatabase& db_;
};

}  // namespace

std::unique_ptr<NotificationRepository> make_notification_repository(SqliteDatabase& db) {
  return std::make_unique<SqliteNotificationRepository>(db);
}

}  // namespace stagecast::store::sqlite
