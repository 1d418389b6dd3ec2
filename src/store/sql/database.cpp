#include "store/sql/database.h"

#include <algorithm>

namespace stagecast::store::sql {

Result<std::unique_ptr<Database>> Database::open(const ConnectionFactory& connect,
                                                 const DatabaseOptions& options) {
  auto db = std::make_unique<Database>();
  auto writer = connect(false);
  if (!writer) return writer.error();
  db->writer_ = std::move(writer).value();
  db->wait_ = std::chrono::milliseconds(std::max(1, options.busy_timeout_ms));

  int n = std::clamp(options.read_connections, 0, 64);
  for (int i = 0; i < n; ++i) {
    auto reader = connect(true);
    if (!reader) return reader.error();
    db->idle_readers_.push_back(reader->get());
    db->readers_.push_back(std::move(reader).value());
  }
  return db;
}

Database::ReaderLease::ReaderLease(Database& d) : db(d), conn(nullptr) {
  std::unique_lock lock(db.readers_mu_);
  if (!db.readers_cv_.wait_for(lock, db.wait_, [&] { return !db.idle_readers_.empty(); })) return;
  conn = db.idle_readers_.back();
  db.idle_readers_.pop_back();
}

Database::ReaderLease::~ReaderLease() {
  if (!conn) return;
  {
    std::lock_guard lock(db.readers_mu_);
    db.idle_readers_.push_back(conn);
  }
  db.readers_cv_.notify_one();
}

}  // namespace stagecast::store::sql
