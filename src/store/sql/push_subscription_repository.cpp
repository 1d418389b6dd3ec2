#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns = "id, user_id, endpoint, p256dh, auth, created_at";

PushSubscription read_push(const Statement& st) {
  return PushSubscription{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.i64(5)};
}

class SqlPushSubscriptionRepository final : public PushSubscriptionRepository {
 public:
  explicit SqlPushSubscriptionRepository(Database& db) : db_(db) {}

  Result<PushSubscription> upsert(const PushSubscription& in) override {
    PushSubscription p = in;
    if (p.id.empty()) p.id = random_id();
    return db_.write([&](Connection& c) -> Result<PushSubscription> {
      auto st = c.prepare("INSERT INTO push_subscriptions (" + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET "
                          "user_id = excluded.user_id, p256dh = excluded.p256dh, "
                          "auth = excluded.auth");
      if (!st) return st.error();
      st->bind_all(p.id, p.user_id, p.endpoint, p.p256dh, p.auth, p.created_at);
      if (auto r = st->run(); !r) return r.error();
      auto back = c.prepare("SELECT " + kColumns + " FROM push_subscriptions WHERE endpoint = ?");
      if (!back) return back.error();
      back->bind_all(p.endpoint);
      return first_row<PushSubscription>(*back, read_push, "push subscription");
    });
  }

  Result<std::vector<PushSubscription>> list_for_user(const std::string& user_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<PushSubscription>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, id");
      if (!st) return st.error();
      st->bind_all(user_id);
      return collect_rows<PushSubscription>(*st, read_push);
    });
  }

  Result<PushSubscription> find(const std::string& id) override {
    return db_.read([&](Connection& c) -> Result<PushSubscription> {
      auto st = c.prepare("SELECT " + kColumns + " FROM push_subscriptions WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(id);
      return first_row<PushSubscription>(*st, read_push, "push subscription");
    });
  }

  Result<bool> remove_by_endpoint(const std::string& endpoint) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      auto st = c.prepare("DELETE FROM push_subscriptions WHERE endpoint = ?");
      if (!st) return st.error();
      st->bind_all(endpoint);
      if (auto r = st->run(); !r) return r.error();
      return c.changes() > 0;
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<PushSubscriptionRepository> make_push_subscription_repository(Database& db) {
  return std::make_unique<SqlPushSubscriptionRepository>(db);
}

}  // namespace stagecast::store::sql
