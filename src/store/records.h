#pragma once
// Plain records of the store, one per table (see src/store/migrations/ and docs/storage.md).
// Conventions: ids are 32-hex strings (core/random.h's random_id(); a repository assigns one when
// a record comes in with an empty id); times are unix milliseconds (int64); nullable columns are
// std::optional; money is integer minor units (cents) plus a 3-letter currency code, never floats.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagecast::store {

enum class Role { kFan, kArtist, kAdmin };
enum class SubscriptionStatus { kActive, kCanceled, kExpired };
enum class Visibility { kPublic, kSubscribers, kTier, kPaid };
enum class StreamStatus { kCreated, kScheduled, kLive, kEnded };
enum class ChatMessageKind { kText, kTip, kSystem };
enum class ModerationActionKind {
  kDeleteMessage,
  kTimeout,
  kBan,
  kUnban,
  kAppointModerator,
  kRemoveModerator
};
enum class TipStatus { kPending, kSucceeded, kFailed, kRefunded, kDisputed };
// A ticket to a PAID stream (docs/payments.md, Tickets). PAID and DISPUTED admit the fan.
enum class TicketStatus { kPending, kPaid, kFailed, kRefunded, kDisputed, kRevoked };
// How the fan got it: bought through the payment provider, granted by the platform (admin API:
// sold elsewhere) or comped by the stream's owner.
enum class TicketSource { kPurchase, kGrant, kComp };
// A notification's delivery channel and its place in the outbox (docs/notifications.md).
enum class NotificationChannel { kInApp, kEmail, kPush };
enum class NotificationStatus { kPending, kSent, kFailed };
enum class RecordingStatus { kRecording, kFinalizing, kReady, kPartial, kFailed };
// A recording of a whole stream, or a clip cut from one.
enum class RecordingKind { kRecording, kClip };
// Whether Stripe lets a connected account take charges and payouts (docs/payments.md, Payout
// verification): PENDING until Stripe's account.updated says both are enabled, ENABLED, DISABLED
// (enabled before, then taken away; the reason is kept). A user without a status whose account id
// was synced by the hosting platform is trusted as the platform says.
enum class PayoutsStatus { kPending, kEnabled, kDisabled };

// The upper-case names stored in the database ("FAN", "LIVE", "DELETE_MESSAGE", ...); the parse
// functions accept exactly those names and return nullopt for anything else.
std::string_view to_string(Role v);
std::string_view to_string(SubscriptionStatus v);
std::string_view to_string(Visibility v);
std::string_view to_string(StreamStatus v);
std::string_view to_string(ChatMessageKind v);
std::string_view to_string(ModerationActionKind v);
std::string_view to_string(TipStatus v);
std::string_view to_string(TicketStatus v);
std::string_view to_string(TicketSource v);
std::string_view to_string(RecordingStatus v);
std::string_view to_string(NotificationChannel v);
std::string_view to_string(NotificationStatus v);
std::string_view to_string(RecordingKind v);
std::string_view to_string(PayoutsStatus v);
std::optional<Role> parse_role(std::string_view s);
std::optional<SubscriptionStatus> parse_subscription_status(std::string_view s);
std::optional<Visibility> parse_visibility(std::string_view s);
std::optional<StreamStatus> parse_stream_status(std::string_view s);
std::optional<ChatMessageKind> parse_chat_message_kind(std::string_view s);
std::optional<ModerationActionKind> parse_moderation_action_kind(std::string_view s);
std::optional<TipStatus> parse_tip_status(std::string_view s);
std::optional<TicketStatus> parse_ticket_status(std::string_view s);
std::optional<TicketSource> parse_ticket_source(std::string_view s);
std::optional<RecordingStatus> parse_recording_status(std::string_view s);
std::optional<NotificationChannel> parse_notification_channel(std::string_view s);
std::optional<NotificationStatus> parse_notification_status(std::string_view s);
std::optional<RecordingKind> parse_recording_kind(std::string_view s);
std::optional<PayoutsStatus> parse_payouts_status(std::string_view s);

// The form under which emails are unique: ASCII-lowercased (done in C++ so SQLite and PostgreSQL
// agree byte for byte; their lower() differ outside ASCII).
std::string normalize_email(std::string_view email);

struct User {
  std::string id;
  std::string email;  // as the user typed it; unique case-insensitively
  std::optional<std::string> password_hash;  // none for users synced from the platform
  std::string display_name;
  Role role = Role::kFan;
  std::optional<std::string> stripe_account_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // Payout verification of the connected account (none: synced by the platform, or no account).
  std::optional<PayoutsStatus> payouts_status;
  std::optional<std::string> payouts_reason;  // why not enabled (Stripe's disabled_reason)
  bool payouts_simulated = false;             // the sandbox provider verified it: no money moves
  int64_t payouts_event_at = 0;  // `created` (unix s) of the account.updated last applied
  // A fan's request to become an artist, waiting for an operator (docs/web.md).
  std::optional<int64_t> artist_requested_at;
};

