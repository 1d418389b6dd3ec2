#include "platform/stream_settings.h"

#include <algorithm>
#include <set>

#include "platform/errors.h"
#include "platform/text.h"

namespace stagecast::platform {
namespace {

Error invalid(std::string message) {
  return make_error(errc::kValidationFailed, std::move(message));
}

Result<std::string> checked_title(const std::string& raw) {
  std::string title = trim(raw);
  const auto chars = utf8_length(title);
  if (!chars) return invalid("title must be valid UTF-8");
  if (*chars == 0 || *chars > kTitleMaxChars) return invalid("title must be 1 to 140 characters");
  if (has_control_characters(title, false)) {
    return invalid("title must not contain control characters");
  }
  return title;
}

Result<std::string> checked_description(const std::string& raw) {
  std::string description = trim(raw);
  const auto chars = utf8_length(description);
  if (!chars) return invalid("description must be valid UTF-8");
  if (*chars > kDescriptionMaxChars) return invalid("description must be at most 5000 characters");
  if (has_control_characters(description, true)) {
    return invalid("description must not contain control characters");
  }
  return description;
}

Result<std::string> checked_currency(const std::string& raw) {
  if (raw.size() != 3) return invalid("currency must be a three-letter ISO 4217 code");
  std::string out;
  for (const char c : raw) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(c);
    } else {
      return invalid("currency must be a three-letter ISO 4217 code");
    }
  }
  return out;
}

Result<std::vector<std::string>> checked_blocked_words(const std::vector<std::string>& raw) {
  if (raw.size() > kMaxBlockedWords) return invalid("chat.blockedWords holds at most 200 words");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& word : raw) {
    std::string w = trim(word);
    for (char& c : w) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    const auto chars = utf8_length(w);
    if (!chars || *chars == 0 || *chars > kMaxBlockedWordChars ||
        has_control_characters(w, false)) {
      return invalid("chat.blockedWords entries must be 1 to 64 characters of text");
    }
    if (seen.insert(w).second) out.push_back(std::move(w));
  }
  return out;
}

Result<void> check_schedule(int64_t at, int64_t now_ms) {
  if (at <= now_ms) return invalid("scheduledAt must be in the future");
  if (at - now_ms > kMaxScheduleAheadMs) {
    return invalid("scheduledAt must be at most 365 days ahead");
  }
  return ok_result();
}

// Applies every field of `input` to `s`, validating each; then the rules between fields.
Result<void> apply(const StreamInput& input, store::LiveStream& s, int64_t now_ms) {
  if (input.title) {
    auto t = checked_title(*input.title);
    if (!t) return t.error();
    s.title = std::move(t).value();
  }
  if (input.description) {
    auto d = checked_description(*input.description);
    if (!d) return d.error();
    s.description = std::move(d).value();
  }
  if (input.visibility) {
    const auto v = store::parse_visibility(*input.visibility);
    if (!v) return invalid("visibility must be PUBLIC, SUBSCRIBERS, TIER or PAID");
    s.visibility = *v;
  }
  if (input.min_tier) {
    if (*input.min_tier < 1 || *input.min_tier > kMaxTier) {
      return invalid("minTier must be 1 to 100");
    }
    s.min_tier = *input.min_tier;
  }
  if (input.price_cents) {
    if (*input.price_cents < 0 || *input.price_cents > kMaxPriceCents) {
      return invalid("priceCents must be 0 to 1000000");
    }
    s.price_cents = *input.price_cents;
  }
  if (input.currency) {
    auto c = checked_currency(*input.currency);
    if (!c) return c.error();
    s.currency = std::move(c).value();
  }
  if (input.chat.enabled) s.chat_enabled = *input.chat.enabled;
  if (input.chat.subscribers_only) s.chat_subscribers_only = *input.chat.subscribers_only;
  if (input.chat.slow_mode_seconds) {
    if (*input.chat.slow_mode_seconds < 0 || *input.chat.slow_mode_seconds > kMaxSlowModeSeconds) {
      return invalid("chat.slowModeSeconds must be 0 to 3600");
    }
    s.chat_slow_mode_seconds = *input.chat.slow_mode_seconds;
  }
  if (input.chat.blocked_words) {
    auto words = checked_blocked_words(*input.chat.blocked_words);
    if (!words) return words.error();
    s.chat_blocked_words = std::move(words).value();
  }
  if (input.record) s.record = *input.record;
  if (input.transcode) s.transcode = *input.transcode;
  if (input.scheduled_at) {
    if (*input.scheduled_at) {
      auto ok = check_schedule(**input.scheduled_at, now_ms);
      if (!ok) return ok.error();
    }
    s.scheduled_at = *input.scheduled_at;
  }

  if (s.visibility == store::Visibility::kPaid && s.price_cents < kMinPaidPriceCents) {
    return invalid("a PAID stream needs priceCents of at least 50");
  }
  return ok_result();
}

}  // namespace

Result<store::LiveStream> settings_for_new_stream(const StreamInput& input, int64_t now_ms) {
  if (!input.title) return invalid("title is required");
  store::LiveStream s;
  auto applied = apply(input, s, now_ms);
  if (!applied) return applied.error();
  s.status = s.scheduled_at ? store::StreamStatus::kScheduled : store::StreamStatus::kCreated;
  return s;
}

Result<store::StreamSettingsUpdate> settings_update(const StreamInput& input,
                                                    const store::LiveStream& current,
                                                    int64_t now_ms) {
  store::LiveStream merged = current;
  auto applied = apply(input, merged, now_ms);
  if (!applied) return applied.error();

  // Only what was given goes into the update, in its validated (normalised) form.
  store::StreamSettingsUpdate u;
  if (input.title) u.title = merged.title;
  if (input.description) u.description = merged.description;
  if (input.visibility) u.visibility = merged.visibility;
  if (input.min_tier) u.min_tier = merged.min_tier;
  if (input.price_cents) u.price_cents = merged.price_cents;
  if (input.currency) u.currency = merged.currency;
  if (input.chat.enabled) u.chat_enabled = merged.chat_enabled;
  if (input.chat.subscribers_only) u.chat_subscribers_only = merged.chat_subscribers_only;
  if (input.chat.slow_mode_seconds) u.chat_slow_mode_seconds = merged.chat_slow_mode_seconds;
  if (input.chat.blocked_words) u.chat_blocked_words = merged.chat_blocked_words;
  if (input.record) u.record = merged.record;
  if (input.transcode) u.transcode = merged.transcode;
  if (input.scheduled_at) u.scheduled_at = merged.scheduled_at;
  return u;
}

bool changes_access_terms(const store::StreamSettingsUpdate& u, const store::LiveStream& current) {
  return (u.visibility && *u.visibility != current.visibility) ||
         (u.min_tier && *u.min_tier != current.min_tier) ||
         (u.price_cents && *u.price_cents != current.price_cents) ||
         (u.currency && *u.currency != current.currency);
}

}  // namespace stagecast::platform
