#include "store/sql/migrator.h"

#include <fmt/format.h>

#include <string>

namespace stagecast::store::sql {
namespace {

const std::string kBootstrap =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

Result<std::vector<int>> apply_locked(Database& db, std::span<const EmbeddedMigration> migrations,
                                      int64_t now_ms) {
  auto boot = db.write([](Connection& c) { return c.exec(kBootstrap); });
  if (!boot) return boot.error();

  int known = migrations.empty() ? 0 : migrations.back().version;
  auto newest = db.write([](Connection& c) -> Result<int64_t> {
    auto st = c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    return st->i64(0);
  });
  if (!newest) return newest.error();
  if (*newest > known) {
    return make_error(
        errc::kSchemaTooNew,
        fmt::format("database schema version {} is newer than this binary's {}", *newest, known));
  }

  std::vector<int> applied;
  for (const auto& m : migrations) {
    // Checked again inside the transaction: another process may have migrated meanwhile.
    auto r = db.transaction([&](Connection& c) -> Result<bool> {
      auto check = c.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
      if (!check) return check.error();
      check->bind_all(m.version);
      auto row = check->step();
      if (!row) return row.error();
      if (*row) return false;
      if (auto ran = c.exec(std::string(m.sql)); !ran) {
        return make_error(ran.error().code,
                          fmt::format("migration {}: {}", m.name, ran.error().message));
      }
      auto record =
          c.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (!record) return record.error();
      record->bind_all(m.version, m.name, now_ms);
      if (auto done = record->run(); !done) return done.error();
      return true;
    });
    if (!r) return r.error();
    if (*r) applied.push_back(m.version);
  }
  return applied;
}

}  // namespace

Result<std::vector<int>> apply_migrations(Database& db,
                                          std::span<const EmbeddedMigration> migrations,
                                          int64_t now_ms) {
  // Everything runs on the writer, the connection holding the lock: a second node starting at
  // once waits here, then finds every migration recorded.
  auto locked = db.write([](Connection& c) { return c.lock_migrations(); });
  if (!locked) return locked.error();
  auto applied = apply_locked(db, migrations, now_ms);
  auto unlocked = db.write([](Connection& c) { return c.unlock_migrations(); });
  if (applied && !unlocked) return unlocked.error();
  return applied;
}

Result<std::vector<SchemaMigration>> list_applied_migrations(Database& db) {
  return db.read([](Connection& c) -> Result<std::vector<SchemaMigration>> {
    auto st = c.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    if (!st) return st.error();
    std::vector<SchemaMigration> out;
    while (true) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back({static_cast<int>(st->i64(0)), st->text(1), st->i64(2)});
    }
    return out;
  });
}

}  // namespace stagecast::store::sql
