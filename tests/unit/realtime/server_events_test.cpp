// Server events are valid JSON with the documented fields, whatever users typed.

#include "realtime/server_events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace stagecast::realtime::events {
namespace {

using nlohmann::json;

store::ChatMessage message(std::string id, std::string body) {
  store::ChatMessage m;
  m.id = std::move(id);
  m.stream_id = "s1";
  m.user_id = "u1";
  m.display_name = "Ann \"the\" fan";
  m.body = std::move(body);
  m.created_at = 1700000000000;
  return m;
}

TEST(ServerEvents, ChatCarriesTheMessage) {
  const json j = json::parse(chat(message("m1", "hi </script> \"quoted\"")));
  EXPECT_EQ(j["type"], "chat");
  EXPECT_EQ(j["message"]["id"], "m1");
  EXPECT_EQ(j["message"]["text"], "hi </script> \"quoted\"");
  EXPECT_EQ(j["message"]["displayName"], "Ann \"the\" fan");
  EXPECT_EQ(j["message"]["kind"], "TEXT");
  EXPECT_EQ(j["message"]["createdAt"], 1700000000000);
}

TEST(ServerEvents, NeverThrowsOnBytesThatAreNotUtf8) {
  // Text reaching here was checked, but a display name from an old import might not be.
  store::ChatMessage m = message("m1", "ok");
  m.display_name = "bad \xFF name";
  const json j = json::parse(chat(m));
  EXPECT_EQ(j["message"]["displayName"], "bad \xEF\xBF\xBD name");  // U+FFFD
}

TEST(ServerEvents, JoinedSplicesTheHistoryAsTheLastField) {
  store::LiveStream s;
  s.id = "s1";
  s.artist_id = "a1";
  s.title = R"("history":null trick)";
  std::deque<store::ChatMessage> h{message("m1", "one"), message("m2", "two")};
  You you;
  you.user_id = "u1";
  you.display_name = "Ann";
  you.role = "viewer";
  you.can_chat = true;
  const json j = json::parse(joined(s, 500, you, history_array(h), 7, std::string("r")));
  EXPECT_EQ(j["type"], "joined");
  EXPECT_EQ(j["stream"]["title"], R"("history":null trick)");
  EXPECT_EQ(j["stream"]["chat"]["maxMessageChars"], 500);
  EXPECT_EQ(j["viewers"], 7);
  EXPECT_EQ(j["requestId"], "r");
  EXPECT_EQ(j["you"]["chatRefusal"], nullptr);
  ASSERT_EQ(j["history"].size(), 2u);
  EXPECT_EQ(j["history"][1]["text"], "two");
  const json empty = json::parse(joined(s, 500, you, history_array({}), 0, std::nullopt));
  EXPECT_TRUE(empty["history"].is_array());
  EXPECT_TRUE(empty["history"].empty());
  EXPECT_FALSE(empty.contains("requestId"));
}

TEST(ServerEvents, BatchWrapsEventsInOrder) {
  std::vector<std::shared_ptr<const std::string>> evs{
      std::make_shared<const std::string>(chat(message("m1", "a"))),
      std::make_shared<const std::string>(viewers("s1", 3)),
      std::make_shared<const std::string>(message_deleted("s1", "m1"))};
  const json j = json::parse(batch(evs));
  EXPECT_EQ(j["type"], "batch");
  ASSERT_EQ(j["events"].size(), 3u);
  EXPECT_EQ(j["events"][0]["type"], "chat");
  EXPECT_EQ(j["events"][1]["count"], 3);
  EXPECT_EQ(j["events"][2]["messageId"], "m1");
}

TEST(ServerEvents, ErrorsCarryCodeMessageRetryAndRequestId) {
  const json j = json::parse(error("slow_mode", "wait", std::string("r9"), 1500));
  EXPECT_EQ(j["type"], "error");
  EXPECT_EQ(j["error"]["code"], "slow_mode");
  EXPECT_EQ(j["error"]["retryAfterMs"], 1500);
  EXPECT_EQ(j["requestId"], "r9");
  EXPECT_FALSE(json::parse(error("x", "y", std::nullopt))["error"].contains("retryAfterMs"));
}

}  // namespace
}  // namespace stagecast::realtime::events
