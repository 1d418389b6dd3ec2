#include "core/random.h"
#include "store/errors.h"
#include "store/sqlite/sqlite_repositories.h"

namespace stagecast::store::sqlite {
namespace {

const std::string kColumns =
    "id, email, password_hash, display_name, role, stripe_account_id, created_at, updated_at";

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
  return u;
}

Result<User> find_by_id_on(SqliteConnection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM users WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<User>(*st, read_user, "user");
}

class SqliteUserRepository final : public UserRepository {
 public:
  explicit SqliteUserRepository(SqliteDatabase& db) : db_(db) {}

  Result<User> create(const User& user) override {
    User u = user;
    if (u.id.empty()) u.id = random_id();
    return db_.write([&](SqliteConnection& c) -> Result<User> {
      auto st = c.prepare(
          "INSERT INTO users (id, email, email_normalized, password_hash, display_name, role, "
          "stripe_account_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st) return st.error();
      st->bind_all(u.id, u.email, normalize_email(u.email), u.password_hash, u.display_name,
                   to_string(u.role), u.stripe_account_id, u.created_at, u.updated_at);
      if (auto r = st->run(); !r) return r.error();
      return u;
    });
  }

  Result<User> find_by_id(const std::string& id) override {
    return db_.read([&](SqliteConnection& c) { return find_by_id_on(c, id); });
  }

  Result<User> find_by_email(const std::string& email) override {
    return db_.read([&](SqliteConnection& c) -> Result<User> {
      auto st = c.prepare("SELECT " + kColumns + " FROM users WHERE email_normalized = ?");
      if (!st) return st.error();
      st->bind_all(normalize_email(email));
      return first_row<User>(*st, read_user, "user");
    });
  }

  Result<User> update(const User& u) override {
    return db_.write([&](SqliteConnection& c) -> Result<User> {
      auto st = c.prepare(
          "UPDATE users SET email = ?, email_normalized = ?, password_hash = ?, display_name = ?, "
          "role = ?, stripe_account_id = ?, updated_at = ? WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(u.email, normalize_email(u.email), u.password_hash, u.display_name,
                   to_string(u.role), u.stripe_account_id, u.updated_at, u.id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "user not found");
      return find_by_id_on(c, u.id);
    });
  }

  Result<User> upsert(const User& u) override {
    if (u.id.empty()) return make_error(errc::kInvalidArgument, "upsert needs a user id");
    return db_.write([&](SqliteConnection& c) -> Result<User> {
      // ON CONFLICT (id) DO UPDATE is shared by SQLite and PostgreSQL; a clash on the email
      // of another user still fails with a unique violation (conflict).
      auto st = c.prepare(
          "INSERT INTO users (id, email, email_normalized, password_hash, display_name, role, "
          "stripe_account_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO UPDATE SET email = excluded.email, "
          "email_normalized = excluded.email_normalized, "
          "password_hash = COALESCE(excluded.password_hash, users.password_hash), "
          "display_name = excluded.display_name, role = excluded.role, "
          "stripe_account_id = excluded.stripe_account_id, updated_at = excluded.updated_at");
      if (!st) return st.error();
      st->bind_all(u.id, u.email, normalize_email(u.email), u.password_hash, u.display_name,
                   to_string(u.role), u.stripe_account_id, u.created_at, u.updated_at);
      if (auto r = st->run(); !r) return r.error();
      return find_by_id_on(c, u.id);
    });
  }

 private:
  SqliteDatabase& db_;
};

}  // namespace

std::unique_ptr<UserRepository> make_user_repository(SqliteDatabase& db) {
  return std::make_unique<SqliteUserRepository>(db);
}

}  // namespace stagecast::store::sqlite
