// Parsing of client events: every type, the strictness rules, and hostile input.

#include "realtime/client_event.h"

#include <gtest/gtest.h>

namespace stagecast::realtime {
namespace {

TEST(ClientEvent, ParsesEveryType) {
  auto p = parse_client_event(R"({"type":"auth","token":"abc.def.ghi","requestId":"r1"})");
  ASSERT_TRUE(p.event.ok());
  EXPECT_EQ(std::get<AuthEvent>(*p.event).token, "abc.def.ghi");
  EXPECT_EQ(p.request_id, "r1");
  EXPECT_EQ(std::get<JoinEvent>(*parse_client_event(R"({"type":"join","streamId":"s-1"})").event)
                .stream_id,
            "s-1");
  EXPECT_TRUE(std::holds_alternative<LeaveEvent>(*parse_client_event(R"({"type":"leave"})").event));
  EXPECT_TRUE(std::holds_alternative<PingEvent>(*parse_client_event(R"({"type":"ping"})").event));
  EXPECT_EQ(
      std::get<ChatEvent>(*parse_client_event(R"({"type":"chat","text":"h\u00e9"})").event).text,
      "h\xC3\xA9");
  auto d = parse_client_event(R"({"type":"delete_message","messageId":"m1","reason":"spam"})");
  EXPECT_EQ(std::get<DeleteMessageEvent>(*d.event).reason, "spam");
  auto t = parse_client_event(R"({"type":"timeout","userId":"u1","seconds":600})");
  EXPECT_EQ(std::get<TimeoutEvent>(*t.event).seconds, 600);
  EXPECT_FALSE(std::get<TimeoutEvent>(*t.event).reason.has_value());
  EXPECT_TRUE(std::holds_alternative<BanEvent>(
      *parse_client_event(R"({"type":"ban","userId":"u1"})").event));
  EXPECT_TRUE(std::holds_alternative<UnbanEvent>(
      *parse_client_event(R"({"type":"unban","userId":"u1","reason":null})").event));
  EXPECT_TRUE(std::holds_alternative<AppointModeratorEvent>(
      *parse_client_event(R"({"type":"appoint_moderator","userId":"platform:42"})").event));
  auto r = parse_client_event(R"({"type":"remove_moderator","userId":"u1"})");
  EXPECT_EQ(event_type_name(*r.event), "remove_moderator");
}

TEST(ClientEvent, RefusesWhatIsNotAnEventObject) {
  for (const char* bad : {"", "{", "nul", "[1,2]", "\"chat\"", "42", "{\"type\":\"chat\",}"}) {
    auto p = parse_client_event(bad);
    ASSERT_FALSE(p.event.ok()) << bad;
    EXPECT_EQ(p.event.error().code, "invalid_json") << bad;
  }
  // Nesting beyond 8 levels is refused before the JSON parser sees it.
  EXPECT_EQ(parse_client_event(std::string(100000, '[')).event.error().code, "invalid_json");
  // ...but brackets inside strings do not count.
  EXPECT_TRUE(
      parse_client_event(R"({"type":"chat","text":")" + std::string(50, '[') + "\"}").event.ok());
}

TEST(ClientEvent, RefusesADuplicateKeyAtAnyLevel) {
  // "the last one wins" would let a filter read one text and the room broadcast another.
  for (const char* dup : {R"({"type":"chat","text":"hi","text":"bye"})",
                          R"({"type":"join","type":"leave","streamId":"s"})",
                          R"({"type":"chat","text":"a","requestId":"r","requestId":"s"})"}) {
    auto p = parse_client_event(dup);
    ASSERT_FALSE(p.event.ok()) << dup;
    EXPECT_EQ(p.event.error().code, "invalid_json") << dup;
  }
  // The same key in two different objects is not a duplicate.
  EXPECT_TRUE(
      parse_client_event(R"({"type":"chat","text":"a","extra":{"text":"b"}})").event.ok() ||
      parse_client_event(R"({"type":"chat","text":"a","extra":{"text":"b"}})").event.error().code !=
          "invalid_json");
}

TEST(ClientEvent, IsStrictAboutFields) {
  const auto code = [](const char* text) { return parse_client_event(text).event.error().code; };
  EXPECT_EQ(code(R"({"text":"no type"})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":7})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"fly"})"), "unknown_type");
  EXPECT_EQ(code(R"({"type":"join"})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"join","streamId":""})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"join","streamId":"a/b"})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"join","streamId":"s","streamid":"s"})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"chat","text":["a"]})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"timeout","userId":"u","seconds":1.5})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"timeout","userId":"u","seconds":"60"})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"timeout","userId":"u","seconds":18446744073709551615})"),
            "invalid_event");
  EXPECT_EQ(code(R"({"type":"ping","requestId":""})"), "invalid_event");
  EXPECT_EQ(code(R"({"type":"ping","requestId":5})"), "invalid_event");
  const std::string long_text = std::string(kMaxChatTextBytes + 1, 'a');
  EXPECT_EQ(parse_client_event(R"({"type":"chat","text":")" + long_text + "\"}").event.error().code,
            "invalid_event");
}

TEST(ClientEvent, KeepsTheRequestIdOfARefusedEvent) {
  auto p = parse_client_event(R"({"type":"fly","requestId":"abc"})");
  EXPECT_FALSE(p.event.ok());
  EXPECT_EQ(p.request_id, "abc");
}

TEST(ClientEvent, RefusesInvalidUtf8AndLoneSurrogates) {
  EXPECT_FALSE(parse_client_event("{\"type\":\"chat\",\"text\":\"\xC3\"}").event.ok());
  EXPECT_FALSE(parse_client_event(R"({"type":"chat","text":"\ud800"})").event.ok());
}

}  // namespace
}  // namespace stagecast::realtime
