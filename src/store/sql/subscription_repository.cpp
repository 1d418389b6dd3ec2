#include <algorithm>

#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns = "fan_id, artist_id, tier, status, expires_at, created_at, updated_at";

Subscription read_subscription(const Statement& st) {
  Subscription s;
  s.fan_id = st.text(0);
  s.artist_id = st.text(1);
  s.tier = static_cast<int>(st.i64(2));
  s.status = parse_subscription_status(st.text(3)).value_or(SubscriptionStatus::kExpired);
  s.expires_at = st.opt_i64(4);
  s.created_at = st.i64(5);
  s.updated_at = st.i64(6);
  return s;
}

Result<Subscription> find_on(Connection& c, const std::string& fan_id,
                             const std::string& artist_id) {
  auto st =
      c.prepare("SELECT " + kColumns + " FROM subscriptions WHERE fan_id = ? AND artist_id = ?");
  if (!st) return st.error();
  st->bind_all(fan_id, artist_id);
  return first_row<Subscription>(*st, read_subscription, "subscription");
}

class SqlSubscriptionRepository final : public SubscriptionRepository {
 public:
  explicit SqlSubscriptionRepository(Database& db) : db_(db) {}

  Result<Subscription> upsert(const Subscription& s) override {
    if (s.tier < 1) return make_error(errc::kInvalidArgument, "tier must be at least 1");
    return db_.write([&](Connection& c) -> Result<Subscription> {
      auto st = c.prepare(
          "INSERT INTO subscriptions (fan_id, artist_id, tier, status, expires_at, created_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (fan_id, artist_id) DO UPDATE SET tier = excluded.tier, "
          "status = excluded.status, expires_at = excluded.expires_at, "
          "updated_at = excluded.updated_at");
      if (!st) return st.error();
      st->bind_all(s.fan_id, s.artist_id, s.tier, to_string(s.status), s.expires_at, s.created_at,
                   s.updated_at);
      if (auto r = st->run(); !r) return r.error();
      return find_on(c, s.fan_id, s.artist_id);
    });
  }

  Result<Subscription> find(const std::string& fan_id, const std::string& artist_id) override {
    return db_.read([&](Connection& c) { return find_on(c, fan_id, artist_id); });
  }

  Result<std::vector<Subscription>> list_active_for_artist(const std::string& artist_id,
                                                           int64_t now_ms) override {
    return db_.read([&](Connection& c) -> Result<std::vector<Subscription>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM subscriptions WHERE artist_id = ? AND status = 'ACTIVE' "
                          "AND (expires_at IS NULL OR expires_at > ?) ORDER BY fan_id");
      if (!st) return st.error();
      st->bind_all(artist_id, now_ms);
      return collect_rows<Subscription>(*st, read_subscription);
    });
  }

  Result<std::vector<Subscription>> list_for_fan(const std::string& fan_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<Subscription>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM subscriptions WHERE fan_id = ? ORDER BY artist_id");
      if (!st) return st.error();
      st->bind_all(fan_id);
      return collect_rows<Subscription>(*st, read_subscription);
    });
  }

  Result<std::vector<Subscription>> list_recent(int limit) override {
    const int n = std::clamp(limit, 1, 500);
    return db_.read([&](Connection& c) -> Result<std::vector<Subscription>> {
      auto st =
          c.prepare("SELECT " + kColumns +
                    " FROM subscriptions ORDER BY updated_at DESC, fan_id, artist_id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(n);
      return collect_rows<Subscription>(*st, read_subscription);
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<SubscriptionRepository> make_subscription_repository(Database& db) {
  return std::make_unique<SqlSubscriptionRepository>(db);
}

}  // namespace stagecast::store::sql
