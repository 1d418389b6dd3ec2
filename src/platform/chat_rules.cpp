#include "platform/chat_rules.h"

#include "platform/access_facts.h"

namespace stagecast::platform {

namespace {

ChatVerdict refuse(std::string code, std::string message, int64_t retry_after_ms = 0) {
  ChatVerdict v;
  v.code = std::move(code);
  v.message = std::move(message);
  v.retry_after_ms = retry_after_ms;
  return v;
}

std::string explain(std::string_view reason) {
  if (reason == "stream_ended") return "the stream has ended";
  if (reason == "chat_disabled") return "chat is turned off for this stream";
  if (reason == "login_required") return "sign in to chat";
  if (reason == "banned") return "you are banned from this channel";
  if (reason == "timed_out") return "you are timed out";
  if (reason == "subscription_required") return "this chat is for subscribers only";
  if (reason == "tier_required") return "this stream is for a higher subscription tier";
  if (reason == "ticket_required") return "this stream needs a ticket";
  return "you may not chat here";
}

}  // namespace

ChatRules::ChatRules(const ChatLimits& limits, const BlockedWords& global_words,
                     const AccessPolicy& policy, const Clock& clock)
    : limits_(&limits),
      policy_(&policy),
      clock_(&clock),
      global_words_(&global_words),
      words_(global_words),
      throttle_(limits.rate) {}

void ChatRules::set_stream(const store::LiveStream& stream) {
  facts_ = AccessFacts::stream_facts(stream, false);
  slow_mode_seconds_ = stream.chat_slow_mode_seconds;
  words_ = BlockedWords(*global_words_, stream.chat_blocked_words);
}

Subject ChatRules::effective(const ChatSender& sender, int64_t now_ms) const {
  Subject s = sender.subject;
  s.timed_out = sender.timed_out_until && *sender.timed_out_until > now_ms;
  return s;
}

Decision ChatRules::may_chat(const ChatSender& sender) const {
  return policy_->decide(effective(sender, clock_->unix_millis()), facts_, Action::kChat);
}

ChatVerdict ChatRules::check_and_record(const ChatSender& sender, std::string_view raw_text) {
  const int64_t now = clock_->unix_millis();
  const Subject subject = effective(sender, now);
  const Decision d = policy_->decide(subject, facts_, Action::kChat);
  if (!d.allowed) {
    const int64_t retry =
        d.reason == "timed_out" && sender.timed_out_until ? *sender.timed_out_until - now : 0;
    return refuse(std::string(d.reason), explain(d.reason), retry);
  }
  auto text = checked_chat_text(raw_text, limits_->max_chars);
  if (!text) return refuse(text.error().code, text.error().message);
  if (words_.find_in(*text)) {
    // The word is not echoed: the list is the owner's, not the audience's.
    return refuse("blocked_word", "the message contains a blocked word");
  }
  const bool exempt = subject.owner || subject.moderator || subject.role == store::Role::kAdmin;
  const ThrottleVerdict t = throttle_.check(sender.user_id, now, slow_mode_seconds_, exempt);
  if (!t.allowed) {
    const std::string code = t.code;
    return refuse(code,
                  code == "slow_mode" ? "slow mode is on: wait before posting again"
                                      : "you are sending messages too fast",
                  t.retry_after_ms);
  }
  throttle_.record(sender.user_id, now);
  ChatVerdict v;
  v.accepted = true;
  v.text = std::move(text).value();
  return v;
}

void ChatRules::prune() { throttle_.prune(clock_->unix_millis(), slow_mode_seconds_); }

}  // namespace stagecast::platform
