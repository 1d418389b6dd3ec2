#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, artist_id, title, description, visibility, min_tier, price_cents, currency, "
    "chat_enabled, chat_subscribers_only, chat_slow_mode_seconds, chat_blocked_words, record, "
    "scheduled_at, status, stream_key_hash, stream_key_rotated_at, started_at, ended_at, "
    "end_reason, peak_viewers, total_viewers, tip_count, tip_gross_cents, tip_fee_cents, "
    "chat_message_count, created_at, updated_at, deleted_at, transcode, recording_url";

// The blocked-word list is stored as a JSON array of strings: one column, readable by both
// databases (and by a human with the sqlite3 shell).
std::string encode_words(const std::vector<std::string>& words) {
  return nlohmann::json(words).dump();
}

std::vector<std::string> decode_words(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& w : j) {
    if (w.is_string()) out.push_back(w.get<std::string>());
  }
  return out;
}

LiveStream read_stream(const Statement& st) {
  LiveStream s;
  s.id = st.text(0);
  s.artist_id = st.text(1);
  s.title = st.text(2);
  s.description = st.text(3);
  s.visibility = parse_visibility(st.text(4)).value_or(Visibility::kPublic);
  s.min_tier = static_cast<int>(st.i64(5));
  s.price_cents = st.i64(6);
  s.currency = st.text(7);
  s.chat_enabled = st.boolean(8);
  s.chat_subscribers_only = st.boolean(9);
  s.chat_slow_mode_seconds = static_cast<int>(st.i64(10));
  s.chat_blocked_words = decode_words(st.text(11));
  s.record = st.boolean(12);
  s.scheduled_at = st.opt_i64(13);
  s.status = parse_stream_status(st.text(14)).value_or(StreamStatus::kEnded);
  s.stream_key_hash = st.text(15);
  s.stream_key_rotated_at = st.i64(16);
  s.started_at = st.opt_i64(17);
  s.ended_at = st.opt_i64(18);
  s.end_reason = st.opt_text(19);
  s.peak_viewers = st.i64(20);
  s.total_viewers = st.i64(21);
  s.tip_count = st.i64(22);
  s.tip_gross_cents = st.i64(23);
  s.tip_fee_cents = st.i64(24);
  s.chat_message_count = st.i64(25);
  s.created_at = st.i64(26);
  s.updated_at = st.i64(27);
  s.deleted_at = st.opt_i64(28);
  s.transcode = st.boolean(29);
  s.recording_url = st.opt_text(30);
  return s;
}

Result<LiveStream> find_on(Connection& c, const std::string& id) {
  auto st =
      c.prepare("SELECT " + kColumns + " FROM live_streams WHERE id = ? AND deleted_at IS NULL");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<LiveStream>(*st, read_stream, "stream");
}

// After a conditional UPDATE touched no row: tell "no such stream" from "wrong status".
Error no_change_error(Connection& c, const std::string& id, std::string_view what) {
  auto current = find_on(c, id);
  if (!current) return current.error();
  return make_error(errc::kInvalidTransition, std::string("cannot ") + std::string(what) +
                                                  " a stream that is " +
                                                  std::string(to_string(current->status)));
}

// Cursor: "<created_at>:<id>" of the last item of a page.
std::string encode_cursor(const LiveStream& s) {
  return std::to_string(s.created_at) + ":" + s.id;
}

std::optional<std::pair<int64_t, std::string>> decode_cursor(const std::string& cursor) {
  auto colon = cursor.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == cursor.size()) {
    return std::nullopt;
  }
  int64_t at = 0;
  auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + colon, at);
  if (ec != std::errc() || end != cursor.data() + colon) return std::nullopt;
  return std::make_pair(at, cursor.substr(colon + 1));
}

class SqlStreamRepository final : public StreamRepository {
 public:
  explicit SqlStreamRepository(Database& db) : db_(db) {}

