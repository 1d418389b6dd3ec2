#pragma once
// Factories of the repositories, written once for every backend in portable SQL (docs/store.md);
// each lives in its own <name>_repository.cpp.

#include <memory>
#include <string>
#include <string_view>

#include "store/analytics_repository.h"
#include "store/chat_repository.h"
#include "store/moderation_repository.h"
#include "store/notification_repository.h"
#include "store/payment_event_repository.h"
#include "store/push_subscription_repository.h"
#include "store/recording_repository.h"
#include "store/sql/database.h"
#include "store/stream_repository.h"
#include "store/subscription_repository.h"
#include "store/ticket_repository.h"
#include "store/tip_repository.h"
#include "store/user_repository.h"
#include "store/viewer_repository.h"

namespace stagecast::store::sql {

// "a = excluded.a, b = excluded.b" for the comma-separated columns: the SET of an
// INSERT ... ON CONFLICT (key) DO UPDATE that replaces a row, which SQLite and PostgreSQL both
// accept (SQLite's INSERT OR REPLACE is SQLite's alone).
inline std::string excluded_assignments(std::string_view columns) {
  std::string out;
  while (!columns.empty()) {
    size_t comma = columns.find(',');
    std::string_view col = columns.substr(0, comma);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    while (!col.empty() && col.back() == ' ') col.remove_suffix(1);
    if (!out.empty()) out += ", ";
    out.append(col).append(" = excluded.").append(col);
    if (comma == std::string_view::npos) break;
    columns.remove_prefix(comma + 1);
  }
  return out;
}

std::unique_ptr<UserRepository> make_user_repository(Database& db);
std::unique_ptr<SubscriptionRepository> make_subscription_repository(Database& db);
std::unique_ptr<StreamRepository> make_stream_repository(Database& db);
std::unique_ptr<TicketRepository> make_ticket_repository(Database& db);
std::unique_ptr<ChatRepository> make_chat_repository(Database& db);
std::unique_ptr<ModerationRepository> make_moderation_repository(Database& db);
std::unique_ptr<TipRepository> make_tip_repository(Database& db);
std::unique_ptr<PaymentEventRepository> make_payment_event_repository(Database& db);
std::unique_ptr<ViewerRepository> make_viewer_repository(Database& db);
std::unique_ptr<AnalyticsRepository> make_analytics_repository(Database& db);
std::unique_ptr<RecordingRepository> make_recording_repository(Database& db);
std::unique_ptr<NotificationRepository> make_notification_repository(Database& db);
std::unique_ptr<PushSubscriptionRepository> make_push_subscription_repository(Database& db);

}  // namespace stagecast::store::sql
