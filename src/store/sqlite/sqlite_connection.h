#pragma once
// One SQLite connection with its cache of prepared statements. Not thread-safe: the database
// hands it to one thread at a time (SqliteDatabase).

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "store/sqlite/sqlite_statement.h"

namespace stagecast::store::sqlite {

struct ConnectionOptions {
  int busy_timeout_ms = 5000;
  bool read_only = false;  // PRAGMA query_only: a reader that cannot write by mistake
};

class SqliteConnection {
 public:
  // `path` is a file path or ":memory:". Sets WAL (files), foreign keys, the busy timeout.
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                        const ConnectionOptions& options);
  // Takes ownership of an open handle; use open().
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A cached prepared statement for this SQL text (prepared once per connection).
  Result<Statement> prepare(const std::string& sql);
  // Runs SQL without parameters (PRAGMAs, BEGIN/COMMIT, migration scripts of several
  // statements). Never for SQL carrying values.
  Result<void> exec(const std::string& sql);
  // How long a statement waits for another process's lock before SQLITE_BUSY.
  void set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }
  int64_t changes() const;

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_;
  // std::map: node addresses stay put, so Statement can hold a pointer to `in_use`.
  std::map<std::string, Cached> cache_;
};

}  // namespace stagecast::store::sqlite
