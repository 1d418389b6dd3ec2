#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, email, password_hash, display_name, role, stripe_account_id, created_at, updated_at, "
    "payouts_status, payouts_reason, payouts_simulated, payouts_event_at, artist_requested_at";

std::optional<std::string> payouts_name(const std::optional<PayoutsStatus>& s) {
  if (!s) return std::nullopt;
  return std::string(to_string(*s));
}

User read_user(const Statement& st) {
  User u;
  u.id = st.text(0);
  u.email = st.text(1);
  u.password_hash = st.opt_text(2);
  u.display_name = st.text(3);
  u.role = parse_role(st.text(4)).value_or(Role::kFan);
  u.stripe_account_id = st.opt_text(5);
  u.created_at = st.i64(6);
  u.updated_at = st.i64(7);
  if (auto status = st.opt_text(8)) u.payouts_status = parse_payouts_status(*status);
  u.payouts_reason = st.opt_text(9);
  u.payouts_simulated = st.boolean(10);
  u.payouts_event_at = st.i64(11);
  u.artist_requested_at = st.opt_i64(12);
  return u;
}

Result<User> find_by_id_on(Connection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM users WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<User>(*st, read_user, "user");
}

class SqlUserRepository final : public UserRepository {
 public:
  explicit SqlUserRepository(Database& db) : db_(db) {}

