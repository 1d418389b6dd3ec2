#pragma once
// The connections of one database, whatever the backend: a single writer behind a mutex and a
// small pool of readers. One writer is what SQLite allows anyway (queuing in-process is cheaper
// than SQLITE_BUSY retries); on PostgreSQL it keeps the writes of one node in the order SQLite
// gives them, while other nodes' transactions are isolated by the database (serializable, retried
// here). A database without readers (SQLite in memory) serves reads on the writer.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/errors.h"
#include "store/fault_injection.h"
#include "store/sql/connection.h"

namespace stagecast::store::sql {

struct DatabaseOptions {
  int read_connections = 4;
  int busy_timeout_ms = 5000;
};

// Opens one connection; read_only: a reader that cannot write by mistake.
using ConnectionFactory = std::function<Result<std::unique_ptr<Connection>>(bool read_only)>;

class Database {
 public:
  // Opens the writer and options.read_connections readers (none: reads go to the writer).
  static Result<std::unique_ptr<Database>> open(const ConnectionFactory& connect,
                                                const DatabaseOptions& options);

  Database() = default;  // use open()
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs f(Connection&) -> Result<T> on a reader (read-only work).
  template <typename F>
  auto read(F&& f) -> decltype(f(std::declval<Connection&>())) {
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

  // Runs f on the writer inside a transaction; rolls back when f returns an error. A
  // transaction the database aborted for a concurrent one's sake (another node's) runs again
  // after a short random pause, for as long as the timeout allows.
  template <typename F>
  auto transaction(F&& f) -> decltype(f(std::declval<Connection&>())) {
    if (faults_.unavailable()) return injected_fault();
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(writer_mu_, std::defer_lock);
    if (!lock_writer(lock)) return busy();
    for (int attempt = 1;; ++attempt) {
      auto result = transaction_once(f);
      if (result || result.error().code != kRetryTransaction) return result;
      if (std::chrono::steady_clock::now() - start > wait_) {
        return make_error(errc::kDbUnavailable,
                          "transaction kept conflicting with others: " + result.error().message);
      }
      backoff(attempt);
    }
  }

  // Runs f on the writer without an explicit transaction (a single statement is atomic).
  template <typename F>
  auto write(F&& f) -> decltype(f(std::declval<Connection&>())) {
    if (faults_.unavailable()) return injected_fault();
    std::unique_lock lock(writer_mu_, std::defer_lock);
    if (!lock_writer(lock)) return busy();
    auto result = f(*writer_);
    if (!result && result.error().code == kRetryTransaction) {
      return make_error(errc::kDbUnavailable, result.error().message);
    }
    return result;
  }

  FaultInjection& faults() { return faults_; }

 private:
  template <typename F>
  auto transaction_once(F& f) -> decltype(f(std::declval<Connection&>())) {
    if (auto begin = writer_->exec(writer_->begin_sql()); !begin) return begin.error();
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

  // Up to 1, 2, 4 ... 32 ms, at random: two nodes that collided do not collide again in step.
  static void backoff(int attempt);

  static Error injected_fault() {
    return make_error(errc::kDbUnavailable, "database unavailable (fault injected)");
  }
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
    explicit ReaderLease(Database& db);
    ~ReaderLease();
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    Database& db;
    Connection* conn;
  };

  std::chrono::milliseconds wait_{5000};  // = the busy timeout
  std::timed_mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<Connection*> idle_readers_;
  FaultInjection faults_;
};

}  // namespace stagecast::store::sql
