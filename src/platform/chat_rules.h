#pragma once
// Whether one chat message may be posted in a room, decided without I/O: the room keeps the
// stream's settings and each member's access facts (loaded once, when they joined) and asks here
// for every message. Order of the checks, the first refusal wins:
//   1. the access policy for CHAT on the room's current settings (stream_ended, chat_disabled,
//      login_required, banned, timed_out (with retry_after_ms), subscription_required, ...);
//   2. the text rules (chat_text.h): invalid_utf8, control_characters, message_empty,
//      message_too_long;
//   3. the blocked words, global and the stream's own: blocked_word;
//   4. slow mode (owner, moderators and admins exempt): slow_mode (retry_after_ms);
//   5. the per-user rate limit: rate_limited (retry_after_ms).
// An accepted message is counted against 4 and 5. One ChatRules per room, used on the room's
// thread only.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "platform/access_policy.h"
#include "platform/chat_text.h"
#include "platform/chat_throttle.h"
#include "store/records.h"

namespace stagecast::platform {

struct ChatLimits {
  size_t max_chars = 500;
  RateLimit rate;
  std::vector<std::string> blocked_words;  // global, on top of every stream's own
};

// Who is posting, as the room knows them.
struct ChatSender {
  std::string user_id;
  Subject subject;  // from AccessFacts on join; timed_out is recomputed from timed_out_until
  std::optional<int64_t> timed_out_until;  // unix ms
};

struct ChatVerdict {
  bool accepted = false;
  std::string text;     // accepted: the text to post (trimmed)
  std::string code;     // refused: the reason code
  std::string message;  // refused: for people
  int64_t retry_after_ms = 0;  // timed_out, slow_mode, rate_limited
};

class ChatRules {
 public:
  // `global_words` and `policy` are borrowed and must outlive the rules.
  ChatRules(const ChatLimits& limits, const BlockedWords& global_words, const AccessPolicy& policy,
            const Clock& clock);

  // The stream's current status and chat settings.
  void set_stream(const store::LiveStream& stream);
  const StreamFacts& facts() const { return facts_; }
  int slow_mode_seconds() const { return slow_mode_seconds_; }

  // Decides, and on acceptance counts the message against slow mode and the rate limit.
  ChatVerdict check_and_record(const ChatSender& sender, std::string_view raw_text);

  // Whether `sender` may chat at all right now (rule 1 only), e.g. to tell a joining member.
  Decision may_chat(const ChatSender& sender) const;

  // Forgets users who are no longer restricted (call now and then).
  void prune();

 private:
  Subject effective(const ChatSender& sender, int64_t now_ms) const;

  const ChatLimits* limits_;
  const AccessPolicy* policy_;
  const Clock* clock_;
  const BlockedWords* global_words_;
  BlockedWords words_;
  StreamFacts facts_;
  int slow_mode_seconds_ = 0;
  ChatThrottle throttle_;
};

}  // namespace stagecast::platform
