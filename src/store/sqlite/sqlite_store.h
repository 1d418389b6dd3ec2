#pragma once
// The SQLite backend of the Store: its connections under the shared sql::Database, migrations
// and repositories (sql/).

#include <memory>
#include <string>

#include "store/store.h"

namespace stagecast::store::sqlite {

// `path` is an absolute file path or ":memory:".
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const StoreOptions& options);

}  // namespace stagecast::store::sqlite
