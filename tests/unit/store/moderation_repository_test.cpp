#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(ModerationRepositoryTest);

TEST_P(ModerationRepositoryTest, ActionsFormAnAuditTrailNewestFirst) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-audit");
  for (int i = 0; i < 3; ++i) {
    ModerationAction a;
    a.stream_id = s.id;
    a.artist_id = artist.id;
    a.actor_id = artist.id;
    a.target_user_id = "user-" + std::to_string(i);
    a.action = i == 2 ? ModerationActionKind::kTimeout : ModerationActionKind::kDeleteMessage;
    a.duration_seconds = i == 2 ? std::optional<int64_t>(300) : std::nullopt;
    a.reason = "spam";
    a.created_at = 1000 + i;
    auto r = store().moderation().record_action(a);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->id.size(), 32u);
  }
  ModerationAction appoint;
  appoint.artist_id = artist.id;
  appoint.actor_id = artist.id;
  appoint.target_user_id = "mod-1";
  appoint.action = ModerationActionKind::kAppointModerator;
  appoint.created_at = 2000;
  ASSERT_TRUE(store().moderation().record_action(appoint).ok());

  auto by_stream = store().moderation().list_actions_for_stream(s.id, 10);
  ASSERT_TRUE(by_stream.ok());
  ASSERT_EQ(by_stream->size(), 3u);
  EXPECT_EQ(by_stream->front().action, ModerationActionKind::kTimeout);
  EXPECT_EQ(by_stream->front().duration_seconds, 300);
  auto by_artist = store().moderation().list_actions_for_artist(artist.id, 10);
  ASSERT_TRUE(by_artist.ok());
  ASSERT_EQ(by_artist->size(), 4u);
  EXPECT_EQ(by_artist->front().action, ModerationActionKind::kAppointModerator);
  EXPECT_FALSE(by_artist->front().stream_id.has_value());
}

TEST_P(ModerationRepositoryTest, TimeoutsExpireBansDoNotAndUnbanRemoves) {
  int64_t now = clock_.unix_millis();
  StreamBan timeout{"artist-1", "chatty", now + 60'000, "slow down", "artist-1", now};
  StreamBan ban{"artist-1", "troll", std::nullopt, "abuse", "mod-1", now};
  ASSERT_TRUE(store().moderation().put_ban(timeout).ok());
  ASSERT_TRUE(store().moderation().put_ban(ban).ok());

  auto active = store().moderation().find_active_ban("artist-1", "chatty", now + 1000);
  ASSERT_TRUE(active.ok());
  ASSERT_TRUE(active->has_value());
  EXPECT_EQ((*active)->expires_at, now + 60'000);
  auto expired = store().moderation().find_active_ban("artist-1", "chatty", now + 60'000);
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());
  auto forever = store().moderation().find_active_ban("artist-1", "troll", now + 1'000'000'000);
  ASSERT_TRUE(forever.ok());
  EXPECT_TRUE(forever->has_value());
  EXPECT_FALSE(store().moderation().find_active_ban("artist-2", "troll", now)->has_value());

  auto list = store().moderation().list_active_bans("artist-1", now + 120'000);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().user_id, "troll");

  // A timeout turned into a ban replaces the row.
  StreamBan upgraded{"artist-1", "chatty", std::nullopt, "again", "artist-1", now + 5};
  ASSERT_TRUE(store().moderation().put_ban(upgraded).ok());
  EXPECT_TRUE(store().moderation().find_active_ban("artist-1", "chatty", now + 120'000)
                  ->has_value());

  EXPECT_TRUE(*store().moderation().remove_ban("artist-1", "troll"));
  EXPECT_FALSE(*store().moderation().remove_ban("artist-1", "troll"));
  EXPECT_FALSE(store().moderation().find_active_ban("artist-1", "troll", now)->has_value());
}

TEST_P(ModerationRepositoryTest, ModeratorsAreAppointedPerArtist) {
  EXPECT_TRUE(*store().moderation().add_moderator({"artist-1", "mod-1", "artist-1", 1}));
  EXPECT_FALSE(*store().moderation().add_moderator({"artist-1", "mod-1", "artist-1", 2}));
  EXPECT_TRUE(*store().moderation().add_moderator({"artist-1", "mod-2", "artist-1", 3}));
  EXPECT_TRUE(*store().moderation().is_moderator("artist-1", "mod-1"));
  EXPECT_FALSE(*store().moderation().is_moderator("artist-2", "mod-1"));
  auto mods = store().moderation().list_moderators("artist-1");
  ASSERT_TRUE(mods.ok());
  ASSERT_EQ(mods->size(), 2u);
  EXPECT_EQ(mods->front().moderator_user_id, "mod-1");
  EXPECT_EQ(mods->front().created_at, 1);
  EXPECT_TRUE(*store().moderation().remove_moderator("artist-1", "mod-1"));
  EXPECT_FALSE(*store().moderation().is_moderator("artist-1", "mod-1"));
  EXPECT_FALSE(*store().moderation().remove_moderator("artist-1", "mod-1"));
}

}  // namespace
}  // namespace stagecast::store::testing
