#include "store/store.h"

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stagecast::store {

Result<std::unique_ptr<Store>> open_store(const std::string& url, const StoreOptions& options) {
  constexpr std::string_view kSqliteFile = "sqlite://";
  if (url == kSqliteMemoryUrl) return sqlite::open_sqlite_store(":memory:", options);
  if (url.rfind(kSqliteFile, 0) == 0) {
    std::string path = url.substr(kSqliteFile.size());
    // sqlite:///abs/path leaves "/abs/path"; a relative path would depend on the working
    // directory the server happens to start in.
    if (path.empty() || path.front() != '/') {
      return make_error(errc::kInvalidArgument,
                        "sqlite URL needs an absolute path: sqlite:///abs/path/stagecast.db");
    }
    return sqlite::open_sqlite_store(path, options);
  }
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    return postgres::open_postgres_store(url, options);
  }
  return make_error(
      errc::kUnsupported,
      "unknown database URL scheme (expected sqlite:///path, sqlite::memory: or postgres://...)");
}

}  // namespace stagecast::store
