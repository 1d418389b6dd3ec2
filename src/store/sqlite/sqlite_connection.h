#pragma once
// One SQLite connection with its cache of prepared statements. Not thread-safe: the
// sql::Database hands it to one thread at a time.

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "store/sql/connection.h"
#include "store/sqlite/sqlite_statement.h"

namespace stagecast::store::sqlite {

struct ConnectionOptions {
  int busy_timeout_ms = 5000;
  bool read_only = false;  // PRAGMA query_only: a reader that cannot write by mistake
};

class SqliteConnection final : public sql::Connection {
 public:
  // `path` is a file path or ":memory:". Sets WAL (files), foreign keys, the busy timeout.
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                        const ConnectionOptions& options);
  // Takes ownership of an open handle; use open().
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Result<sql::Statement> prepare(const std::string& query) override;
  Result<void> exec(const std::string& query) override;
  void set_busy_timeout(int ms) override { sqlite3_busy_timeout(db_, ms); }
  int64_t changes() const override;
  // IMMEDIATE takes the write lock up front, so another process cannot make us fail half way.
  std::string begin_sql() const override { return "BEGIN IMMEDIATE"; }

 private:
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<SqliteStatement>> cache_;
};

}  // namespace stagecast::store::sqlite