// One row per (fan, artist).
struct Subscription {
  std::string fan_id;
  std::string artist_id;
  int tier = 1;  // >= 1
  SubscriptionStatus status = SubscriptionStatus::kActive;
  std::optional<int64_t> expires_at;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct LiveStream {
  std::string id;
  std::string artist_id;
  std::string title;
  std::string description;
  Visibility visibility = Visibility::kPublic;
  int min_tier = 1;          // meaningful for TIER
  int64_t price_cents = 0;   // meaningful for PAID
  std::string currency = "usd";
  bool chat_enabled = true;
  bool chat_subscribers_only = false;
  int chat_slow_mode_seconds = 0;
  std::vector<std::string> chat_blocked_words;
  bool record = true;
  // ABR: transcode this stream into the ladder (when the server has transcoding on).
  bool transcode = true;
  std::optional<int64_t> scheduled_at;
  StreamStatus status = StreamStatus::kCreated;
  std::string stream_key_hash;  // unique; the key itself is never stored
  int64_t stream_key_rotated_at = 0;
  std::optional<int64_t> started_at;
  std::optional<int64_t> ended_at;
  std::optional<std::string> end_reason;
  int64_t peak_viewers = 0;
  int64_t total_viewers = 0;
  // Maintained by TipRepository::transition in the same transaction as the tip (SUCCEEDED only).
  int64_t tip_count = 0;
  int64_t tip_gross_cents = 0;
  int64_t tip_fee_cents = 0;
  int64_t chat_message_count = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // Streams are soft-deleted: tips, chat and recordings keep pointing at them for audit. A
  // deleted stream is invisible to every lookup and list.
  std::optional<int64_t> deleted_at;
  // The replay of its latest finished recording (RecordingRepository::finish sets it).
  std::optional<std::string> recording_url;
};

// One row per (stream, fan): a fan never holds two tickets to a stream, nor pays twice for one.
// A purchase has exactly one PaymentIntent per attempt; a new attempt (a new PaymentIntent) is
// only started when the previous one can no longer be paid (refunded, lost dispute, revoked) or
// is older than the provider's idempotency window.
struct StreamTicket {
  std::string id;
  std::string stream_id;
  std::string fan_id;
  TicketStatus status = TicketStatus::kPending;
  TicketSource source = TicketSource::kPurchase;
  // What this fan pays (purchase), fixed when the attempt's PaymentIntent is created: a later
  // price change applies to new buyers. 0 for grants and comps.
  int64_t amount_cents = 0;
  std::string currency = "usd";
  int64_t fee_cents = 0;
  std::optional<std::string> provider;             // "stripe" | "sandbox" (purchases)
  std::optional<std::string> provider_payment_id;  // the attempt's PaymentIntent
  int attempt = 1;                                 // idempotency key stagecast-ticket-<id>-<attempt>
  std::optional<std::string> granted_by;           // grants and comps: who (admin API, owner id)
  int64_t created_at = 0;
  int64_t updated_at = 0;

