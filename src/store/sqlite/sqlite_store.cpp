#include "store/sqlite/sqlite_store.h"

#include "store/sql/sql_store.h"
#include "store/sqlite/sqlite_connection.h"

namespace stagecast::store::sqlite {

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const StoreOptions& options) {
  // An in-memory database has one connection, the writer: each further connection would see
  // its own empty database.
  const bool memory = path == ":memory:";
  sql::DatabaseOptions db_options{memory ? 0 : options.read_connections, options.busy_timeout_ms};
  auto connect = sql::connection_factory([&](bool read_only) {
    return SqliteConnection::open(path, {options.busy_timeout_ms, read_only});
  });
  return sql::open_sql_store("sqlite", connect, db_options, options);
}

}  // namespace stagecast::store::sqlite
