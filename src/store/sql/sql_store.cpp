#include "store/sql/sql_store.h"

#include "store/migrations.h"
#include "store/sql/migrator.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

class SqlStore final : public Store {
 public:
  SqlStore(std::string backend, std::unique_ptr<Database> db)
      : backend_(std::move(backend)),
        db_(std::move(db)),
        users_(make_user_repository(*db_)),
        subscriptions_(make_subscription_repository(*db_)),
        streams_(make_stream_repository(*db_)),
        tickets_(make_ticket_repository(*db_)),
        chat_(make_chat_repository(*db_)),
        moderation_(make_moderation_repository(*db_)),
        tips_(make_tip_repository(*db_)),
        payment_events_(make_payment_event_repository(*db_)),
        viewers_(make_viewer_repository(*db_)),
        analytics_(make_analytics_repository(*db_)),
        recordings_(make_recording_repository(*db_)),
        notifications_(make_notification_repository(*db_)),
        push_subscriptions_(make_push_subscription_repository(*db_)) {}

  UserRepository& users() override { return *users_; }
  SubscriptionRepository& subscriptions() override { return *subscriptions_; }
  StreamRepository& streams() override { return *streams_; }
  TicketRepository& tickets() override { return *tickets_; }
  ChatRepository& chat() override { return *chat_; }
  ModerationRepository& moderation() override { return *moderation_; }
  TipRepository& tips() override { return *tips_; }
  PaymentEventRepository& payment_events() override { return *payment_events_; }
  ViewerRepository& viewers() override { return *viewers_; }
  AnalyticsRepository& analytics() override { return *analytics_; }
  RecordingRepository& recordings() override { return *recordings_; }
  NotificationRepository& notifications() override { return *notifications_; }
  PushSubscriptionRepository& push_subscriptions() override { return *push_subscriptions_; }

  std::string backend() const override { return backend_; }

  // Whether a write could be made now: the write lock taken and given back (an empty
  // transaction writes nothing). A SELECT would succeed on SQLite while another process holds the
  // lock and every write fails.
  Result<void> ping() override {
    return db_->transaction([](Connection&) -> Result<void> { return {}; });
  }

  Result<std::vector<SchemaMigration>> applied_migrations() override {
    return list_applied_migrations(*db_);
  }

  FaultInjection& faults() override { return db_->faults(); }

 private:
  std::string backend_;
  // Declared before the repositories: they hold references to it and must go before it does.
  std::unique_ptr<Database> db_;
  std::unique_ptr<UserRepository> users_;
  std::unique_ptr<SubscriptionRepository> subscriptions_;
  std::unique_ptr<StreamRepository> streams_;
  std::unique_ptr<TicketRepository> tickets_;
  std::unique_ptr<ChatRepository> chat_;
  std::unique_ptr<ModerationRepository> moderation_;
  std::unique_ptr<TipRepository> tips_;
  std::unique_ptr<PaymentEventRepository> payment_events_;
  std::unique_ptr<ViewerRepository> viewers_;
  std::unique_ptr<AnalyticsRepository> analytics_;
  std::unique_ptr<RecordingRepository> recordings_;
  std::unique_ptr<NotificationRepository> notifications_;
  std::unique_ptr<PushSubscriptionRepository> push_subscriptions_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sql_store(std::string backend, const ConnectionFactory& connect,
                                              const DatabaseOptions& db_options,
                                              const StoreOptions& options) {
  auto db = Database::open(connect, db_options);
  if (!db) return db.error();
  SystemClock system_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  auto applied = apply_migrations(**db, embedded_migrations(), clock.unix_millis());
  if (!applied) return applied.error();
  return std::unique_ptr<Store>(
      std::make_unique<SqlStore>(std::move(backend), std::move(db).value()));
}

}  // namespace stagecast::store::sql
