// The node-to-node form of room events (realtime/room_event_codec.h): every kind survives the
// trip with the fields Room::apply uses, and what is malformed or inconsistent is refused.
#include "realtime/room_event_codec.h"

#include <gtest/gtest.h>

namespace stagecast::realtime {
namespace {

using Kind = RoomEvent::Kind;

store::ChatMessage message() {
  store::ChatMessage m;
  m.id = "m1";
  m.stream_id = "s1";
  m.user_id = "u1";
  m.display_name = "Ann \"the\" fan";
  m.body = "hello ✓ <b>";
  m.kind = store::ChatMessageKind::kTip;
  m.tip_id = "t1";
  m.created_at = 1'700'000'000'123;
  m.seq = 7;
  return m;
}

store::LiveStream stream() {
  store::LiveStream s;
  s.id = "s1";
  s.artist_id = "a1";
  s.title = "Live";
  s.visibility = store::Visibility::kTier;
  s.min_tier = 2;
  s.chat_slow_mode_seconds = 5;
  s.chat_blocked_words = {"spoiler"};
  s.status = store::StreamStatus::kLive;
  s.stream_key_hash = "never travels";
  s.started_at = 1'700'000'000'000;
  s.updated_at = 1'700'000'000'500;
  return s;
}

TEST(RoomEventCodec, ChatRoundTrip) {
  RoomEvent e;
  e.kind = Kind::kChat;
  e.wire = std::make_shared<const std::string>(R"({"type":"tip"})");
  e.message = std::make_shared<const store::ChatMessage>(message());
  auto d = decode_room_event(encode_room_event("node-a", "s1", e));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->node, "node-a");
  EXPECT_EQ(d->stream_id, "s1");
  EXPECT_EQ(d->event.kind, Kind::kChat);
  EXPECT_EQ(*d->event.wire, *e.wire);
  const auto& m = *d->event.message;
  EXPECT_EQ(m.id, "m1");
  EXPECT_EQ(m.user_id, "u1");
  EXPECT_EQ(m.display_name, "Ann \"the\" fan");
  EXPECT_EQ(m.body, "hello ✓ <b>");
  EXPECT_EQ(m.kind, store::ChatMessageKind::kTip);
  EXPECT_EQ(m.tip_id, "t1");
  EXPECT_EQ(m.created_at, 1'700'000'000'123);
  EXPECT_EQ(m.seq, 7);
}

TEST(RoomEventCodec, StreamChangedCarriesTheRecordButNotTheKeyHash) {
  RoomEvent e;
  e.kind = Kind::kStreamChanged;
  e.stream = std::make_shared<const store::LiveStream>(stream());
  const std::string bytes = encode_room_event("n", "s1", e);
  EXPECT_EQ(bytes.find("never travels"), std::string::npos);
  auto d = decode_room_event(bytes);
  ASSERT_TRUE(d.ok()) << d.error().message;
  const auto& s = *d->event.stream;
  EXPECT_EQ(s.visibility, store::Visibility::kTier);
  EXPECT_EQ(s.min_tier, 2);
  EXPECT_EQ(s.status, store::StreamStatus::kLive);
  EXPECT_EQ(s.chat_blocked_words, std::vector<std::string>{"spoiler"});
  EXPECT_EQ(s.started_at, 1'700'000'000'000);
  EXPECT_FALSE(s.ended_at.has_value());
  EXPECT_EQ(s.updated_at, 1'700'000'000'500);
  EXPECT_EQ(d->event.wire, nullptr);
}

TEST(RoomEventCodec, ModerationKinds) {
  for (const Kind k : {Kind::kUserTimedOut, Kind::kUserBanned, Kind::kUserUnbanned,
                       Kind::kModeratorAdded, Kind::kModeratorRemoved, Kind::kAccessRevoked}) {
    RoomEvent e;
    e.kind = k;
    e.user_id = "u9";
    e.until_ms = k == Kind::kUserTimedOut ? 123 : 0;
    auto d = decode_room_event(encode_room_event("n", "s1", e));
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->event.kind, k);
    EXPECT_EQ(d->event.user_id, "u9");
    EXPECT_EQ(d->event.until_ms, e.until_ms);
  }
  RoomEvent del;
  del.kind = Kind::kMessageDeleted;
  del.message_id = "m1";
  auto d = decode_room_event(encode_room_event("n", "s1", del));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->event.message_id, "m1");
}

TEST(RoomEventCodec, RefusesWhatIsMalformed) {
  for (const std::string bad : {
           "",
           "null",
           "[]",
           "{",
           R"({"v":2,"node":"n","stream":"s1","kind":"user_banned","user":"u"})",
           R"({"v":1,"stream":"s1","kind":"user_banned","user":"u"})",
           R"({"v":1,"node":"n","stream":"s1","kind":"explode","user":"u"})",
           R"({"v":1,"node":"n","stream":"s1","kind":"user_banned"})",
           R"({"v":1,"node":"n","stream":"s1","kind":"chat"})",
           R"({"v":1,"node":"n","stream":"s1","kind":"stream_changed"})",
           R"({"v":1,"node":"n","stream":"s1","kind":"message_deleted"})",
           R"({"v":1,"node":"n","stream":"s1","kind":"user_banned","user":5})",
           R"({"v":"1","node":"n","stream":"s1","kind":"user_banned","user":"u"})",
           R"({"v":1,"node":"n","stream":"s1","kind":"chat","message":{"id":"m"}})",
       }) {
    EXPECT_FALSE(decode_room_event(bad).ok()) << bad;
  }
  // A message or stream record of another stream than the envelope's.
  RoomEvent e;
  e.kind = Kind::kChat;
  e.message = std::make_shared<const store::ChatMessage>(message());
  EXPECT_FALSE(decode_room_event(encode_room_event("n", "s2", e)).ok());
  RoomEvent c;
  c.kind = Kind::kStreamChanged;
  c.stream = std::make_shared<const store::LiveStream>(stream());
  EXPECT_FALSE(decode_room_event(encode_room_event("n", "s2", c)).ok());
  EXPECT_FALSE(decode_room_event(std::string(kMaxRoomEventBytes + 1, ' ')).ok());
}

}  // namespace
}  // namespace stagecast::realtime