  Result<LiveStream> create(const LiveStream& in) override {
    LiveStream s = in;
    if (s.id.empty()) s.id = random_id();
    s.status = s.scheduled_at ? StreamStatus::kScheduled : StreamStatus::kCreated;
    s.started_at.reset();
    s.ended_at.reset();
    s.end_reason.reset();
    s.deleted_at.reset();
    s.peak_viewers = s.total_viewers = s.tip_count = s.tip_gross_cents = s.tip_fee_cents =
        s.chat_message_count = 0;
    return db_.write([&](Connection& c) -> Result<LiveStream> {
      auto st = c.prepare("INSERT INTO live_streams (" + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                          "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st) return st.error();
      st->bind_all(s.id, s.artist_id, s.title, s.description, to_string(s.visibility), s.min_tier,
                   s.price_cents, s.currency, s.chat_enabled, s.chat_subscribers_only,
                   s.chat_slow_mode_seconds, encode_words(s.chat_blocked_words), s.record,
                   s.scheduled_at, to_string(s.status), s.stream_key_hash, s.stream_key_rotated_at,
                   s.started_at, s.ended_at, s.end_reason, s.peak_viewers, s.total_viewers,
                   s.tip_count, s.tip_gross_cents, s.tip_fee_cents, s.chat_message_count,
                   s.created_at, s.updated_at, s.deleted_at, s.transcode, s.recording_url);
      if (auto r = st->run(); !r) return r.error();
      return s;
    });
  }

  Result<LiveStream> find(const std::string& id) override {
    return db_.read([&](Connection& c) { return find_on(c, id); });
  }

  Result<LiveStream> find_by_key_hash(const std::string& hash) override {
    return db_.read([&](Connection& c) -> Result<LiveStream> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM live_streams WHERE stream_key_hash = ? AND deleted_at IS NULL");
      if (!st) return st.error();
      st->bind_all(hash);
      return first_row<LiveStream>(*st, read_stream, "stream");
    });
  }

