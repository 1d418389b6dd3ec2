#include "platform/stream_service.h"

#include <gtest/gtest.h>

#include "platform/stream_key.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

using namespace std::chrono_literals;
using store::StreamStatus;

// Records what the service announces.
class RecordingListener : public StreamEvents {
 public:
  void went_live(const store::LiveStream& s) override { live.push_back(s.id); }
  void ended(const store::LiveStream& s, std::string_view reason) override {
    ended_streams.push_back(s.id + ":" + std::string(reason));
  }
  void key_rotated(const std::string& id) override { rotated.push_back(id); }
  std::vector<std::string> live, ended_streams, rotated;
};

StreamInput titled(std::string title) {
  StreamInput in;
  in.title = std::move(title);
  return in;
}

class StreamServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    streams().add_listener(events_);
    artist_ = verified_artist("artist@example.com");
    fan_ = register_user("fan@example.com", "FAN");
  }

  CreatedStream create(StreamInput in) {
    auto c = streams().create(artist_, in);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(c).value() : CreatedStream{};
  }
  std::string code_of_create(const StreamInput& in) {
    auto c = streams().create(artist_, in);
    return c.ok() ? "ok" : c.error().code;
  }

  RecordingListener events_;
  Identity artist_;
  Identity fan_;
};

TEST_F(StreamServiceTest, OnlyVerifiedArtistsCreateStreams) {
  const Identity unverified = register_user("new-artist@example.com", "ARTIST");
  const Identity ops = admin("ops-1");
  EXPECT_EQ(streams().create(fan_, titled("Fan show")).error().code, "forbidden");
  EXPECT_EQ(streams().create(unverified, titled("Not yet")).error().code, "artist_not_verified");
  EXPECT_EQ(streams().create(ops, titled("Admin show")).error().code, "forbidden");
  // Nothing was written by the refused calls.
  auto none = streams().list(nullptr, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());

  auto created = streams().create(artist_, titled("Live from the studio"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->stream.status, StreamStatus::kCreated);
  EXPECT_EQ(created->stream.artist_id, artist_.user_id);
  EXPECT_EQ(created->stream.title, "Live from the studio");
}

TEST_F(StreamServiceTest, VerificationIsReadFromTheStoreAtCreation) {
  // The identity in hand still says "verified", but the platform removed the Stripe account.
  AdminUserUpsert upsert;
  upsert.id = artist_.user_id;
  upsert.role = "ARTIST";
  upsert.stripe_account_id = std::optional<std::string>();
  ASSERT_TRUE(accounts().admin_upsert_user(upsert).ok());
  EXPECT_EQ(streams().create(artist_, titled("Too late")).error().code, "artist_not_verified");
}

TEST_F(StreamServiceTest, TheKeyIsShownOnceAndStoredHashed) {
  const CreatedStream created = create(titled("Keyed"));
  EXPECT_TRUE(looks_like_stream_key(created.stream_key));
  auto stored = store_->streams().find(created.stream.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->stream_key_hash, hash_stream_key(created.stream_key));
  EXPECT_EQ(stored->stream_key_hash.find(created.stream_key.substr(3)), std::string::npos);
  // Reads never carry the key; the view's stream has only the hash, which the API must not show.
  auto view = streams().get(&artist_, created.stream.id);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->manager);
  EXPECT_NE(view->stream.stream_key_hash, created.stream_key);

  auto id = streams().authorize_publish(created.stream_key);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, created.stream.id);
}

