#include "store/store.h"

namespace stagecast::store {

Result<std::unique_ptr<Store>> open_store(const std::string& url, const StoreOptions& options) {
  (void)options;
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    return make_error(errc::kUnsupported,
                      "the PostgreSQL store is not built yet; use sqlite:///path/stagecast.db");
  }
  return make_error(errc::kUnsupported, "the SQLite store is being implemented");
}

}  // namespace stagecast::store
