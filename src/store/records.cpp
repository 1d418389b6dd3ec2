#include "store/records.h"

#include <array>
#include <utility>

namespace stagecast::store {
namespace {

// One table per enum keeps the stored names and the parsers from drifting apart.
template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<Role, 3> kRoles{{{Role::kFan, "FAN"},
                                     {Role::kArtist, "ARTIST"},
                                     {Role::kAdmin, "ADMIN"}}};
constexpr NameTable<SubscriptionStatus, 3> kSubscriptionStatuses{
    {{SubscriptionStatus::kActive, "ACTIVE"},
     {SubscriptionStatus::kCanceled, "CANCELED"},
     {SubscriptionStatus::kExpired, "EXPIRED"}}};
constexpr NameTable<Visibility, 4> kVisibilities{{{Visibility::kPublic, "PUBLIC"},
                                                  {Visibility::kSubscribers, "SUBSCRIBERS"},
                                                  {Visibility::kTier, "TIER"},
                                                  {Visibility::kPaid, "PAID"}}};
constexpr NameTable<StreamStatus, 4> kStreamStatuses{{{StreamStatus::kCreated, "CREATED"},
                                                      {StreamStatus::kScheduled, "SCHEDULED"},
                                                      {StreamStatus::kLive, "LIVE"},
                                                      {StreamStatus::kEnded, "ENDED"}}};
constexpr NameTable<ChatMessageKind, 3> kChatKinds{{{ChatMessageKind::kText, "TEXT"},
                                                    {ChatMessageKind::kTip, "TIP"},
                                                    {ChatMessageKind::kSystem, "SYSTEM"}}};
constexpr NameTable<ModerationActionKind, 6> kModerationActions{
    {{ModerationActionKind::kDeleteMessage, "DELETE_MESSAGE"},
     {ModerationActionKind::kTimeout, "TIMEOUT"},
     {ModerationActionKind::kBan, "BAN"},
     {ModerationActionKind::kUnban, "UNBAN"},
     {ModerationActionKind::kAppointModerator, "APPOINT_MODERATOR"},
     {ModerationActionKind::kRemoveModerator, "REMOVE_MODERATOR"}}};
constexpr NameTable<TicketStatus, 6> kTicketStatuses{{{TicketStatus::kPending, "PENDING"},
                                                      {TicketStatus::kPaid, "PAID"},
                                                      {TicketStatus::kFailed, "FAILED"},
                                                      {TicketStatus::kRefunded, "REFUNDED"},
                                                      {TicketStatus::kDisputed, "DISPUTED"},
                                                      {TicketStatus::kRevoked, "REVOKED"}}};
constexpr NameTable<TicketSource, 3> kTicketSources{{{TicketSource::kPurchase, "PURCHASE"},
                                                     {TicketSource::kGrant, "GRANT"},
                                                     {TicketSource::kComp, "COMP"}}};
constexpr NameTable<TipStatus, 5> kTipStatuses{{{TipStatus::kPending, "PENDING"},
                                                {TipStatus::kSucceeded, "SUCCEEDED"},
                                                {TipStatus::kFailed, "FAILED"},
                                                {TipStatus::kRefunded, "REFUNDED"},
                                                {TipStatus::kDisputed, "DISPUTED"}}};
constexpr NameTable<RecordingStatus, 5> kRecordingStatuses{
    {{RecordingStatus::kRecording, "RECORDING"},
     {RecordingStatus::kFinalizing, "FINALIZING"},
     {RecordingStatus::kReady, "READY"},
     {RecordingStatus::kPartial, "PARTIAL"},
     {RecordingStatus::kFailed, "FAILED"}}};
constexpr NameTable<NotificationChannel, 3> kNotificationChannels{
    {{NotificationChannel::kInApp, "IN_APP"},
     {NotificationChannel::kEmail, "EMAIL"},
     {NotificationChannel::kPush, "PUSH"}}};
constexpr NameTable<NotificationStatus, 3> kNotificationStatuses{
    {{NotificationStatus::kPending, "PENDING"},
     {NotificationStatus::kSent, "SENT"},
     {NotificationStatus::kFailed, "FAILED"}}};
constexpr NameTable<RecordingKind, 2> kRecordingKinds{
    {{RecordingKind::kRecording, "RECORDING"}, {RecordingKind::kClip, "CLIP"}}};

template <typename E, size_t N>
std::string_view name_of(const NameTable<E, N>& table, E v) {
  for (const auto& [e, name] : table) {
    if (e == v) return name;
  }
  return "UNKNOWN";
}

template <typename E, size_t N>
std::optional<E> parse_in(const NameTable<E, N>& table, std::string_view s) {
  for (const auto& [e, name] : table) {
    if (name == s) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Role v) { return name_of(kRoles, v); }
std::string_view to_string(SubscriptionStatus v) { return name_of(kSubscriptionStatuses, v); }
std::string_view to_string(Visibility v) { return name_of(kVisibilities, v); }
std::string_view to_string(StreamStatus v) { return name_of(kStreamStatuses, v); }
std::string_view to_string(ChatMessageKind v) { return name_of(kChatKinds, v); }
std::string_view to_string(ModerationActionKind v) { return name_of(kModerationActions, v); }
std::string_view to_string(TipStatus v) { return name_of(kTipStatuses, v); }
std::string_view to_string(TicketStatus v) { return name_of(kTicketStatuses, v); }
std::string_view to_string(TicketSource v) { return name_of(kTicketSources, v); }
std::string_view to_string(RecordingStatus v) { return name_of(kRecordingStatuses, v); }
std::string_view to_string(NotificationChannel v) {
  return name_of(kNotificationChannels, v);
}
std::string_view to_string(NotificationStatus v) {
  return name_of(kNotificationStatuses, v);
}
std::string_view to_string(RecordingKind v) { return name_of(kRecordingKinds, v); }

std::optional<Role> parse_role(std::string_view s) { return parse_in(kRoles, s); }
std::optional<SubscriptionStatus> parse_subscription_status(std::string_view s) {
  return parse_in(kSubscriptionStatuses, s);
}
std::optional<Visibility> parse_visibility(std::string_view s) {
  return parse_in(kVisibilities, s);
}
std::optional<StreamStatus> parse_stream_status(std::string_view s) {
  return parse_in(kStreamStatuses, s);
}
std::optional<ChatMessageKind> parse_chat_message_kind(std::string_view s) {
  return parse_in(kChatKinds, s);
}
std::optional<ModerationActionKind> parse_moderation_action_kind(std::string_view s) {
  return parse_in(kModerationActions, s);
}
std::optional<TipStatus> parse_tip_status(std::string_view s) {
  return parse_in(kTipStatuses, s);
}
std::optional<TicketStatus> parse_ticket_status(std::string_view s) {
  return parse_in(kTicketStatuses, s);
}
std::optional<TicketSource> parse_ticket_source(std::string_view s) {
  return parse_in(kTicketSources, s);
}
std::optional<RecordingStatus> parse_recording_status(std::string_view s) {
  return parse_in(kRecordingStatuses, s);
}
std::optional<NotificationChannel> parse_notification_channel(std::string_view s) {
  return parse_in(kNotificationChannels, s);
}
std::optional<NotificationStatus> parse_notification_status(std::string_view s) {
  return parse_in(kNotificationStatuses, s);
}
std::optional<RecordingKind> parse_recording_kind(std::string_view s) {
  return parse_in(kRecordingKinds, s);
}

std::string normalize_email(std::string_view email) {
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace stagecast::store