TEST_F(StreamServiceTest, RotateKeyInvalidatesTheOldKey) {
  const CreatedStream created = create(titled("Rotating"));
  EXPECT_EQ(streams().rotate_key(fan_, created.stream.id).error().code, "not_owner");
  auto fresh = streams().rotate_key(artist_, created.stream.id);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_NE(*fresh, created.stream_key);
  EXPECT_EQ(streams().authorize_publish(created.stream_key).error().code, "unauthorized");
  EXPECT_EQ(*streams().authorize_publish(*fresh), created.stream.id);
  EXPECT_TRUE(events_.rotated.empty());  // not live: nobody to drop

  ASSERT_TRUE(streams().mark_live(created.stream.id).ok());
  auto again = streams().rotate_key(artist_, created.stream.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(events_.rotated, std::vector<std::string>{created.stream.id});
}

TEST_F(StreamServiceTest, PublishRefusesBadKeysEndedStreamsAndUnverifiedArtists) {
  EXPECT_EQ(streams().authorize_publish("").error().code, "unauthorized");
  EXPECT_EQ(streams().authorize_publish("not-a-key").error().code, "unauthorized");
  EXPECT_EQ(streams().authorize_publish(generate_stream_key().plain).error().code, "unauthorized");

  const CreatedStream a = create(titled("A"));
  AdminUserUpsert upsert;
  upsert.id = artist_.user_id;
  upsert.role = "ARTIST";
  upsert.stripe_account_id = std::optional<std::string>();
  ASSERT_TRUE(accounts().admin_upsert_user(upsert).ok());
  EXPECT_EQ(streams().authorize_publish(a.stream_key).error().code, "artist_not_verified");
  upsert.stripe_account_id = std::optional<std::string>("acct_Back1");
  ASSERT_TRUE(accounts().admin_upsert_user(upsert).ok());
  EXPECT_TRUE(streams().authorize_publish(a.stream_key).ok());

  ASSERT_TRUE(streams().end(artist_, a.stream.id).ok());
  EXPECT_EQ(streams().authorize_publish(a.stream_key).error().code, "stream_ended");
}

TEST_F(StreamServiceTest, LifecycleCreatedLiveEnded) {
  const CreatedStream c = create(titled("Lifecycle"));
  const std::string id = c.stream.id;
  EXPECT_EQ(streams().mark_resumed(id).error().code, "conflict");  // never went live

  clock_.advance(1s);
  auto live = streams().mark_live(id);
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_EQ(live->status, StreamStatus::kLive);
  EXPECT_EQ(live->started_at, clock_.unix_millis());
  EXPECT_EQ(events_.live, std::vector<std::string>{id});

  // A reconnect keeps started_at and announces nothing.
  const int64_t started = *live->started_at;
  clock_.advance(5s);
  auto resumed = streams().mark_resumed(id);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->started_at, started);
  auto twice = streams().mark_live(id);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->started_at, started);
  EXPECT_EQ(events_.live.size(), 1u);

  EXPECT_EQ(streams().end(fan_, id).error().code, "not_owner");
  auto ended = streams().end(artist_, id);
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->status, StreamStatus::kEnded);
  EXPECT_EQ(ended->end_reason, "ended_by_owner");
  EXPECT_EQ(events_.ended_streams, std::vector<std::string>{id + ":ended_by_owner"});

  // ENDED is final.
  EXPECT_EQ(streams().end(artist_, id).error().code, "stream_ended");
  EXPECT_EQ(streams().mark_live(id).error().code, "stream_ended");
  EXPECT_EQ(streams().mark_resumed(id).error().code, "conflict");
  EXPECT_EQ(streams().mark_ended(id, "publisher_gone").error().code, "stream_ended");
  EXPECT_EQ(streams().rotate_key(artist_, id).error().code, "stream_ended");
  EXPECT_EQ(events_.ended_streams.size(), 1u);
}

TEST_F(StreamServiceTest, MediaPathEndsAStreamWithItsReason) {
  const CreatedStream c = create(titled("Dropped"));
  ASSERT_TRUE(streams().mark_live(c.stream.id).ok());
  auto ended = streams().mark_ended(c.stream.id, "publisher_gone");
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->end_reason, "publisher_gone");
  EXPECT_EQ(streams().mark_ended("no-such-stream", "x").error().code, "not_found");
  EXPECT_EQ(streams().mark_live("no-such-stream").error().code, "not_found");
}

TEST_F(StreamServiceTest, AdminCanEndAndEditButNotStream) {
  const Identity ops = admin("ops-2");
  const CreatedStream c = create(titled("Moderated"));
  ASSERT_TRUE(streams().mark_live(c.stream.id).ok());
  ASSERT_TRUE(streams().patch(ops, c.stream.id, titled("Renamed by ops")).ok());
  auto ended = streams().end(ops, c.stream.id);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->end_reason, "ended_by_admin");
  auto decision = streams().decide(&ops, c.stream.id, Action::kStream);
  ASSERT_TRUE(decision.ok());
  EXPECT_FALSE(decision->allowed);
}

