// PlaybackRevocations: bans, timeouts and unbans as the HLS access check sees them.
#include "platform/playback_revocations.h"

#include <gtest/gtest.h>

namespace stagecast::platform {
namespace {

store::ModerationAction action(store::ModerationActionKind kind, std::string artist,
                               std::string user, int64_t at, std::optional<int64_t> seconds = {}) {
  store::ModerationAction a;
  a.action = kind;
  a.artist_id = std::move(artist);
  a.target_user_id = std::move(user);
  a.created_at = at;
  a.duration_seconds = seconds;
  return a;
}

TEST(PlaybackRevocations, BanHoldsUntilUnbanInThatArtistsChannelOnly) {
  PlaybackRevocations r;
  EXPECT_FALSE(r.revoked("artist", "fan", 1000));
  r.moderated(action(store::ModerationActionKind::kBan, "artist", "fan", 1000));
  EXPECT_TRUE(r.revoked("artist", "fan", 1000));
  EXPECT_TRUE(r.revoked("artist", "fan", 1000 + 365LL * 24 * 3600 * 1000));
  EXPECT_FALSE(r.revoked("other-artist", "fan", 1000));
  EXPECT_FALSE(r.revoked("artist", "other-fan", 1000));
  r.moderated(action(store::ModerationActionKind::kUnban, "artist", "fan", 2000));
  EXPECT_FALSE(r.revoked("artist", "fan", 2000));
}

TEST(PlaybackRevocations, TimeoutEndsOnItsOwn) {
  PlaybackRevocations r;
  r.moderated(action(store::ModerationActionKind::kTimeout, "artist", "fan", 10'000, 60));
  EXPECT_TRUE(r.revoked("artist", "fan", 10'000));
  EXPECT_TRUE(r.revoked("artist", "fan", 69'999));
  EXPECT_FALSE(r.revoked("artist", "fan", 70'000));
  // Deleting a message names a target too, and revokes nothing.
  r.moderated(action(store::ModerationActionKind::kDeleteMessage, "artist", "x", 0));
  EXPECT_FALSE(r.revoked("artist", "x", 0));
}

TEST(PlaybackRevocations, ALostTicketEndsPlaybackOfThatStreamUntilItAdmitsAgain) {
  PlaybackRevocations r;
  store::LiveStream stream;
  stream.id = "stream-1";
  stream.artist_id = "artist";
  store::StreamTicket t;
  t.stream_id = stream.id;
  t.fan_id = "fan";
  t.status = store::TicketStatus::kRefunded;
  r.ticket_access_changed(t, stream, false);
  EXPECT_TRUE(r.stream_revoked("stream-1", "fan"));
  EXPECT_FALSE(r.stream_revoked("stream-2", "fan"));
  EXPECT_FALSE(r.stream_revoked("stream-1", "other-fan"));
  EXPECT_FALSE(r.revoked("artist", "fan", 0));  // the channel is not closed to them
  t.status = store::TicketStatus::kPaid;  // bought again (a new attempt) or comped
  r.ticket_access_changed(t, stream, true);
  EXPECT_FALSE(r.stream_revoked("stream-1", "fan"));
}

}  // namespace
}  // namespace stagecast::platform