  Result<User> create(const User& user) override {
    User u = user;
    if (u.id.empty()) u.id = random_id();
    return db_.write([&](Connection& c) -> Result<User> {
      auto st = c.prepare(
          "INSERT INTO users (id, email, email_normalized, password_hash, display_name, role, "
          "stripe_account_id, created_at, updated_at, payouts_status, payouts_reason, "
          "payouts_simulated, payouts_event_at, artist_requested_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st) return st.error();
      st->bind_all(u.id, u.email, normalize_email(u.email), u.password_hash, u.display_name,
                   to_string(u.role), u.stripe_account_id, u.created_at, u.updated_at,
                   payouts_name(u.payouts_status), u.payouts_reason, u.payouts_simulated,
                   u.payouts_event_at, u.artist_requested_at);
      if (auto r = st->run(); !r) return r.error();
      return u;
    });
  }

  Result<User> find_by_id(const std::string& id) override {
    return db_.read([&](Connection& c) { return find_by_id_on(c, id); });
  }

  Result<User> find_by_email(const std::string& email) override {
    return db_.read([&](Connection& c) -> Result<User> {
      auto st = c.prepare("SELECT " + kColumns + " FROM users WHERE email_normalized = ?");
      if (!st) return st.error();
      st->bind_all(normalize_email(email));
      return first_row<User>(*st, read_user, "user");
    });
  }

  Result<User> update(const User& u) override {
    return db_.write([&](Connection& c) -> Result<User> {
      auto st = c.prepare(
          "UPDATE users SET email = ?, email_normalized = ?, password_hash = ?, display_name = ?, "
          "role = ?, stripe_account_id = ?, updated_at = ?, payouts_status = ?, "
          "payouts_reason = ?, payouts_simulated = ?, payouts_event_at = ?, "
          "artist_requested_at = ? WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(u.email, normalize_email(u.email), u.password_hash, u.display_name,
                   to_string(u.role), u.stripe_account_id, u.updated_at,
                   payouts_name(u.payouts_status), u.payouts_reason, u.payouts_simulated,
                   u.payouts_event_at, u.artist_requested_at, u.id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "user not found");
      return find_by_id_on(c, u.id);
    });
  }

  Result<User> upsert(const User& u) override {
    if (u.id.empty()) return make_error(errc::kInvalidArgument, "upsert needs a user id");
    return db_.write([&](Connection& c) -> Result<User> {
      // ON CONFLICT (id) DO UPDATE is shared by SQLite and PostgreSQL; a clash on the email
      // of another user still fails with a unique violation (conflict).
      auto st = c.prepare(
          "INSERT INTO users (id, email, email_normalized, password_hash, display_name, role, "
          "stripe_account_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO UPDATE SET email = excluded.email, "
          "email_normalized = excluded.email_normalized, "
          "password_hash = COALESCE(excluded.password_hash, users.password_hash), "
          "display_name = excluded.display_name, role = excluded.role, "
          "stripe_account_id = excluded.stripe_account_id, updated_at = excluded.updated_at, "
          // A platform that syncs another account id (or none) starts its verification over;
          // the same id keeps what Stripe said about it. A role other than FAN answers a
          // pending request to become an artist.
          "payouts_status = CASE WHEN users.stripe_account_id IS NOT DISTINCT FROM "
          "excluded.stripe_account_id "
          "THEN users.payouts_status ELSE NULL END, "
          "payouts_reason = CASE WHEN users.stripe_account_id IS NOT DISTINCT FROM "
          "excluded.stripe_account_id "
          "THEN users.payouts_reason ELSE NULL END, "
          "payouts_simulated = CASE WHEN users.stripe_account_id IS NOT DISTINCT FROM "
          "excluded.stripe_account_id "
          "THEN users.payouts_simulated ELSE 0 END, "
          "artist_requested_at = CASE WHEN excluded.role = 'FAN' THEN users.artist_requested_at "
          "ELSE NULL END");
      if (!st) return st.error();
      st->bind_all(u.id, u.email, normalize_email(u.email), u.password_hash, u.display_name,
                   to_string(u.role), u.stripe_account_id, u.created_at, u.updated_at);
      if (auto r = st->run(); !r) return r.error();
      return find_by_id_on(c, u.id);
    });
  }

  Result<std::vector<User>> list(const UserQuery& q) override {
    return db_.read([&](Connection& c) -> Result<std::vector<User>> {
      std::string sql = "SELECT " + kColumns + " FROM users WHERE 1 = 1";
      if (q.artist_requests_only) sql += " AND artist_requested_at IS NOT NULL";
      if (q.local_only) sql += " AND password_hash IS NOT NULL";
      if (q.after) sql += " AND (created_at > ? OR (created_at = ? AND id > ?))";
      sql += " ORDER BY created_at, id LIMIT ?";
      auto st = c.prepare(sql);
      if (!st) return st.error();
      int i = 1;
      if (q.after) {
        st->bind(i++, q.after->created_at);
        st->bind(i++, q.after->created_at);
        st->bind(i++, q.after->id);
      }
      st->bind(i, static_cast<int64_t>(q.limit));
      return collect_rows<User>(*st, read_user);
    });
  }

  Result<User> find_by_stripe_account(const std::string& account_id) override {
    return db_.read([&](Connection& c) -> Result<User> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM users WHERE stripe_account_id = ? ORDER BY created_at LIMIT 1");
      if (!st) return st.error();
      st->bind_all(account_id);
      return first_row<User>(*st, read_user, "user");
    });
  }

  Result<bool> set_payouts(const std::string& user_id, const std::string& account_id,
                           PayoutsStatus status, const std::optional<std::string>& reason,
                           bool simulated, int64_t event_at, int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      auto st = c.prepare(
          "UPDATE users SET payouts_status = ?, payouts_reason = ?, payouts_simulated = ?, "
          "payouts_event_at = ?, updated_at = ? "
          "WHERE id = ? AND stripe_account_id = ? AND payouts_event_at <= ?");
      if (!st) return st.error();
      st->bind_all(std::string(to_string(status)), reason, simulated, event_at, now_ms, user_id,
                   account_id, event_at);
      if (auto r = st->run(); !r) return r.error();
      return c.changes() > 0;
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<UserRepository> make_user_repository(Database& db) {
  return std::make_unique<SqlUserRepository>(db);
}

}  // namespace stagecast::store::sql
