#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "stream_id, final, started_at, ended_at, bucket_ms, viewers_now, peak_viewers, peak_at, "
    "unique_viewers, watch_ms, chatters, messages, tips_count, tips_gross, tips_fee, tips_net, "
    "currency, new_subscribers, updated_at";

StreamAnalytics read_figures(const Statement& st) {
  StreamAnalytics a;
  a.stream_id = st.text(0);
  a.final = st.boolean(1);
  a.started_at = st.i64(2);
  a.ended_at = st.opt_i64(3);
  a.bucket_ms = st.i64(4);
  a.viewers_now = st.i64(5);
  a.peak_viewers = st.i64(6);
  a.peak_at = st.opt_i64(7);
  a.unique_viewers = st.i64(8);
  a.watch_ms = st.i64(9);
  a.chatters = st.i64(10);
  a.messages = st.i64(11);
  a.tips_count = st.i64(12);
  a.tips_gross = st.i64(13);
  a.tips_fee = st.i64(14);
  a.tips_net = st.i64(15);
  a.currency = st.opt_text(16);
  a.new_subscribers = st.i64(17);
  a.updated_at = st.i64(18);
  return a;
}

class SqlAnalyticsRepository final : public AnalyticsRepository {
 public:
  explicit SqlAnalyticsRepository(Database& db) : db_(db) {}

  Result<bool> save(const StreamAnalytics& a,
                    const std::vector<AnalyticsBucket>& buckets) override {
    return db_.transaction([&](Connection& c) -> Result<bool> {
      {
        auto st = c.prepare("SELECT final FROM stream_analytics WHERE stream_id = ?");
        if (!st) return st.error();
        st->bind_all(a.stream_id);
        auto row = st->step();
        if (!row) return row.error();
        if (*row && st->boolean(0) && !a.final) return false;  // the final summary stays
      }
      auto st = c.prepare("INSERT INTO stream_analytics (" + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (stream_id) DO UPDATE SET " +
                          excluded_assignments(kColumns));
      if (!st) return st.error();
      st->bind_all(a.stream_id, a.final, a.started_at, a.ended_at, a.bucket_ms, a.viewers_now,
                   a.peak_viewers, a.peak_at, a.unique_viewers, a.watch_ms, a.chatters, a.messages,
                   a.tips_count, a.tips_gross, a.tips_fee, a.tips_net, a.currency,
                   a.new_subscribers, a.updated_at);
      if (auto r = st->run(); !r) return r.error();
      const std::string sql =
          "INSERT INTO stream_analytics_buckets "
          "(stream_id, bucket, viewers, messages, tips, tips_gross) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (stream_id, bucket) DO UPDATE SET viewers = excluded.viewers, "
          "messages = excluded.messages, tips = excluded.tips, tips_gross = excluded.tips_gross";
      for (const AnalyticsBucket& b : buckets) {
        auto bst = c.prepare(sql);
        if (!bst) return bst.error();
        bst->bind_all(a.stream_id, b.bucket, b.viewers, b.messages, b.tips, b.tips_gross);
        if (auto r = bst->run(); !r) return r.error();
      }
      return true;
    });
  }

  Result<StreamAnalytics> find(const std::string& stream_id) override {
    return db_.read([&](Connection& c) -> Result<StreamAnalytics> {
      auto st = c.prepare("SELECT " + kColumns + " FROM stream_analytics WHERE stream_id = ?");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return first_row<StreamAnalytics>(*st, read_figures, "stream analytics");
    });
  }

  Result<std::vector<AnalyticsBucket>> buckets(const std::string& stream_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<AnalyticsBucket>> {
      auto st = c.prepare(
          "SELECT bucket, viewers, messages, tips, tips_gross FROM stream_analytics_buckets "
          "WHERE stream_id = ? ORDER BY bucket");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return collect_rows<AnalyticsBucket>(*st, [](const Statement& s) {
        return AnalyticsBucket{s.i64(0), s.i64(1), s.i64(2), s.i64(3), s.i64(4)};
      });
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<AnalyticsRepository> make_analytics_repository(Database& db) {
  return std::make_unique<SqlAnalyticsRepository>(db);
}

}  // namespace stagecast::store::sql
