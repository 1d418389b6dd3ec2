#include "store/sqlite/sqlite_statement.h"

#include <fmt/format.h>

#include "store/errors.h"

namespace stagecast::store::sqlite {

void SqliteStatement::bind_text(int i, std::string_view v) {
  keep(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void SqliteStatement::bind_i64(int i, int64_t v) {
  keep(sqlite3_bind_int64(stmt_, i, v));
}

void SqliteStatement::bind_null(int i, sql::ParamType) {
  keep(sqlite3_bind_null(stmt_, i));
}

Result<bool> SqliteStatement::step() {
  if (bind_rc_ != SQLITE_OK) return sqlite_error(bind_rc_, db_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, db_, "step");
}

std::string SqliteStatement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

void SqliteStatement::release() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
  in_use = false;
}

Error sqlite_error(int rc, sqlite3* db, std::string_view what) {
  // SQLite's messages name tables and columns, never bound values, so they are safe to return.
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = fmt::format("sqlite {}: {}", what, detail);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: {
      int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
      if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return make_error(errc::kConflict, std::move(message));
      }
      return make_error(errc::kInvalidArgument, std::move(message));
    }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
    case SQLITE_PERM:
    case SQLITE_ABORT:
      return make_error(errc::kDbUnavailable, std::move(message));
    default:
      return make_error(errc::kInternal, std::move(message));
  }
}

}  // namespace stagecast::store::sqlite