  Result<StreamPage> list(const StreamFilter& f) override {
    int limit = std::clamp(f.limit, 1, 200);
    std::optional<int64_t> after_at;
    std::optional<std::string> after_id;
    if (f.cursor) {
      auto decoded = decode_cursor(*f.cursor);
      if (!decoded) return make_error(errc::kInvalidArgument, "malformed cursor");
      after_at = decoded->first;
      after_id = decoded->second;
    }
    std::optional<std::string> status;
    if (f.status) status = std::string(to_string(*f.status));
    return db_.read([&](Connection& c) -> Result<StreamPage> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM live_streams WHERE deleted_at IS NULL "
                          "AND (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR artist_id = ?2) "
                          "AND (?3 IS NULL OR created_at < ?3 OR (created_at = ?3 AND id < ?4)) "
                          "ORDER BY created_at DESC, id DESC LIMIT ?5");
      if (!st) return st.error();
      // One more than asked tells whether another page follows.
      st->bind_all(status, f.artist_id, after_at, after_id, limit + 1);
      auto rows = collect_rows<LiveStream>(*st, read_stream);
      if (!rows) return rows.error();
      StreamPage page;
      page.items = std::move(rows).value();
      if (static_cast<int>(page.items.size()) > limit) {
        page.items.resize(static_cast<size_t>(limit));
        page.next_cursor = encode_cursor(page.items.back());
      }
      return page;
    });
  }

  Result<LiveStream> update_settings(const std::string& id, const StreamSettingsUpdate& u,
                                     int64_t now_ms) override {
    return db_.transaction([&](Connection& c) -> Result<LiveStream> {
      auto current = find_on(c, id);
      if (!current) return current.error();
      LiveStream s = std::move(current).value();
      if (u.title) s.title = *u.title;
      if (u.description) s.description = *u.description;
      if (u.visibility) s.visibility = *u.visibility;
      if (u.min_tier) s.min_tier = *u.min_tier;
      if (u.price_cents) s.price_cents = *u.price_cents;
      if (u.currency) s.currency = *u.currency;
      if (u.chat_enabled) s.chat_enabled = *u.chat_enabled;
      if (u.chat_subscribers_only) s.chat_subscribers_only = *u.chat_subscribers_only;
      if (u.chat_slow_mode_seconds) s.chat_slow_mode_seconds = *u.chat_slow_mode_seconds;
      if (u.chat_blocked_words) s.chat_blocked_words = *u.chat_blocked_words;
      if (u.record) s.record = *u.record;
      if (u.transcode) s.transcode = *u.transcode;
      if (u.scheduled_at) {
        if (s.status != StreamStatus::kCreated && s.status != StreamStatus::kScheduled) {
          return make_error(errc::kInvalidTransition, "cannot reschedule a stream that is " +
                                                          std::string(to_string(s.status)));
        }
        s.scheduled_at = *u.scheduled_at;
        s.status = s.scheduled_at ? StreamStatus::kScheduled : StreamStatus::kCreated;
      }
      s.updated_at = now_ms;
      auto st = c.prepare(
          "UPDATE live_streams SET title = ?, description = ?, visibility = ?, min_tier = ?, "
          "price_cents = ?, currency = ?, chat_enabled = ?, chat_subscribers_only = ?, "
          "chat_slow_mode_seconds = ?, chat_blocked_words = ?, record = ?, scheduled_at = ?, "
          "status = ?, transcode = ?, updated_at = ? WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(s.title, s.description, to_string(s.visibility), s.min_tier, s.price_cents,
                   s.currency, s.chat_enabled, s.chat_subscribers_only, s.chat_slow_mode_seconds,
                   encode_words(s.chat_blocked_words), s.record, s.scheduled_at,
                   to_string(s.status), s.transcode, s.updated_at, s.id);
      if (auto r = st->run(); !r) return r.error();
      return s;
    });
  }

  Result<void> rotate_key(const std::string& id, const std::string& new_key_hash,
                          int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          "UPDATE live_streams SET stream_key_hash = ?, stream_key_rotated_at = ?, "
          "updated_at = ? WHERE id = ? AND deleted_at IS NULL");
      if (!st) return st.error();
      st->bind_all(new_key_hash, now_ms, now_ms, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "stream not found");
      return {};
    });
  }

  Result<LiveStream> mark_live(const std::string& id, int64_t started_at) override {
    return db_.transaction([&](Connection& c) -> Result<LiveStream> {
      auto st = c.prepare(
          "UPDATE live_streams SET status = 'LIVE', started_at = COALESCE(started_at, ?), "
          "updated_at = ? WHERE id = ? AND deleted_at IS NULL "
          "AND status IN ('CREATED', 'SCHEDULED', 'LIVE')");
      if (!st) return st.error();
      st->bind_all(started_at, started_at, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return no_change_error(c, id, "go live with");
      return find_on(c, id);
    });
  }

  Result<LiveStream> mark_ended(const std::string& id, int64_t ended_at,
                                const std::string& reason) override {
    return db_.transaction([&](Connection& c) -> Result<LiveStream> {
      auto st = c.prepare(
          "UPDATE live_streams SET status = 'ENDED', ended_at = ?, end_reason = ?, "
          "updated_at = ? WHERE id = ? AND deleted_at IS NULL "
          "AND status IN ('CREATED', 'SCHEDULED', 'LIVE')");
      if (!st) return st.error();
      st->bind_all(ended_at, reason, ended_at, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return no_change_error(c, id, "end");
      return find_on(c, id);
    });
  }

  Result<void> soft_delete(const std::string& id, int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          "UPDATE live_streams SET deleted_at = ?, updated_at = ? "
          "WHERE id = ? AND deleted_at IS NULL");
      if (!st) return st.error();
      st->bind_all(now_ms, now_ms, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "stream not found");
      return {};
    });
  }

  Result<void> update_viewer_stats(const std::string& id, int64_t current_viewers,
                                   int64_t total_viewers, int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          // CASE, not SQLite's two-argument MAX (PostgreSQL's is GREATEST).
          "UPDATE live_streams SET "
          "peak_viewers = CASE WHEN peak_viewers > ?1 THEN peak_viewers ELSE ?1 END, "
          "total_viewers = CASE WHEN total_viewers > ?2 THEN total_viewers ELSE ?2 END, "
          "updated_at = ?3 WHERE id = ?4 AND deleted_at IS NULL");
      if (!st) return st.error();
      st->bind_all(current_viewers, total_viewers, now_ms, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "stream not found");
      return {};
    });
  }

  Result<std::vector<LiveStream>> list_live() override {
    return db_.read([&](Connection& c) -> Result<std::vector<LiveStream>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM live_streams WHERE status = 'LIVE' AND deleted_at IS NULL "
                          "ORDER BY started_at, id");
      if (!st) return st.error();
      return collect_rows<LiveStream>(*st, read_stream);
    });
  }

  Result<std::vector<LiveStream>> list_upcoming(int64_t not_before, int limit) override {
    return db_.read([&](Connection& c) -> Result<std::vector<LiveStream>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM live_streams WHERE status = 'SCHEDULED' AND deleted_at IS NULL "
                          "AND scheduled_at >= ? ORDER BY scheduled_at, id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(not_before, std::clamp(limit, 1, 200));
      return collect_rows<LiveStream>(*st, read_stream);
    });
  }

  Result<std::vector<LiveStream>> list_reminders_due(int64_t now, int64_t lead,
                                                     int limit) override {
    return db_.read([&](Connection& c) -> Result<std::vector<LiveStream>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM live_streams WHERE status = 'SCHEDULED' AND deleted_at IS NULL "
                          "AND scheduled_at > ?1 AND scheduled_at <= ?1 + ?2 "
                          "AND (reminder_sent_for IS NULL OR reminder_sent_for <> scheduled_at) "
                          "ORDER BY scheduled_at, id LIMIT ?3");
      if (!st) return st.error();
      st->bind_all(now, lead, std::clamp(limit, 1, 200));
      return collect_rows<LiveStream>(*st, read_stream);
    });
  }

  Result<std::optional<int64_t>> next_unreminded(int64_t now) override {
    return db_.read([&](Connection& c) -> Result<std::optional<int64_t>> {
      auto st = c.prepare(
          "SELECT MIN(scheduled_at) FROM live_streams WHERE status = 'SCHEDULED' "
          "AND deleted_at IS NULL AND scheduled_at > ? "
          "AND (reminder_sent_for IS NULL OR reminder_sent_for <> scheduled_at)");
      if (!st) return st.error();
      st->bind_all(now);
      return first_row<std::optional<int64_t>>(
          *st, [](const Statement& r) { return r.opt_i64(0); }, "next reminder");
    });
  }

  Result<void> mark_reminded(const std::string& id, int64_t scheduled_at) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          "UPDATE live_streams SET reminder_sent_for = ? WHERE id = ? AND scheduled_at = ?");
      if (!st) return st.error();
      st->bind_all(scheduled_at, id, scheduled_at);
      return st->run();
    });
  }

  Result<bool> claim_reminder(const std::string& id, int64_t scheduled_at) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      auto st = c.prepare(
          "UPDATE live_streams SET reminder_sent_for = ?1 WHERE id = ?2 AND scheduled_at = ?1 "
          "AND status = 'SCHEDULED' AND deleted_at IS NULL "
          "AND (reminder_sent_for IS NULL OR reminder_sent_for <> ?1)");
      if (!st) return st.error();
      st->bind_all(scheduled_at, id);
      if (auto r = st->run(); !r) return r.error();
      return c.changes() == 1;
    });
  }

  Result<void> release_reminder(const std::string& id, int64_t scheduled_at) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          "UPDATE live_streams SET reminder_sent_for = NULL WHERE id = ? AND reminder_sent_for = "
          "?");
      if (!st) return st.error();
      st->bind_all(id, scheduled_at);
      return st->run();
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<StreamRepository> make_stream_repository(Database& db) {
  return std::make_unique<SqlStreamRepository>(db);
}

}  // namespace stagecast::store::sql
