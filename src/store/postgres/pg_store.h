#pragma once
// The PostgreSQL backend of the Store: a pool of libpq connections under the shared
// sql::Database, migrations and repositories (sql/).

#include <memory>
#include <string>

#include "store/store.h"

namespace stagecast::store::postgres {

// `url` is a libpq URI: postgres://user:password@host:port/dbname?sslmode=...
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const StoreOptions& options);

}  // namespace stagecast::store::postgres