TEST_F(StreamServiceTest, ScheduledStreams) {
  StreamInput in = titled("Later");
  in.scheduled_at = std::optional<int64_t>(clock_.unix_millis() + 3600'000);
  const CreatedStream c = create(in);
  EXPECT_EQ(c.stream.status, StreamStatus::kScheduled);
  EXPECT_EQ(c.stream.scheduled_at, clock_.unix_millis() + 3600'000);

  // Clearing the schedule makes it CREATED; the time can't be in the past.
  StreamInput past;
  past.scheduled_at = std::optional<int64_t>(clock_.unix_millis() - 1);
  EXPECT_EQ(streams().patch(artist_, c.stream.id, past).error().code, "validation_failed");
  StreamInput clear;
  clear.scheduled_at = std::optional<int64_t>();
  auto cleared = streams().patch(artist_, c.stream.id, clear);
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  EXPECT_EQ(cleared->status, StreamStatus::kCreated);

  // A scheduled stream can go live early.
  const CreatedStream s2 = create(in);
  auto live = streams().mark_live(s2.stream.id);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->status, StreamStatus::kLive);
  // Ending a stream that never went live cancels it.
  const CreatedStream s3 = create(in);
  auto cancelled = streams().end(artist_, s3.stream.id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, StreamStatus::kEnded);
}

TEST_F(StreamServiceTest, CreateValidatesInput) {
  auto with = [](auto change) {
    StreamInput in = titled("Valid title");
    change(in);
    return in;
  };
  EXPECT_EQ(code_of_create(StreamInput{}), "validation_failed");  // no title
  EXPECT_EQ(code_of_create(titled("   ")), "validation_failed");
  EXPECT_EQ(code_of_create(titled(std::string(141, 't'))), "validation_failed");
  EXPECT_EQ(code_of_create(titled(std::string(140, 't'))), "ok");
  EXPECT_EQ(code_of_create(titled("tab\tin title")), "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.description = std::string(5001, 'd'); })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.description = "line\nbreaks ok"; })), "ok");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.visibility = "FRIENDS"; })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.visibility = "public"; })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) {
              i.visibility = "TIER";
              i.min_tier = 0;
            })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) {
              i.visibility = "TIER";
              i.min_tier = 3;
            })),
            "ok");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.visibility = "PAID"; })),
            "validation_failed");  // no price
  EXPECT_EQ(code_of_create(with([](StreamInput& i) {
              i.visibility = "PAID";
              i.price_cents = 0;
            })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) {
              i.visibility = "PAID";
              i.price_cents = -500;
            })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) {
              i.visibility = "PAID";
              i.price_cents = 999;
              i.currency = "eu";
            })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.chat.slow_mode_seconds = 3601; })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.chat.slow_mode_seconds = -1; })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with(
                [](StreamInput& i) { i.chat.blocked_words = std::vector<std::string>(201, "w"); })),
            "validation_failed");
  EXPECT_EQ(code_of_create(with([](StreamInput& i) {
              i.chat.blocked_words = std::vector<std::string>{"ok", ""};
            })),
            "validation_failed");
  EXPECT_EQ(
      code_of_create(with([](StreamInput& i) { i.scheduled_at = std::optional<int64_t>(1); })),
      "validation_failed");
}

TEST_F(StreamServiceTest, CreateNormalisesWhatItKeeps) {
  StreamInput in = titled("  Paid show  ");
  in.visibility = "PAID";
  in.price_cents = 1500;
  in.currency = "USD";  // a PAID stream is in the configured currency (TicketTerms)
  in.chat.enabled = true;
  in.chat.subscribers_only = true;
  in.chat.slow_mode_seconds = 10;
  in.chat.blocked_words = std::vector<std::string>{" Spoiler ", "spoiler", "SCAM"};
  in.record = false;
  in.transcode = false;
  const CreatedStream c = create(in);
  EXPECT_EQ(c.stream.title, "Paid show");
  EXPECT_EQ(c.stream.visibility, store::Visibility::kPaid);
  EXPECT_EQ(c.stream.price_cents, 1500);
  EXPECT_EQ(c.stream.currency, "usd");
  EXPECT_TRUE(c.stream.chat_subscribers_only);
  EXPECT_EQ(c.stream.chat_slow_mode_seconds, 10);
  EXPECT_EQ(c.stream.chat_blocked_words, (std::vector<std::string>{"spoiler", "scam"}));
  EXPECT_FALSE(c.stream.record);
  EXPECT_FALSE(c.stream.transcode);
}

