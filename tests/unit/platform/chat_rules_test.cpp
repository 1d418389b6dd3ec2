// The chat rules without I/O: text checks, blocked words, slow mode and rate limit (with a
// ManualClock), and the access policy's CHAT decision on the room's current settings.

#include "platform/chat_rules.h"

#include <gtest/gtest.h>

#include "platform/chat_text.h"
#include "platform/chat_throttle.h"

namespace stagecast::platform {
namespace {

using namespace std::chrono_literals;

// ---- text ----

TEST(ChatText, TrimsAndAcceptsOrdinaryTextIncludingNonAscii) {
  auto t = checked_chat_text("  hello, wörld 👋  ", 500);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "hello, wörld 👋");
}

TEST(ChatText, RefusesMalformedUtf8) {
  EXPECT_EQ(checked_chat_text("caf\xC3", 500).error().code, "invalid_utf8");       // truncated
  EXPECT_EQ(checked_chat_text("\xC0\xAF", 500).error().code, "invalid_utf8");      // overlong '/'
  EXPECT_EQ(checked_chat_text("\xED\xA0\x80", 500).error().code, "invalid_utf8");  // surrogate
  EXPECT_EQ(checked_chat_text("\xF4\x90\x80\x80", 500).error().code, "invalid_utf8");  // > U+10FFFF
  EXPECT_EQ(checked_chat_text("\xFF", 500).error().code, "invalid_utf8");
}

TEST(ChatText, RefusesControlCharactersIncludingLineBreaksC1AndBidiOverrides) {
  EXPECT_EQ(checked_chat_text(std::string("a\0b", 3), 500).error().code, "control_characters");
  EXPECT_EQ(checked_chat_text("line\nbreak", 500).error().code, "control_characters");
  EXPECT_EQ(checked_chat_text("tab\there", 500).error().code, "control_characters");
  EXPECT_EQ(checked_chat_text("bell\x07", 500).error().code, "control_characters");
  EXPECT_EQ(checked_chat_text("del\x7F", 500).error().code, "control_characters");
  EXPECT_EQ(checked_chat_text("c1 \xC2\x85 nel", 500).error().code, "control_characters");
  EXPECT_EQ(checked_chat_text("rlo \xE2\x80\xAE txt", 500).error().code, "control_characters");
  EXPECT_EQ(checked_chat_text("isolate \xE2\x81\xA6", 500).error().code, "control_characters");
  // Neighbours of those ranges are ordinary text: U+00A0 and U+2030 (per mille).
  EXPECT_TRUE(checked_chat_text("nbsp\xC2\xA0x \xE2\x80\xB0", 500).ok());
}

TEST(ChatText, RefusesLineSeparatorsAndInvisibleOnlyMessages) {
  EXPECT_EQ(checked_chat_text("a\xE2\x80\xA8"
                              "b",
                              500)
                .error()
                .code,
            "control_characters");  // U+2028
  EXPECT_EQ(checked_chat_text("a\xE2\x80\xA9"
                              "b",
                              500)
                .error()
                .code,
            "control_characters");                                                        // U+2029
  EXPECT_EQ(checked_chat_text("\xEF\xBF\xB9x", 500).error().code, "control_characters");  // U+FFF9
  // Nothing but zero-width space, joiner, word joiner, BOM, Hangul filler, braille blank,
  // ideographic space, a variation selector and a tag: nothing to see, so empty.
  for (const char* invisible :
       {"\xE2\x80\x8B", "\xE2\x80\x8D\xE2\x80\x8C", "\xE2\x81\xA0", "\xEF\xBB\xBF", "\xE3\x85\xA4",
        "\xE2\xA0\x80", "\xE3\x80\x80 \xE3\x80\x80", "\xEF\xB8\x8F", "\xF3\xA0\x80\x81",
        "\xC2\xA0\xC2\xAD"}) {
    EXPECT_EQ(checked_chat_text(invisible, 500).error().code, "message_empty") << invisible;
  }
  // Between visible characters they stay: a family emoji is joined by U+200D.
  EXPECT_TRUE(checked_chat_text("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 hi", 500).ok());
  EXPECT_TRUE(checked_chat_text("a\xE2\x80\x8B"
                                "b",
                                500)
                  .ok());
}

TEST(ChatText, RefusesEmptyAndCountsLengthInCodePoints) {
  EXPECT_EQ(checked_chat_text("   ", 500).error().code, "message_empty");
  EXPECT_EQ(checked_chat_text("", 500).error().code, "message_empty");
  EXPECT_TRUE(checked_chat_text(std::string(10, 'a'), 10).ok());
  EXPECT_EQ(checked_chat_text(std::string(11, 'a'), 10).error().code, "message_too_long");
  // Ten two-byte characters are ten characters, not twenty.
  std::string umlauts;
  for (int i = 0; i < 10; ++i) umlauts += "ü";
  EXPECT_TRUE(checked_chat_text(umlauts, 10).ok());
  EXPECT_EQ(checked_chat_text(umlauts + "ü", 10).error().code, "message_too_long");
}

// ---- blocked words ----

TEST(BlockedWords, MatchesWholeWordsCaseInsensitively) {
  BlockedWords words({"darn", "Heck", "  spoiler alert "});
  EXPECT_EQ(words.find_in("well DARN it"), "darn");
  EXPECT_EQ(words.find_in("heck!"), "heck");
  EXPECT_EQ(words.find_in("(darn)"), "darn");
  EXPECT_EQ(words.find_in("SPOILER ALERT: he dies"), "spoiler alert");
  EXPECT_FALSE(words.find_in("darned socks"));  // inside a longer word
  EXPECT_FALSE(words.find_in("checkmate"));     // "heck" inside
  EXPECT_FALSE(words.find_in("spoiler"));       // half the phrase
  EXPECT_FALSE(words.find_in("nothing to see"));
  // A non-ASCII letter is a letter: "darnä" is another word.
  EXPECT_FALSE(words.find_in("darnä"));
}

TEST(BlockedWords, GlobalAndStreamListsApplyTogether) {
  const BlockedWords global({"globalword"});
  const BlockedWords both(global, {"streamword"});
  EXPECT_TRUE(both.find_in("a globalword here"));
  EXPECT_TRUE(both.find_in("a streamword here"));
  EXPECT_FALSE(global.find_in("a streamword here"));
  EXPECT_EQ(both.size(), 2u);
}

TEST(BlockedWords, IgnoresEmptyEntries) {
  const BlockedWords words({"", "   "});
  EXPECT_TRUE(words.empty());
  EXPECT_FALSE(words.find_in("anything at all"));
}

// ---- throttle ----

TEST(ChatThrottle, RateLimitAllowsABurstThenRefillsOverTheWindow) {
  ChatThrottle t(RateLimit{3, 30'000});  // 3 messages, one back every 10 s
  int64_t now = 1'000'000;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(t.check("u", now, 0, false).allowed) << i;
    t.record("u", now);
  }
  const ThrottleVerdict v = t.check("u", now, 0, false);
  EXPECT_FALSE(v.allowed);
  EXPECT_STREQ(v.code, "rate_limited");
  EXPECT_EQ(v.retry_after_ms, 10'000);
  EXPECT_FALSE(t.check("u", now + 9'999, 0, false).allowed);
  EXPECT_TRUE(t.check("u", now + 10'000, 0, false).allowed);
  // Other users have their own budget.
  EXPECT_TRUE(t.check("other", now, 0, false).allowed);
}

TEST(ChatThrottle, SlowModeSpacesMessagesUnlessExempt) {
  ChatThrottle t(RateLimit{100, 1000});
  const int64_t now = 5'000'000;
  t.record("u", now);
  ThrottleVerdict v = t.check("u", now + 4'000, 10, false);
  EXPECT_FALSE(v.allowed);
  EXPECT_STREQ(v.code, "slow_mode");
  EXPECT_EQ(v.retry_after_ms, 6'000);
  EXPECT_TRUE(t.check("u", now + 10'000, 10, false).allowed);
  EXPECT_TRUE(t.check("u", now + 1, 10, true).allowed);  // owner, moderator, admin
  EXPECT_TRUE(t.check("u", now + 1, 0, false).allowed);  // slow mode off
}

TEST(ChatThrottle, PruneForgetsOnlyUnrestrictedUsers) {
  ChatThrottle t(RateLimit{2, 10'000});
  t.record("old", 0);
  t.record("recent", 100'000);
  t.prune(100'000, 0);
  EXPECT_EQ(t.tracked(), 1u);  // "old" has refilled; "recent" has not
}

// ---- the rules together ----

class ChatRulesTest : public ::testing::Test {
 protected:
  ChatRulesTest() : global_(limits_.blocked_words) {
    limits_.max_chars = 20;
    limits_.rate = RateLimit{5, 10'000};
    stream_.id = "s1";
    stream_.artist_id = "artist";
    stream_.status = store::StreamStatus::kLive;
    stream_.chat_blocked_words = {"streamword"};
  }

  ChatSender fan(std::string id = "fan") {
    ChatSender s;
    s.user_id = std::move(id);
    s.subject.anonymous = false;
    return s;
  }
  ChatRules rules() {
    ChatRules r(limits_, global_, policy_, clock_);
    r.set_stream(stream_);
    return r;
  }

  ChatLimits limits_{20, RateLimit{5, 10'000}, {"globalword"}};
  BlockedWords global_;
  AccessPolicy policy_;
  ManualClock clock_;
  store::LiveStream stream_;
};

TEST_F(ChatRulesTest, AcceptsAndTrims) {
  auto r = rules();
  const ChatVerdict v = r.check_and_record(fan(), "  hi there ");
  EXPECT_TRUE(v.accepted);
  EXPECT_EQ(v.text, "hi there");
}

TEST_F(ChatRulesTest, RefusesBlockedWordsOfBothLists) {
  auto r = rules();
  EXPECT_EQ(r.check_and_record(fan(), "a globalword").code, "blocked_word");
  EXPECT_EQ(r.check_and_record(fan(), "StreamWord!").code, "blocked_word");
}

TEST_F(ChatRulesTest, TextRulesComeFromTheLimits) {
  auto r = rules();
  EXPECT_EQ(r.check_and_record(fan(), std::string(21, 'x')).code, "message_too_long");
  EXPECT_EQ(r.check_and_record(fan(), "bad\xC3").code, "invalid_utf8");
  EXPECT_EQ(r.check_and_record(fan(), "two\nlines").code, "control_characters");
}

TEST_F(ChatRulesTest, RefusedMessagesDoNotCountAgainstTheRateLimit) {
  auto r = rules();
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(r.check_and_record(fan(), "globalword").accepted);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(r.check_and_record(fan(), "ok").accepted) << i;
  const ChatVerdict v = r.check_and_record(fan(), "ok");
  EXPECT_EQ(v.code, "rate_limited");
  EXPECT_EQ(v.retry_after_ms, 2'000);
  clock_.advance(2s);
  EXPECT_TRUE(r.check_and_record(fan(), "ok").accepted);
}

TEST_F(ChatRulesTest, SlowModeBindsFansNotTheOwnerOrModerators) {
  stream_.chat_slow_mode_seconds = 30;
  auto r = rules();
  EXPECT_TRUE(r.check_and_record(fan(), "first").accepted);
  clock_.advance(10s);
  const ChatVerdict v = r.check_and_record(fan(), "second");
  EXPECT_EQ(v.code, "slow_mode");
  EXPECT_EQ(v.retry_after_ms, 20'000);
  clock_.advance(20s);
  EXPECT_TRUE(r.check_and_record(fan(), "second").accepted);

  ChatSender owner = fan("artist");
  owner.subject.owner = true;
  ChatSender mod = fan("mod");
  mod.subject.moderator = true;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(r.check_and_record(owner, "owner talks").accepted);
    EXPECT_TRUE(r.check_and_record(mod, "mod talks").accepted);
  }
}

TEST_F(ChatRulesTest, TimeoutHoldsUntilItsEndThenLifts) {
  auto r = rules();
  ChatSender s = fan();
  s.timed_out_until = clock_.unix_millis() + 60'000;
  ChatVerdict v = r.check_and_record(s, "let me talk");
  EXPECT_EQ(v.code, "timed_out");
  EXPECT_EQ(v.retry_after_ms, 60'000);
  clock_.advance(59s);
  EXPECT_EQ(r.check_and_record(s, "now?").code, "timed_out");
  clock_.advance(1s);
  EXPECT_TRUE(r.check_and_record(s, "thanks").accepted);
}

TEST_F(ChatRulesTest, StreamSettingsAndStateComeFirst) {
  stream_.chat_enabled = false;
  EXPECT_EQ(rules().check_and_record(fan(), "hi").code, "chat_disabled");
  stream_.chat_enabled = true;
  stream_.chat_subscribers_only = true;
  EXPECT_EQ(rules().check_and_record(fan(), "hi").code, "subscription_required");
  ChatSender sub = fan();
  sub.subject.subscription_tier = 1;
  EXPECT_TRUE(rules().check_and_record(sub, "hi").accepted);
  stream_.status = store::StreamStatus::kEnded;
  EXPECT_EQ(rules().check_and_record(sub, "hi").code, "stream_ended");

  ChatSender anonymous;
  stream_.status = store::StreamStatus::kLive;
  stream_.chat_subscribers_only = false;
  EXPECT_EQ(rules().check_and_record(anonymous, "hi").code, "login_required");
  ChatSender banned = fan();
  banned.subject.banned = true;
  EXPECT_EQ(rules().check_and_record(banned, "hi").code, "banned");
}

TEST_F(ChatRulesTest, SettingsChangeTakesEffectOnTheNextMessage) {
  auto r = rules();
  EXPECT_TRUE(r.check_and_record(fan(), "fine").accepted);
  stream_.chat_blocked_words = {"fine"};
  r.set_stream(stream_);
  EXPECT_EQ(r.check_and_record(fan(), "fine").code, "blocked_word");
  EXPECT_TRUE(r.may_chat(fan()).allowed);
  stream_.chat_enabled = false;
  r.set_stream(stream_);
  EXPECT_EQ(r.may_chat(fan()).reason, "chat_disabled");
}

}  // namespace
}  // namespace stagecast::platform
