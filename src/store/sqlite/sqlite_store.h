#pragma once
// The SQLite implementation of Store: opens the database, applies the embedded migrations and
// owns one repository per aggregate over the shared connections.

#include <memory>
#include <string>

#include "store/store.h"

namespace stagecast::store::sqlite {

// `path` is an absolute file path or ":memory:".
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const StoreOptions& options);

}  // namespace stagecast::store::sqlite
