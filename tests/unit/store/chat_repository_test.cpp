#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(ChatRepositoryTest);

class ChatFixture {
 public:
  static ChatMessage message(const std::string& stream_id, const std::string& user_id, int n,
                             int64_t at) {
    ChatMessage m;
    m.stream_id = stream_id;
    m.user_id = user_id;
    m.display_name = "fan";
    m.body = "message " + std::to_string(n);
    m.created_at = at;
    return m;
  }
};

TEST_P(ChatRepositoryTest, RecentFiftyIsTheNewestNonModeratedInChronologicalOrder) {
  User artist = make_user("artist@example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  LiveStream s = make_stream(artist.id, "hash-chat");
  LiveStream other = make_stream(artist.id, "hash-other");
  std::vector<ChatMessage> stored;
  for (int i = 0; i < 70; ++i) {
    // Several messages share a millisecond: order must come from seq, not the clock.
    if (i % 3 == 0) clock_.advance(std::chrono::milliseconds(1));
    auto m = store().chat().append(ChatFixture::message(s.id, fan.id, i, clock_.unix_millis()));
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->seq, i + 1);
    stored.push_back(m.value());
  }
  ASSERT_TRUE(store().chat().append(ChatFixture::message(other.id, fan.id, 999, 0)).ok());
  // Moderate three of the newest 50 and one older one.
  for (int i : {69, 60, 41, 5}) {
    ASSERT_TRUE(store().chat().mark_moderated(stored[i].id, artist.id, clock_.unix_millis()).ok());
  }

  auto recent = store().chat().recent(s.id, 50);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 50u);
  // The 50 newest visible messages are 17..68 minus 60 and 41, oldest first.
  std::vector<std::string> expected;
  for (int i = 69; i >= 0 && expected.size() < 50; --i) {
    if (i == 69 || i == 60 || i == 41 || i == 5) continue;
    expected.insert(expected.begin(), "message " + std::to_string(i));
  }
  std::vector<std::string> got;
  for (const auto& m : *recent) {
    got.push_back(m.body);
    EXPECT_FALSE(m.moderated);
    EXPECT_EQ(m.stream_id, s.id);
  }
  EXPECT_EQ(got, expected);
  for (size_t i = 1; i < recent->size(); ++i) EXPECT_LT((*recent)[i - 1].seq, (*recent)[i].seq);
}

TEST_P(ChatRepositoryTest, PageBeforeWalksBackwardsAndModeratorsMaySeeModerated) {
  User artist = make_user("artist@example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  LiveStream s = make_stream(artist.id, "hash-page");
  std::vector<ChatMessage> stored;
  for (int i = 0; i < 10; ++i) {
    clock_.advance(std::chrono::milliseconds(10));
    stored.push_back(
        store().chat().append(ChatFixture::message(s.id, fan.id, i, clock_.unix_millis())).value());
  }
  ASSERT_TRUE(store().chat().mark_moderated(stored[6].id, artist.id, clock_.unix_millis()).ok());

  auto page = store().chat().page_before(s.id, stored[8].seq, 3, false);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].body, "message 4");
  EXPECT_EQ((*page)[1].body, "message 5");
  EXPECT_EQ((*page)[2].body, "message 7");

  auto mod_view = store().chat().page_before(s.id, stored[8].seq, 3, true);
  ASSERT_TRUE(mod_view.ok());
  ASSERT_EQ(mod_view->size(), 3u);
  EXPECT_EQ((*mod_view)[1].body, "message 6");
  EXPECT_TRUE((*mod_view)[1].moderated);
  EXPECT_EQ((*mod_view)[1].moderated_by, artist.id);

  auto first = store().chat().page_before(s.id, stored[2].seq, 50, false);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ(first->front().body, "message 0");
}

TEST_P(ChatRepositoryTest, ModeratingKeepsTheFirstModeratorAndBanHidesAllOfAUser) {
  User artist = make_user("artist@example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  User troll = make_user("troll@example.com");
  User mod = make_user("mod@example.com");
  LiveStream s = make_stream(artist.id, "hash-mod");
  auto m = store().chat().append(ChatFixture::message(s.id, troll.id, 0, 1)).value();
  store().chat().append(ChatFixture::message(s.id, troll.id, 1, 2)).value();
  store().chat().append(ChatFixture::message(s.id, fan.id, 2, 3)).value();
  store().chat().append(ChatFixture::message(s.id, troll.id, 3, 4)).value();

  auto first = store().chat().mark_moderated(m.id, mod.id, 100);
  ASSERT_TRUE(first.ok());
  auto second = store().chat().mark_moderated(m.id, artist.id, 200);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->moderated_by, mod.id);
  EXPECT_EQ(second->moderated_at, 100);

  auto hidden = store().chat().mark_user_moderated(s.id, troll.id, artist.id, 300);
  ASSERT_TRUE(hidden.ok());
  EXPECT_EQ(*hidden, 2);
  auto recent = store().chat().recent(s.id, 50);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ(recent->front().user_id, fan.id);

  EXPECT_EQ(store().chat().mark_moderated("missing", mod.id, 1).error().code, "not_found");
}

TEST_P(ChatRepositoryTest, SystemAndTipMessagesAndTheStreamCounter) {
  User artist = make_user("artist@example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  LiveStream s = make_stream(artist.id, "hash-kinds");
  ChatMessage sys;
  sys.stream_id = s.id;
  sys.display_name = "Stagecast";
  sys.body = "Stream started";
  sys.kind = ChatMessageKind::kSystem;
  auto stored_sys = store().chat().append(sys);
  ASSERT_TRUE(stored_sys.ok());
  EXPECT_FALSE(stored_sys->user_id.has_value());
  ChatMessage tip = ChatFixture::message(s.id, fan.id, 1, 5);
  tip.kind = ChatMessageKind::kTip;
  tip.tip_id = "tip-1";
  ASSERT_TRUE(store().chat().append(tip).ok());
  ASSERT_TRUE(store().chat().append(ChatFixture::message(s.id, fan.id, 2, 6)).ok());

  auto recent = store().chat().recent(s.id, 50);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 3u);
  EXPECT_EQ((*recent)[0].kind, ChatMessageKind::kSystem);
  EXPECT_EQ((*recent)[1].kind, ChatMessageKind::kTip);
  EXPECT_EQ((*recent)[1].tip_id, "tip-1");
  EXPECT_EQ(store().streams().find(s.id)->chat_message_count, 2);  // system not counted

  auto unknown = store().chat().append(ChatFixture::message("no-stream", fan.id, 3, 7));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "invalid_argument");
}

}  // namespace
}  // namespace stagecast::store::testing
