#pragma once
// The Store over a sql::Database, the same for every backend: applies the embedded migrations
// and owns one repository per aggregate over the shared connections. A backend (sqlite/,
// postgres/) brings only its connections.

#include <memory>
#include <string>

#include "store/sql/database.h"
#include "store/store.h"

namespace stagecast::store::sql {

// A ConnectionFactory of open(read_only) -> Result<std::unique_ptr<BackendConnection>>.
template <typename Open>
ConnectionFactory connection_factory(Open open) {
  return [open](bool read_only) -> Result<std::unique_ptr<Connection>> {
    auto conn = open(read_only);
    if (!conn) return conn.error();
    return std::unique_ptr<Connection>(std::move(conn).value());
  };
}

// `backend` is what Store::backend() answers ("sqlite", "postgres").
Result<std::unique_ptr<Store>> open_sql_store(std::string backend, const ConnectionFactory& connect,
                                              const DatabaseOptions& db_options,
                                              const StoreOptions& options);

}  // namespace stagecast::store::sql