TEST_F(StreamServiceTest, APaidStreamsPriceIsWithinTheTicketTerms) {
  streams().set_ticket_terms({200, 5000, "usd"});
  auto with = [](auto change) {
    StreamInput in = titled("Valid title");
    change(in);
    return in;
  };
  auto paid = [](int64_t cents, std::string currency = "usd") {
    return [=](StreamInput& i) {
      i.visibility = "PAID";
      i.price_cents = cents;
      i.currency = currency;
    };
  };
  EXPECT_EQ(code_of_create(with(paid(199))), "validation_failed");
  EXPECT_EQ(code_of_create(with(paid(5001))), "validation_failed");
  EXPECT_EQ(code_of_create(with(paid(1000, "eur"))), "validation_failed");
  EXPECT_EQ(code_of_create(with(paid(200))), "ok");
  EXPECT_EQ(code_of_create(with(paid(5000))), "ok");
  // Other visibilities keep whatever price they carry (unused).
  EXPECT_EQ(code_of_create(with([](StreamInput& i) { i.price_cents = 9000; })), "ok");

  const CreatedStream c = create(titled("Later paid"));
  StreamInput too_much;
  too_much.visibility = "PAID";
  too_much.price_cents = 9000;
  EXPECT_EQ(streams().patch(artist_, c.stream.id, too_much).error().code, "validation_failed");
  too_much.price_cents = 4000;
  EXPECT_TRUE(streams().patch(artist_, c.stream.id, too_much).ok());
  StreamInput over;
  over.price_cents = 6000;  // the visibility stays PAID: the merged result is checked
  EXPECT_EQ(streams().patch(artist_, c.stream.id, over).error().code, "validation_failed");
}

