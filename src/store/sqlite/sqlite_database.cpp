#include "store/sqlite/sqlite_database.h"

#include <algorithm>

namespace stagecast::store::sqlite {

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path,
                                                             const DatabaseOptions& options) {
  auto db = std::make_unique<SqliteDatabase>();
  auto writer = SqliteConnection::open(path, {options.busy_timeout_ms, false});
  if (!writer) return writer.error();
  db->writer_ = std::move(writer).value();
  db->wait_ = std::chrono::milliseconds(std::max(1, options.busy_timeout_ms));
  if (path == ":memory:") return db;  // each connection would see its own empty database

  int n = std::clamp(options.read_connections, 0, 64);
  for (int i = 0; i < n; ++i) {
    auto reader = SqliteConnection::open(path, {options.busy_timeout_ms, true});
    if (!reader) return reader.error();
    db->idle_readers_.push_back(reader->get());
    db->readers_.push_back(std::move(reader).value());
  }
  return db;
}

SqliteDatabase::ReaderLease::ReaderLease(SqliteDatabase& d) : db(d), conn(nullptr) {
  std::unique_lock lock(db.readers_mu_);
  if (!db.readers_cv_.wait_for(lock, db.wait_, [&] { return !db.idle_readers_.empty(); })) return;
  conn = db.idle_readers_.back();
  db.idle_readers_.pop_back();
}

SqliteDatabase::ReaderLease::~ReaderLease() {
  if (!conn) return;
  {
    std::lock_guard lock(db.readers_mu_);
    db.idle_readers_.push_back(conn);
  }
  db.readers_cv_.notify_one();
}

}  // namespace stagecast::store::sqlite
