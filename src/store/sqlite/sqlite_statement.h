#pragma once
// SQLite's side of a sql::Statement: one prepared sqlite3_stmt, kept in its connection's cache.

#include <sqlite3.h>

#include <string_view>

#include "store/sql/statement.h"

namespace stagecast::store::sqlite {

class SqliteStatement final : public sql::StatementImpl {
 public:
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Taken by a Statement until release(); a statement is used by one caller at a time.
  bool in_use = false;

  void bind_text(int i, std::string_view v) override;
  void bind_i64(int i, int64_t v) override;
  void bind_bool(int i, bool v) override { bind_i64(i, v ? 1 : 0); }
  void bind_null(int i, sql::ParamType type) override;
  Result<bool> step() override;
  std::string text(int col) const override;
  int64_t i64(int col) const override { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  void release() override;

 private:
  void keep(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_rc_ = SQLITE_OK;
};

// Maps an SQLite result code to the store's error codes (errors.h).
Error sqlite_error(int rc, sqlite3* db, std::string_view what);

}  // namespace stagecast::store::sqlite
