#include "store/postgres/pg_store.h"

#include "store/postgres/pg_connection.h"
#include "store/sql/sql_store.h"

namespace stagecast::store::postgres {

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const StoreOptions& options) {
  sql::DatabaseOptions db_options{options.read_connections, options.busy_timeout_ms};
  auto connect = sql::connection_factory([&](bool read_only) {
    return PgConnection::open(url, {options.busy_timeout_ms, read_only});
  });
  return sql::open_sql_store("postgres", connect, db_options, options);
}

}  // namespace stagecast::store::postgres
