#pragma once
// Factories of the SQLite repositories; each lives in its own sqlite_<name>_repository.cpp.

#include <memory>

#include "store/analytics_repository.h"
#include "store/chat_repository.h"
#include "store/moderation_repository.h"
#include "store/notification_repository.h"
#include "store/payment_event_repository.h"
#include "store/push_subscription_repository.h"
#include "store/recording_repository.h"
#include "store/sqlite/sqlite_database.h"
#include "store/stream_repository.h"
#include "store/subscription_repository.h"
#include "store/ticket_repository.h"
#include "store/tip_repository.h"
#include "store/user_repository.h"
#include "store/viewer_repository.h"

namespace stagecast::store::sqlite {

std::unique_ptr<UserRepository> make_user_repository(SqliteDatabase& db);
std::unique_ptr<SubscriptionRepository> make_subscription_repository(SqliteDatabase& db);
std::unique_ptr<StreamRepository> make_stream_repository(SqliteDatabase& db);
std::unique_ptr<TicketRepository> make_ticket_repository(SqliteDatabase& db);
std::unique_ptr<ChatRepository> make_chat_repository(SqliteDatabase& db);
std::unique_ptr<ModerationRepository> make_moderation_repository(SqliteDatabase& db);
std::unique_ptr<TipRepository> make_tip_repository(SqliteDatabase& db);
std::unique_ptr<PaymentEventRepository> make_payment_event_repository(SqliteDatabase& db);
std::unique_ptr<ViewerRepository> make_viewer_repository(SqliteDatabase& db);
std::unique_ptr<AnalyticsRepository> make_analytics_repository(SqliteDatabase& db);
std::unique_ptr<RecordingRepository> make_recording_repository(SqliteDatabase& db);
std::unique_ptr<NotificationRepository> make_notification_repository(SqliteDatabase& db);
std::unique_ptr<PushSubscriptionRepository> make_push_subscription_repository(
    SqliteDatabase& db);

}  // namespace stagecast::store::sqlite
