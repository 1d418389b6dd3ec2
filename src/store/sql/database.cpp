#include "store/sql/database.h"

#include <algorithm>
#include <random>
#include <thread>

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

void Database::backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  const int cap = 1 << std::min(attempt, 5);
  std::this_thread::sleep_for(
      std::chrono::microseconds(std::uniform_int_distribution<int>(100, cap * 1000)(rng)));
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