  // Whether the ticket admits its fan (a disputed payment keeps access until the dispute is lost).
  bool admits() const { return status == TicketStatus::kPaid || status == TicketStatus::kDisputed; }
};

struct ChatMessage {
  std::string id;
  std::string stream_id;
  std::optional<std::string> user_id;  // none for SYSTEM messages
  std::string display_name;
  std::string body;
  ChatMessageKind kind = ChatMessageKind::kText;
  std::optional<std::string> tip_id;  // for TIP messages
  int64_t created_at = 0;
  bool moderated = false;
  std::optional<std::string> moderated_by;
  std::optional<int64_t> moderated_at;
  // Position in the stream's chat, 1, 2, 3, ...: assigned by ChatRepository::append, the order
  // of history and the cursor of paging (created_at alone ties within a millisecond).
  int64_t seq = 0;
};

struct StreamModerator {
  std::string artist_id;
  std::string moderator_user_id;
  std::string appointed_by;
  int64_t created_at = 0;
};

struct ModerationAction {
  std::string id;
  std::optional<std::string> stream_id;  // none for channel-wide actions (appoint moderator)
  std::string artist_id;                 // whose channel
  std::string actor_id;                  // who did it (artist, moderator or admin)
  std::optional<std::string> target_user_id;
  ModerationActionKind action = ModerationActionKind::kDeleteMessage;
  std::optional<std::string> message_id;
  std::optional<int64_t> duration_seconds;  // TIMEOUT
  std::optional<std::string> reason;
  int64_t created_at = 0;
};

// A ban or a timeout in an artist's channel (all of that artist's streams). expires_at none =
// permanent ban; set = timeout until then.
struct StreamBan {
  std::string artist_id;
  std::string user_id;
  std::optional<int64_t> expires_at;
  std::optional<std::string> reason;
  std::string created_by;
  int64_t created_at = 0;
};

struct Tip {
  std::string id;
  std::string stream_id;
  std::string fan_id;
  std::string artist_id;
  int64_t amount_cents = 0;
  std::string currency = "usd";
  int64_t fee_cents = 0;
  std::optional<std::string> message;
  TipStatus status = TipStatus::kPending;
  std::string provider;  // "stripe" | "sandbox"
  std::optional<std::string> provider_payment_id;  // unique when set (PaymentIntent id)
  std::string idempotency_key;                      // unique
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Every webhook event received, kept for idempotency and audit. Unique by (provider, event_id).
struct PaymentEvent {
  std::string provider;
  std::string event_id;
  std::string type;
  std::string payload;  // raw body as received
  int64_t received_at = 0;
  bool applied = false;
  std::optional<int64_t> applied_at;
};

struct StreamViewer {
  std::string id;
  std::string stream_id;
  std::optional<std::string> user_id;     // signed-in viewer
  std::optional<std::string> session_id;  // anonymous viewer
  int64_t joined_at = 0;
  std::optional<int64_t> left_at;
  int64_t watch_ms = 0;
  std::optional<std::string> rendition;  // watched most (HLS); none for presence only
  std::optional<std::string> device;     // desktop | mobile | tablet | tv | bot | other
};

// A stream's figures (docs/analytics.md): live while it runs, final once it ended.
struct StreamAnalytics {
  std::string stream_id;
  bool final = false;
  int64_t started_at = 0;
  std::optional<int64_t> ended_at;
  int64_t bucket_ms = 60'000;
  int64_t viewers_now = 0;
  int64_t peak_viewers = 0;
  std::optional<int64_t> peak_at;
  int64_t unique_viewers = 0;
  int64_t watch_ms = 0;
  int64_t chatters = 0;
  int64_t messages = 0;
  int64_t tips_count = 0;
  int64_t tips_gross = 0;  // minor units
  int64_t tips_fee = 0;
  int64_t tips_net = 0;
  std::optional<std::string> currency;
  int64_t new_subscribers = 0;
  int64_t updated_at = 0;
};

// One bucket (a minute unless analytics.bucket_ms says otherwise) of a stream's series.
struct AnalyticsBucket {
  int64_t bucket = 0;      // index from the stream's start
  int64_t viewers = 0;     // most viewers at once within the bucket
  int64_t messages = 0;    // chat messages sent within it
  int64_t tips = 0;        // tips that succeeded within it
  int64_t tips_gross = 0;  // their amounts, minor units
};

struct Recording {
  std::string id;
  std::string stream_id;
  RecordingKind kind = RecordingKind::kRecording;
  RecordingStatus status = RecordingStatus::kRecording;
  std::string storage = "local";  // local | s3
  std::string object_prefix;      // every object's key starts with object_prefix + "/"
  std::optional<std::string> master_key;
  std::optional<std::string> mp4_key;
  std::string renditions = "[]";  // JSON array of names (opaque to the store)
  std::string gaps = "[]";        // JSON array (opaque to the store)
  int64_t bytes = 0;
  int64_t duration_ms = 0;
  int64_t started_at = 0;
  std::optional<int64_t> ended_at;
  std::optional<std::string> error;
  std::optional<std::string> replay_url;
  std::optional<std::string> title;                // clips
  std::optional<std::string> source_recording_id;  // clips: the recording cut from
  std::optional<int64_t> clip_start_ms;            // clips: where in it
  std::optional<std::string> created_by;           // clips: who cut it
};

struct Notification {
  std::string id;
  std::string user_id;
  std::string kind;     // e.g. "stream_live"
  std::string payload;  // JSON text, opaque to the store
  int64_t created_at = 0;
  std::optional<int64_t> read_at;
  // The outbox (docs/notifications.md): one row per user, stream and channel. The idempotency
  // key is unique: writing the same key again is a no-op, so a second went_live or a restart
  // never duplicates. create() sets it to the id when empty.
  std::optional<std::string> stream_id;
  NotificationChannel channel = NotificationChannel::kInApp;
  std::string idempotency_key;
  NotificationStatus status = NotificationStatus::kSent;  // in-app rows are delivered by storing
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<std::string> last_error;
  std::optional<int64_t> sent_at;
};

// Which channels a user allows (docs/notifications.md). No row means the defaults.
struct NotificationSettings {
  std::string user_id;
  bool in_app = true;
  bool email = true;
  int64_t updated_at = 0;
};

struct PushSubscription {
  std::string id;
  std::string user_id;
  std::string endpoint;  // unique
  std::string p256dh;
  std::string auth;
  int64_t created_at = 0;
};

struct SchemaMigration {
  int version = 0;
  std::string name;
  int64_t applied_at = 0;
};

}  // namespace stagecast::store
