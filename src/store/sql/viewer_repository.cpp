#include <algorithm>

#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, stream_id, user_id, session_id, joined_at, left_at, watch_ms, rendition, device";

StreamViewer read_viewer(const Statement& st) {
  return StreamViewer{st.text(0),    st.text(1), st.opt_text(2), st.opt_text(3), st.i64(4),
                      st.opt_i64(5), st.i64(6),  st.opt_text(7), st.opt_text(8)};
}

Result<StreamViewer> find_on(Connection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM stream_viewers WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<StreamViewer>(*st, read_viewer, "viewer session");
}

class SqlViewerRepository final : public ViewerRepository {
 public:
  explicit SqlViewerRepository(Database& db) : db_(db) {}

  Result<StreamViewer> record_join(const StreamViewer& in) override {
    StreamViewer v = in;
    if (v.id.empty()) v.id = random_id();
    v.left_at.reset();
    v.watch_ms = 0;
    return db_.write([&](Connection& c) -> Result<StreamViewer> {
      auto st = c.prepare("INSERT INTO stream_viewers (" + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, NULL, 0, ?, ?)");
      if (!st) return st.error();
      st->bind_all(v.id, v.stream_id, v.user_id, v.session_id, v.joined_at, v.rendition, v.device);
      if (auto r = st->run(); !r) return r.error();
      return v;
    });
  }

  Result<StreamViewer> record_leave(const std::string& viewer_id, int64_t left_at) override {
    return db_.write([&](Connection& c) -> Result<StreamViewer> {
      // A clock step backwards must not produce a negative watch time.
      auto st = c.prepare(
          "UPDATE stream_viewers SET left_at = ?, "
          "watch_ms = CASE WHEN ? > joined_at THEN ? - joined_at ELSE 0 END "
          "WHERE id = ? AND left_at IS NULL");
      if (!st) return st.error();
      st->bind_all(left_at, left_at, left_at, viewer_id);
      if (auto r = st->run(); !r) return r.error();
      return find_on(c, viewer_id);
    });
  }

  Result<int64_t> close_all(const std::string& stream_id, int64_t left_at) override {
    return db_.write([&](Connection& c) -> Result<int64_t> {
      auto st = c.prepare(
          "UPDATE stream_viewers SET left_at = ?, "
          "watch_ms = CASE WHEN ? > joined_at THEN ? - joined_at ELSE 0 END "
          "WHERE stream_id = ? AND left_at IS NULL");
      if (!st) return st.error();
      st->bind_all(left_at, left_at, left_at, stream_id);
      if (auto r = st->run(); !r) return r.error();
      return c.changes();
    });
  }

  Result<ViewerStats> stats_for_stream(const std::string& stream_id) override {
    return db_.read([&](Connection& c) -> Result<ViewerStats> {
      // A viewer is their user id when signed in, else their anonymous session, else the row.
      auto st = c.prepare(
          "SELECT COUNT(*), "
          "COUNT(DISTINCT COALESCE('u:' || user_id, 's:' || session_id, 'v:' || id)), "
          "COALESCE(SUM(watch_ms), 0), "
          "COALESCE(SUM(CASE WHEN left_at IS NULL THEN 1 ELSE 0 END), 0) "
          "FROM stream_viewers WHERE stream_id = ?");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return first_row<ViewerStats>(
          *st,
          [](const Statement& s) {
            return ViewerStats{s.i64(0), s.i64(1), s.i64(2), s.i64(3)};
          },
          "viewer stats");
    });
  }

  Result<void> save_all(const std::vector<StreamViewer>& rows) override {
    if (rows.empty()) return {};
    return db_.transaction([&](Connection& c) -> Result<void> {
      const std::string sql =
          "INSERT INTO stream_viewers (" + kColumns +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET " +
          excluded_assignments(kColumns);
      for (const StreamViewer& v : rows) {
        auto st = c.prepare(sql);  // cached: the same statement, reset when it goes
        if (!st) return st.error();
        st->bind_all(v.id, v.stream_id, v.user_id, v.session_id, v.joined_at, v.left_at,
                     std::max<int64_t>(0, v.watch_ms), v.rendition, v.device);
        if (auto r = st->run(); !r) return r.error();
      }
      return {};
    });
  }

  Result<std::vector<StreamViewer>> list_for_stream(const std::string& stream_id,
                                                    int64_t limit) override {
    return db_.read([&](Connection& c) -> Result<std::vector<StreamViewer>> {
      auto st =
          c.prepare("SELECT " + kColumns +
                    " FROM stream_viewers WHERE stream_id = ? ORDER BY joined_at, id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(stream_id, limit);
      return collect_rows<StreamViewer>(*st, read_viewer);
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<ViewerRepository> make_viewer_repository(Database& db) {
  return std::make_unique<SqlViewerRepository>(db);
}

}  // namespace stagecast::store::sql
