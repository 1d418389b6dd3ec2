#pragma once
// The store: one object per database, giving a repository per aggregate. Repositories are
// synchronous and thread-safe; call them from worker pools, never from I/O threads.

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/analytics_repository.h"
#include "store/chat_repository.h"
#include "store/errors.h"
#include "store/fault_injection.h"
#include "store/moderation_repository.h"
#include "store/notification_repository.h"
#include "store/payment_event_repository.h"
#include "store/push_subscription_repository.h"
#include "store/recording_repository.h"
#include "store/stream_repository.h"
#include "store/subscription_repository.h"
#include "store/ticket_repository.h"
#include "store/tip_repository.h"
#include "store/user_repository.h"
#include "store/viewer_repository.h"

namespace stagecast::store {

struct StoreOptions {
  // Read-only connections beside the single writer (file databases only; an in-memory database
  // has one connection).
  int read_connections = 4;
  int busy_timeout_ms = 5000;
  // Stamps schema_migrations.applied_at; a SystemClock when null. Must outlive the store.
  const Clock* clock = nullptr;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual UserRepository& users() = 0;
  virtual SubscriptionRepository& subscriptions() = 0;
  virtual StreamRepository& streams() = 0;
  virtual TicketRepository& tickets() = 0;
  virtual ChatRepository& chat() = 0;
  virtual ModerationRepository& moderation() = 0;
  virtual TipRepository& tips() = 0;
  virtual PaymentEventRepository& payment_events() = 0;
  virtual ViewerRepository& viewers() = 0;
  virtual AnalyticsRepository& analytics() = 0;
  virtual RecordingRepository& recordings() = 0;
  virtual NotificationRepository& notifications() = 0;
  virtual PushSubscriptionRepository& push_subscriptions() = 0;

  // "sqlite" or "postgres".
  virtual std::string backend() const = 0;
  // A cheap round trip (for /readyz): db_unavailable when the database does not answer.
  virtual Result<void> ping() = 0;
  // Applied migrations, in order.
  virtual Result<std::vector<SchemaMigration>> applied_migrations() = 0;
  // Tests only: make every call fail with db_unavailable until switched off.
  virtual FaultInjection& faults() = 0;
};

// Opens (creating if needed) and migrates the database named by url:
//   sqlite:///abs/path/stagecast.db   a file (parent directory must exist)
//   sqlite::memory:                   a private in-memory database (tests)
//   postgres://user:password@host:port/db   PostgreSQL (libpq URI; a pool of
//                                     read_connections readers and one writer)
// Errors: unsupported_backend, db_unavailable (cannot open, migration failed), schema_too_new.
Result<std::unique_ptr<Store>> open_store(const std::string& url, const StoreOptions& options = {});

// The URL of a private in-memory database: no other connection, let alone another process, can
// open the same database.
inline constexpr std::string_view kSqliteMemoryUrl = "sqlite::memory:";

}  // namespace stagecast::store