TEST_F(StreamServiceTest, PatchRules) {
  const CreatedStream c = create(titled("Original"));
  const std::string id = c.stream.id;
  EXPECT_EQ(streams().patch(fan_, id, titled("Hijack")).error().code, "not_owner");
  EXPECT_EQ(streams().patch(artist_, "missing", titled("x")).error().code, "not_found");

  StreamInput to_paid;
  to_paid.visibility = "PAID";
  EXPECT_EQ(streams().patch(artist_, id, to_paid).error().code, "validation_failed");
  to_paid.price_cents = 500;
  auto paid = streams().patch(artist_, id, to_paid);
  ASSERT_TRUE(paid.ok()) << paid.error().message;
  EXPECT_EQ(paid->visibility, store::Visibility::kPaid);
  EXPECT_EQ(paid->title, "Original");  // untouched fields stay

  ASSERT_TRUE(streams().mark_live(id).ok());
  // While live: the title and chat may change, the access terms and the schedule may not.
  StreamInput live_edit = titled("Now live");
  live_edit.chat.slow_mode_seconds = 30;
  auto edited = streams().patch(artist_, id, live_edit);
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(edited->title, "Now live");
  EXPECT_EQ(edited->chat_slow_mode_seconds, 30);
  StreamInput to_public;
  to_public.visibility = "PUBLIC";
  EXPECT_EQ(streams().patch(artist_, id, to_public).error().code, "conflict");
  StreamInput price;
  price.price_cents = 100;
  EXPECT_EQ(streams().patch(artist_, id, price).error().code, "conflict");
  StreamInput same_visibility;
  same_visibility.visibility = "PAID";  // restating the current terms is not a change
  EXPECT_TRUE(streams().patch(artist_, id, same_visibility).ok());
  StreamInput schedule;
  schedule.scheduled_at = std::optional<int64_t>(clock_.unix_millis() + 60'000);
  EXPECT_EQ(streams().patch(artist_, id, schedule).error().code, "conflict");
  EXPECT_EQ(store_->streams().find(id)->visibility, store::Visibility::kPaid);
}

TEST_F(StreamServiceTest, DeleteRules) {
  const CreatedStream c = create(titled("Delete me"));
  EXPECT_EQ(streams().remove(fan_, c.stream.id).error().code, "not_owner");
  ASSERT_TRUE(streams().mark_live(c.stream.id).ok());
  EXPECT_EQ(streams().remove(artist_, c.stream.id).error().code, "conflict");
  ASSERT_TRUE(streams().end(artist_, c.stream.id).ok());
  ASSERT_TRUE(streams().remove(artist_, c.stream.id).ok());
  EXPECT_EQ(streams().get(&artist_, c.stream.id).error().code, "not_found");
  EXPECT_EQ(streams().authorize_publish(c.stream_key).error().code, "unauthorized");

  const CreatedStream never_live = create(titled("Never live"));
  EXPECT_TRUE(streams().remove(artist_, never_live.stream.id).ok());
}

TEST_F(StreamServiceTest, ListShowsMetadataWithTheCallersAccess) {
  StreamInput subs = titled("Subscribers only");
  subs.visibility = "SUBSCRIBERS";
  const CreatedStream s = create(subs);
  const CreatedStream p = create(titled("Public"));
  ASSERT_TRUE(streams().mark_live(p.stream.id).ok());
  const Identity other = verified_artist("other@example.com");
  auto o = streams().create(other, titled("Other artist"));
  ASSERT_TRUE(o.ok());

  auto all = streams().list(nullptr, {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->items.size(), 3u);
  for (const StreamView& v : all->items) {
    EXPECT_FALSE(v.manager);
    if (v.stream.id == s.stream.id) {
      EXPECT_FALSE(v.watch.allowed);
      EXPECT_EQ(v.watch.reason, "login_required");
    } else {
      EXPECT_TRUE(v.watch.allowed);
    }
  }
  auto fans_view = streams().get(&fan_, s.stream.id);
  ASSERT_TRUE(fans_view.ok());
  EXPECT_EQ(fans_view->watch.reason, "subscription_required");

  StreamQuery live_only;
  live_only.status = "LIVE";
  auto live = streams().list(&fan_, live_only);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->items.size(), 1u);
  EXPECT_EQ(live->items[0].stream.id, p.stream.id);

  StreamQuery by_artist;
  by_artist.artist_id = other.user_id;
  auto theirs = streams().list(&other, by_artist);
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->items.size(), 1u);
  EXPECT_TRUE(theirs->items[0].manager);

  StreamQuery bad;
  bad.status = "PAUSED";
  EXPECT_EQ(streams().list(nullptr, bad).error().code, "validation_failed");
  bad = {};
  bad.limit = 0;
  EXPECT_EQ(streams().list(nullptr, bad).error().code, "validation_failed");

  StreamQuery paged;
  paged.limit = 2;
  auto first = streams().list(nullptr, paged);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  ASSERT_TRUE(first->next_cursor.has_value());
  paged.cursor = first->next_cursor;
  auto second = streams().list(nullptr, paged);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->items.size(), 1u);
}

TEST_F(StreamServiceTest, PlaybackGrantsFollowThePolicy) {
  const CreatedStream pub = create(titled("Public"));
  auto anon = streams().issue_playback(nullptr, pub.stream.id);
  ASSERT_TRUE(anon.ok()) << anon.error().message;
  EXPECT_EQ(anon->viewer_id, "anon");
  auto checked = services_->playback().verify(anon->token, pub.stream.id);
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->viewer_id, "anon");
  EXPECT_EQ(anon->expires_at, clock_.unix_seconds() + 300);

  StreamInput tier = titled("Tier 2");
  tier.visibility = "TIER";
  tier.min_tier = 2;
  const CreatedStream t = create(tier);
  EXPECT_EQ(streams().issue_playback(nullptr, t.stream.id).error().code, "login_required");
  EXPECT_EQ(streams().issue_playback(&fan_, t.stream.id).error().code, "tier_required");

  AdminSubscriptionUpsert sub{fan_.user_id, artist_.user_id, 1, "ACTIVE",
                              clock_.unix_millis() + 3600'000};
  ASSERT_TRUE(accounts().admin_upsert_subscription(sub).ok());
  EXPECT_EQ(streams().issue_playback(&fan_, t.stream.id).error().code, "tier_required");
  sub.tier = 2;
  ASSERT_TRUE(accounts().admin_upsert_subscription(sub).ok());
  auto granted = streams().issue_playback(&fan_, t.stream.id);
  ASSERT_TRUE(granted.ok()) << granted.error().message;
  EXPECT_EQ(granted->viewer_id, fan_.user_id);
  EXPECT_EQ(services_->playback().verify(granted->token, pub.stream.id).error().code,
            "token_signature_invalid");  // bound to its stream

  clock_.advance(3600s);  // the subscription expires
  EXPECT_EQ(streams().issue_playback(&fan_, t.stream.id).error().code, "tier_required");

  StreamInput paid = titled("Paid");
  paid.visibility = "PAID";
  paid.price_cents = 999;
  const CreatedStream pd = create(paid);
  EXPECT_EQ(streams().issue_playback(&fan_, pd.stream.id).error().code, "ticket_required");
  ASSERT_TRUE(store_->tickets()
                  .grant(pd.stream.id, fan_.user_id, store::TicketSource::kComp, "owner", "usd", 0)
                  .ok());
  EXPECT_TRUE(streams().issue_playback(&fan_, pd.stream.id).ok());
  EXPECT_TRUE(streams().issue_playback(&artist_, pd.stream.id).ok());
  EXPECT_EQ(streams().issue_playback(&fan_, "missing").error().code, "not_found");
}

