#pragma once
// What an artist may set on a stream (POST and PATCH /api/livestream), and the rules those
// settings must follow. Enum-valued fields arrive as their wire names ("PUBLIC", "TIER", ...) so
// that every rule, including "is this a known visibility", lives here.
//
// Rules (validation_failed otherwise, the message naming the field):
//   title            1..140 characters after trimming, no control characters
//   description      0..5000 characters; line breaks allowed, other control characters not
//   visibility       PUBLIC | SUBSCRIBERS | TIER | PAID
//   minTier          1..100; TIER streams are open to subscribers at or above it
//   priceCents       PAID needs 50..1,000,000 (integer minor units; Stripe's smallest charge
//                    is about 50 cents); 0..1,000,000 otherwise (kept, unused)
//   currency         three ASCII letters, stored lowercase (Stripe's form)
//   chat.slowModeSeconds  0..3600
//   chat.blockedWords     at most 200 words, each 1..64 characters after trimming; stored
//                         trimmed, lowercased (ASCII) and without duplicates
//   scheduledAt      unix ms, later than now and at most 365 days ahead; checked only when given,
//                    so that a stream whose scheduled time has passed can still be edited

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"
#include "store/stream_repository.h"

namespace stagecast::platform {

struct ChatSettingsInput {
  std::optional<bool> enabled;
  std::optional<bool> subscribers_only;
  std::optional<int> slow_mode_seconds;
  std::optional<std::vector<std::string>> blocked_words;
};

// Absent fields: the default on create, unchanged on patch.
struct StreamInput {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> visibility;
  std::optional<int> min_tier;
  std::optional<int64_t> price_cents;
  std::optional<std::string> currency;
  ChatSettingsInput chat;
  std::optional<bool> record;
  // ABR ladder for this stream; takes effect the next time the stream goes live.
  std::optional<bool> transcode;
  // Outer: given or not; inner: a unix-ms time, or null to clear the schedule (patch).
  std::optional<std::optional<int64_t>> scheduled_at;
};

inline constexpr size_t kTitleMaxChars = 140;
inline constexpr size_t kDescriptionMaxChars = 5000;
inline constexpr int kMaxTier = 100;
inline constexpr int64_t kMinPaidPriceCents = 50;
inline constexpr int64_t kMaxPriceCents = 1'000'000;
inline constexpr int kMaxSlowModeSeconds = 3600;
inline constexpr size_t kMaxBlockedWords = 200;
inline constexpr size_t kMaxBlockedWordChars = 64;
inline constexpr int64_t kMaxScheduleAheadMs = 365LL * 24 * 3600 * 1000;

// The settings of a new stream (ids, key, owner and status are the service's business). A title
// is required. Errors: validation_failed.
Result<store::LiveStream> settings_for_new_stream(const StreamInput& input, int64_t now_ms);

// The change to `current` that `input` asks for, validated against the merged result (so that
// e.g. switching to PAID without a price fails even though only the visibility was sent).
// Errors: validation_failed.
Result<store::StreamSettingsUpdate> settings_update(const StreamInput& input,
                                                    const store::LiveStream& current,
                                                    int64_t now_ms);

// True when the update touches who may watch (visibility, min tier, price, currency).
bool changes_access_terms(const store::StreamSettingsUpdate& update,
                          const store::LiveStream& current);

}  // namespace stagecast::platform
