#pragma once
// One connection to the database with its cache of prepared statements, whatever the backend
// (sqlite/, postgres/). Not thread-safe: a Database hands it to one thread at a time.

#include <cstdint>
#include <string>

#include "core/result.h"
#include "store/sql/statement.h"

namespace stagecast::store::sql {

// Error::code of a transaction the database aborted for a conflict with a concurrent one
// (PostgreSQL's serialization failure, deadlock): Database::transaction runs it again, and
// answers db_unavailable if it keeps failing. Never returned by the store.
inline constexpr const char* kRetryTransaction = "retry_transaction";

class Connection {
 public:
  virtual ~Connection() = default;

  // A cached prepared statement for this SQL text (prepared once per connection). Parameters
  // are written `?` (numbered in order) or `?N`, as SQLite has them.
  virtual Result<Statement> prepare(const std::string& query) = 0;
  // Runs SQL without parameters (session settings, BEGIN/COMMIT, migration scripts of several
  // statements). Never for SQL carrying values.
  virtual Result<void> exec(const std::string& query) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int64_t changes() const = 0;
  // How long a statement may wait for a lock another connection holds.
  virtual void set_busy_timeout(int ms) = 0;
  // What opens a read-write transaction that cannot fail half way for a concurrent writer's
  // sake ("BEGIN IMMEDIATE", or a serializable transaction that is retried).
  virtual std::string begin_sql() const = 0;
  // Held around migrating so that two nodes starting at once do not both migrate: a lock of
  // the database, not of this process. No-ops where the database is a file of one process.
  virtual Result<void> lock_migrations() { return {}; }
  virtual Result<void> unlock_migrations() { return {}; }
};

}  // namespace stagecast::store::sql
