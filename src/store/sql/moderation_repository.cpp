#include <algorithm>

#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kActionColumns =
    "id, stream_id, artist_id, actor_id, target_user_id, action, message_id, duration_seconds, "
    "reason, created_at";
const std::string kBanColumns = "artist_id, user_id, expires_at, reason, created_by, created_at";
const std::string kModeratorColumns = "artist_id, moderator_user_id, appointed_by, created_at";

ModerationAction read_action(const Statement& st) {
  ModerationAction a;
  a.id = st.text(0);
  a.stream_id = st.opt_text(1);
  a.artist_id = st.text(2);
  a.actor_id = st.text(3);
  a.target_user_id = st.opt_text(4);
  a.action =
      parse_moderation_action_kind(st.text(5)).value_or(ModerationActionKind::kDeleteMessage);
  a.message_id = st.opt_text(6);
  a.duration_seconds = st.opt_i64(7);
  a.reason = st.opt_text(8);
  a.created_at = st.i64(9);
  return a;
}

StreamBan read_ban(const Statement& st) {
  return StreamBan{st.text(0), st.text(1), st.opt_i64(2), st.opt_text(3), st.text(4), st.i64(5)};
}

StreamModerator read_moderator(const Statement& st) {
  return StreamModerator{st.text(0), st.text(1), st.text(2), st.i64(3)};
}

class SqlModerationRepository final : public ModerationRepository {
 public:
  explicit SqlModerationRepository(Database& db) : db_(db) {}

  Result<ModerationAction> record_action(const ModerationAction& in) override {
    ModerationAction a = in;
    if (a.id.empty()) a.id = random_id();
    return db_.write([&](Connection& c) -> Result<ModerationAction> {
      auto st = c.prepare("INSERT INTO moderation_actions (" + kActionColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st) return st.error();
      st->bind_all(a.id, a.stream_id, a.artist_id, a.actor_id, a.target_user_id,
                   to_string(a.action), a.message_id, a.duration_seconds, a.reason, a.created_at);
      if (auto r = st->run(); !r) return r.error();
      return a;
    });
  }

  Result<std::vector<ModerationAction>> list_actions_for_stream(const std::string& stream_id,
                                                                int limit) override {
    return list_actions("stream_id", stream_id, limit);
  }

  Result<std::vector<ModerationAction>> list_actions_for_artist(const std::string& artist_id,
                                                                int limit) override {
    return list_actions("artist_id", artist_id, limit);
  }

  Result<StreamBan> put_ban(const StreamBan& b) override {
    return db_.write([&](Connection& c) -> Result<StreamBan> {
      auto st = c.prepare("INSERT INTO stream_bans (" + kBanColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (artist_id, user_id) DO UPDATE "
                          "SET expires_at = excluded.expires_at, reason = excluded.reason, "
                          "created_by = excluded.created_by, created_at = excluded.created_at");
      if (!st) return st.error();
      st->bind_all(b.artist_id, b.user_id, b.expires_at, b.reason, b.created_by, b.created_at);
      if (auto r = st->run(); !r) return r.error();
      return b;
    });
  }

  Result<bool> remove_ban(const std::string& artist_id, const std::string& user_id) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      auto st = c.prepare("DELETE FROM stream_bans WHERE artist_id = ? AND user_id = ?");
      if (!st) return st.error();
      st->bind_all(artist_id, user_id);
      if (auto r = st->run(); !r) return r.error();
      return c.changes() > 0;
    });
  }

  Result<std::optional<StreamBan>> find_active_ban(const std::string& artist_id,
                                                   const std::string& user_id,
                                                   int64_t now_ms) override {
    return db_.read([&](Connection& c) -> Result<std::optional<StreamBan>> {
      auto st = c.prepare("SELECT " + kBanColumns +
                          " FROM stream_bans WHERE artist_id = ? AND user_id = ? "
                          "AND (expires_at IS NULL OR expires_at > ?)");
      if (!st) return st.error();
      st->bind_all(artist_id, user_id, now_ms);
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) return std::optional<StreamBan>();
      return std::optional<StreamBan>(read_ban(*st));
    });
  }

  Result<std::vector<StreamBan>> list_active_bans(const std::string& artist_id,
                                                  int64_t now_ms) override {
    return db_.read([&](Connection& c) -> Result<std::vector<StreamBan>> {
      auto st = c.prepare("SELECT " + kBanColumns +
                          " FROM stream_bans WHERE artist_id = ? "
                          "AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at");
      if (!st) return st.error();
      st->bind_all(artist_id, now_ms);
      return collect_rows<StreamBan>(*st, read_ban);
    });
  }

  Result<bool> add_moderator(const StreamModerator& m) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      auto st = c.prepare("INSERT INTO stream_moderators (" + kModeratorColumns +
                          ") VALUES (?, ?, ?, ?) ON CONFLICT (artist_id, moderator_user_id) "
                          "DO NOTHING");
      if (!st) return st.error();
      st->bind_all(m.artist_id, m.moderator_user_id, m.appointed_by, m.created_at);
      if (auto r = st->run(); !r) return r.error();
      return c.changes() > 0;
    });
  }

  Result<bool> remove_moderator(const std::string& artist_id,
                                const std::string& moderator_user_id) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      auto st =
          c.prepare("DELETE FROM stream_moderators WHERE artist_id = ? AND moderator_user_id = ?");
      if (!st) return st.error();
      st->bind_all(artist_id, moderator_user_id);
      if (auto r = st->run(); !r) return r.error();
      return c.changes() > 0;
    });
  }

  Result<bool> is_moderator(const std::string& artist_id, const std::string& user_id) override {
    return db_.read([&](Connection& c) -> Result<bool> {
      auto st = c.prepare(
          "SELECT 1 FROM stream_moderators WHERE artist_id = ? AND moderator_user_id = ?");
      if (!st) return st.error();
      st->bind_all(artist_id, user_id);
      return st->step();
    });
  }

  Result<std::vector<StreamModerator>> list_moderators(const std::string& artist_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<StreamModerator>> {
      auto st = c.prepare("SELECT " + kModeratorColumns +
                          " FROM stream_moderators WHERE artist_id = ? ORDER BY created_at");
      if (!st) return st.error();
      st->bind_all(artist_id);
      return collect_rows<StreamModerator>(*st, read_moderator);
    });
  }

  Result<std::vector<ModerationAction>> list_recent_actions(int limit) override {
    const int n = std::clamp(limit, 1, 500);
    return db_.read([&](Connection& c) -> Result<std::vector<ModerationAction>> {
      auto st = c.prepare("SELECT " + kActionColumns +
                          " FROM moderation_actions ORDER BY created_at DESC, id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(n);
      return collect_rows<ModerationAction>(*st, read_action);
    });
  }

 private:
  // `column` is one of two fixed names chosen above, never caller input.
  Result<std::vector<ModerationAction>> list_actions(const char* column, const std::string& key,
                                                     int limit) {
    int n = std::clamp(limit, 1, 500);
    return db_.read([&](Connection& c) -> Result<std::vector<ModerationAction>> {
      auto st = c.prepare("SELECT " + kActionColumns + " FROM moderation_actions WHERE " + column +
                          " = ? ORDER BY created_at DESC, id DESC LIMIT ?");
      if (!st) return st.error();
      st->bind_all(key, n);
      return collect_rows<ModerationAction>(*st, read_action);
    });
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<ModerationRepository> make_moderation_repository(Database& db) {
  return std::make_unique<SqlModerationRepository>(db);
}

}  // namespace stagecast::store::sql
