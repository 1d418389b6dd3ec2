#pragma once
// One libpq connection with its cache of prepared statements. Not thread-safe: the
// sql::Database hands it to one thread at a time. A connection the server dropped is
// re-established on its next use (its prepared statements are prepared again).

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "store/postgres/pg_statement.h"
#include "store/sql/connection.h"

namespace stagecast::store::postgres {

struct ConnectionOptions {
  int timeout_ms = 5000;   // connecting, and waiting for a lock another session holds
  bool read_only = false;  // default_transaction_read_only: a reader that cannot write
};

class PgConnection final : public sql::Connection {
 public:
  // `url` is a libpq URI (postgres://user:password@host:port/db?...). db_unavailable naming
  // host and port (never the password) when the server cannot be reached.
  static Result<std::unique_ptr<PgConnection>> open(const std::string& url,
                                                    const ConnectionOptions& options);
  PgConnection(PGconn* conn, std::string where, ConnectionOptions options)
      : conn_(conn), where_(std::move(where)), options_(options) {}
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Result<sql::Statement> prepare(const std::string& query) override;
  Result<void> exec(const std::string& query) override;
  int64_t changes() const override { return changes_; }
  void set_busy_timeout(int) override {}  // lock_timeout is set once per session
  // Serializable: a transaction that would see another node's concurrent write is aborted
  // (40001) and run again by sql::Database, so every transaction acts as if alone, as SQLite's.
  std::string begin_sql() const override { return "BEGIN ISOLATION LEVEL SERIALIZABLE"; }
  Result<void> lock_migrations() override;
  Result<void> unlock_migrations() override;

  // For PgStatement.
  PGconn* raw() { return conn_; }
  // Reconnects a connection the server dropped; db_unavailable when that fails.
  Result<void> ensure_open();
  uint64_t generation() const { return generation_; }
  std::string next_statement_name() { return "stagecast_" + std::to_string(++named_); }
  void set_changes(int64_t n) { changes_ = n; }
  const std::string& where() const { return where_; }

 private:
  Result<void> configure_session();

  PGconn* conn_;
  std::string where_;  // "host:port/db" for messages
  ConnectionOptions options_;
  uint64_t generation_ = 1;
  uint64_t named_ = 0;
  int64_t changes_ = 0;
  std::map<std::string, std::unique_ptr<PgStatement>> cache_;
};

// Maps a failed libpq result (or a null one: the connection failed) to the store's error codes.
// Messages are the server's primary message: they name constraints, never bound values.
Error pg_error(const PGresult* result, PGconn* conn, std::string_view what);

}  // namespace stagecast::store::postgres
