#include "store/sqlite/sqlite_connection.h"

#include <fmt/format.h>

#include "store/errors.h"

namespace stagecast::store::sqlite {

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(
    const std::string& path, const ConnectionOptions& options) {
  sqlite3* raw = nullptr;
  // NOMUTEX: SQLite's own per-connection mutex is redundant, SqliteDatabase serialises access.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(rc, raw, "open");
    sqlite3_close_v2(raw);
    return make_error(errc::kDbUnavailable, e.message);
  }
  auto conn = std::make_unique<SqliteConnection>(raw);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  if (path != ":memory:") {
    auto wal = conn->exec("PRAGMA journal_mode=WAL");
    if (!wal) return wal.error();
    // FULL: every commit is on disk before we answer (tips and webhook receipts must not be
    // lost on power failure, even though WAL's NORMAL would keep the file consistent).
    auto sync = conn->exec("PRAGMA synchronous=FULL");
    if (!sync) return sync.error();
  }
  auto fk = conn->exec("PRAGMA foreign_keys=ON");
  if (!fk) return fk.error();
  if (options.read_only) {
    auto ro = conn->exec("PRAGMA query_only=ON");
    if (!ro) return ro.error();
  }
  return conn;
}

SqliteConnection::~SqliteConnection() {
  cache_.clear();  // finalized before the handle closes
  sqlite3_close_v2(db_);
}

Result<sql::Statement> SqliteConnection::prepare(const std::string& query) {
  auto it = cache_.find(query);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, query.c_str(), static_cast<int>(query.size() + 1),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(rc, db_, "prepare");
    it = cache_.emplace(query, std::make_unique<SqliteStatement>(stmt, db_)).first;
  }
  if (it->second->in_use) {
    return make_error(errc::kInternal, "sqlite statement used twice at once: " + query);
  }
  it->second->in_use = true;
  return sql::Statement(it->second.get());
}

Result<void> SqliteConnection::exec(const std::string& query) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, query.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, "exec");
  return {};
}

int64_t SqliteConnection::changes() const { return sqlite3_changes64(db_); }

}  // namespace stagecast::store::sqlite
