#pragma once
// The connections of one SQLite database: a single writer behind a mutex (SQLite allows one
// writer at a time anyway; queuing in-process is cheaper than SQLITE_BUSY retries) and a small
// pool of readers, which WAL lets run beside the writer. An in-memory database has only one
// connection, which serves both.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/errors.h"
#include "store/fault_injection.h"
#include "store/sqlite/sqlite_connection.h"

namespace stagecast::store::sqlite {

struct DatabaseOptions {
  int read_connections = 4;
  int busy_timeout_ms = 5000;
};

class SqliteDatabase {
 public:
  // `path` is a file path or ":memory:".
  static Result<std::unique_ptr<SqliteDatabase>> open(const std::string& path,
                                                      const DatabaseOptions& options);

  SqliteDatabase() = default;  // use open()
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Runs f(SqliteConnection&) -> Result<T> on a reader (read-only work).
  template <typename F>
  auto read(F&& f) -> decltype(f(std::declval<SqliteConnection&>())) {
    if (faults_.unavailable()) return injected_fault();
    if (readers_.empty()) {
      std::unique_lock lock(writer_mu_, std::defer_lock);
      if (!lock_writer(lock)) return busy();
      return f(*writer_);
    }
    ReaderLease lease(*this);
    if (!lease.conn) return busy();
    return f(*lease.conn);
  }

  // Runs f on the writer inside BEGIN IMMEDIATE ... COMMIT; rolls back when f returns an error.
  template <typename F>
  auto transaction(F&& f) -> decltype(f(std::declval<SqliteConnection&>())) {
    if (faults_.unavailable()) return injected_fault();
    std::unique_lock lock(writer_mu_, std::defer_lock);
    if (!lock_writer(lock)) return busy();
    // IMMEDIATE takes the write lock up front, so another process cannot make us fail half way.
    if (auto begin = writer_->exec("BEGIN IMMEDIATE"); !begin) return begin.error();
    auto result = f(*writer_);
    if (!result) {
      (void)writer_->exec("ROLLBACK");
      return result;
    }
    if (auto commit = writer_->exec("COMMIT"); !commit) {
      (void)writer_->exec("ROLLBACK");
      return commit.error();
    }
    return result;
  }

  // Runs f on the writer without an explicit transaction (a single statement is atomic).
  template <typename F>
  auto write(F&& f) -> decltype(f(std::declval<SqliteConnection&>())) {
    if (faults_.unavailable()) return injected_fault();
    std::unique_lock lock(writer_mu_, std::defer_lock);
    if (!lock_writer(lock)) return busy();
    return f(*writer_);
  }

  FaultInjection& faults() { return faults_; }

 private:
  static Error injected_fault() {
    return make_error(errc::kDbUnavailable, "database unavailable (fault injected)");
  }
  // The connection stayed taken for the whole wait: the calls ahead of this one are stuck on a
  // lock another process holds. Failing now bounds every call by the busy timeout, instead of
  // each waiting its turn to wait it out.
  // Takes the writer within the timeout; what is left of it is the statements' busy timeout, so
  // a call fails within one timeout in all (store.timeout_ms) however many wait before it.
  bool lock_writer(std::unique_lock<std::timed_mutex>& lock) {
    const auto start = std::chrono::steady_clock::now();
    if (!lock.try_lock_for(wait_)) return false;
    const auto left = wait_ - std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start);
    writer_->set_busy_timeout(static_cast<int>(std::max<int64_t>(1, left.count())));
    return true;
  }
  static Error busy() {
    return make_error(errc::kDbUnavailable, "database busy: no connection within the timeout");
  }

  // Borrows a reader for one call and gives it back.
  struct ReaderLease {
    explicit ReaderLease(SqliteDatabase& db);
    ~ReaderLease();
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    SqliteDatabase& db;
    SqliteConnection* conn;
  };

  std::chrono::milliseconds wait_{5000};  // = the busy timeout
  std::timed_mutex writer_mu_;
  std::unique_ptr<SqliteConnection> writer_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<SqliteConnection*> idle_readers_;
  FaultInjection faults_;
};

}  // namespace stagecast::store::sqlite
