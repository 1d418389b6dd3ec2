#pragma once
// The Store over a sql::Database, the same for every backend: applies the embedded migrations
// and owns one repository per aggregate over the shared connections. A backend (sqlite/,
// postgres/) brings only its connections.

#include <memory>
#include <string>

#include "store/sql/database.h"
#include "store/store.h"

namespace stagecast::store::sql {

// `backend` is what Store::backend() answers ("sqlite", "postgres").
Result<std::unique_ptr<Store>> open_sql_store(std::string backend, const ConnectionFactory& connect,
                                              const DatabaseOptions& db_options,
                                              const StoreOptions& options);

}  // namespace stagecast::store::sql