TEST_F(StreamServiceTest, AnonymousViewersCanBeSwitchedOff) {
  PlatformConfig c = config();
  c.allow_anonymous_viewers = false;
  auto closed = PlatformServices::create(c, *store_, clock_);
  ASSERT_TRUE(closed.ok());
  const CreatedStream pub = create(titled("Public"));
  EXPECT_EQ((*closed)->streams().issue_playback(nullptr, pub.stream.id).error().code,
            "login_required");
  EXPECT_TRUE((*closed)->streams().issue_playback(&fan_, pub.stream.id).ok());
}

TEST_F(StreamServiceTest, BansAndTimeoutsFromTheStore) {
  const CreatedStream c = create(titled("Chatty"));
  ASSERT_TRUE(streams().mark_live(c.stream.id).ok());
  const Identity troll = register_user("troll@example.com", "FAN");
  const Identity noisy = register_user("noisy@example.com", "FAN");
  ASSERT_TRUE(store_->moderation()
                  .put_ban({artist_.user_id, troll.user_id, std::nullopt, "spam", artist_.user_id,
                            clock_.unix_millis()})
                  .ok());
  ASSERT_TRUE(store_->moderation()
                  .put_ban({artist_.user_id, noisy.user_id, clock_.unix_millis() + 60'000,
                            "calm down", artist_.user_id, clock_.unix_millis()})
                  .ok());

  auto decide = [&](const Identity& who, Action a) {
    auto d = streams().decide(&who, c.stream.id, a);
    EXPECT_TRUE(d.ok());
    return d.ok() ? (d->allowed ? std::string("ok") : std::string(d->reason)) : d.error().code;
  };
  EXPECT_EQ(decide(troll, Action::kWatch), "banned");
  EXPECT_EQ(streams().issue_playback(&troll, c.stream.id).error().code, "banned");
  EXPECT_EQ(decide(noisy, Action::kWatch), "ok");
  EXPECT_EQ(decide(noisy, Action::kChat), "timed_out");
  EXPECT_EQ(decide(noisy, Action::kTip), "timed_out");
  clock_.advance(61s);  // the timeout is over
  EXPECT_EQ(decide(noisy, Action::kChat), "ok");
  EXPECT_EQ(decide(fan_, Action::kTip), "ok");
  EXPECT_EQ(decide(artist_, Action::kTip), "cannot_tip_self");

  // A moderator appointed by the artist may moderate; a fan may not.
  EXPECT_EQ(decide(fan_, Action::kModerate), "not_moderator");
  ASSERT_TRUE(
      store_->moderation().add_moderator({artist_.user_id, fan_.user_id, artist_.user_id, 0}).ok());
  EXPECT_EQ(decide(fan_, Action::kModerate), "ok");
}

TEST_F(StreamServiceTest, DatabaseOutage) {
  const CreatedStream c = create(titled("Outage"));
  store_->faults().set_unavailable(true);
  EXPECT_EQ(streams().authorize_publish(c.stream_key).error().code, "db_unavailable");
  EXPECT_EQ(streams().get(nullptr, c.stream.id).error().code, "db_unavailable");
  EXPECT_EQ(streams().create(artist_, titled("x")).error().code, "db_unavailable");
  store_->faults().set_unavailable(false);
  EXPECT_TRUE(streams().authorize_publish(c.stream_key).ok());
}

}  // namespace
}  // namespace stagecast::platform
