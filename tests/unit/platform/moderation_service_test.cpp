// ModerationService against the real SQLite store: who may do what, what is recorded, what the
// listeners hear, and that a refused attempt changes nothing.

#include "platform/moderation_service.h"

#include <gtest/gtest.h>

#include "platform/chat_service.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

using namespace std::chrono_literals;
using store::ModerationActionKind;

class RecordingListener : public ModerationEvents {
 public:
  void moderated(const store::ModerationAction& a) override { heard.push_back(a); }
  std::vector<store::ModerationAction> heard;
};

// A queue of messages shown live but not stored yet, as the gateway keeps.
class FakePending : public PendingChatMessages {
 public:
  std::optional<store::ChatMessage> find_pending(const std::string& id) override {
    for (auto& m : messages) {
      if (m.id == id) return m;
    }
    return std::nullopt;
  }
  bool moderate_pending(const std::string& id, const std::string& by, int64_t at) override {
    for (auto& m : messages) {
      if (m.id == id) {
        m.moderated = true;
        m.moderated_by = by;
        m.moderated_at = at;
        return true;
      }
    }
    return false;
  }
  void moderate_pending_from(const std::string& stream, const std::string& user,
                             const std::string& by, int64_t at) override {
    for (auto& m : messages) {
      if (m.stream_id == stream && m.user_id == user) {
        m.moderated = true;
        m.moderated_by = by;
        m.moderated_at = at;
      }
    }
  }
  std::vector<store::ChatMessage> messages;
};

class ModerationServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    moderation_ = std::make_unique<ModerationService>(*store_, services_->policy(), clock_);
    chat_ = std::make_unique<ChatService>(*store_, services_->policy(), clock_);
    moderation_->add_listener(listener_);
    moderation_->set_pending_messages(&pending_);
    artist_ = verified_artist("artist@example.com");
    fan_ = register_user("fan@example.com", "FAN");
    other_ = register_user("other@example.com", "FAN");
    mod_ = register_user("mod@example.com", "FAN");
    StreamInput in;
    in.title = "Live";
    auto created = streams().create(artist_, in);
    ASSERT_TRUE(created.ok()) << created.error().message;
    stream_ = created->stream.id;
  }

  store::ChatMessage post(const Identity& who, const std::string& text) {
    store::ChatMessage m;
    m.stream_id = stream_;
    m.user_id = who.user_id;
    m.display_name = who.display_name;
    m.body = text;
    m.created_at = clock_.unix_millis();
    auto stored = chat_->persist(m);
    EXPECT_TRUE(stored.ok());
    return stored.ok() ? *stored : m;
  }

  size_t actions_recorded() {
    auto list = store_->moderation().list_actions_for_stream(stream_, 500);
    return list.ok() ? list->size() : 0;
  }

  std::unique_ptr<ModerationService> moderation_;
  std::unique_ptr<ChatService> chat_;
  RecordingListener listener_;
  FakePending pending_;
  Identity artist_, fan_, other_, mod_;
  std::string stream_;
};

TEST_F(ModerationServiceTest, OwnerAppointsAModeratorWhoDeletesAMessage) {
  auto appointed = moderation_->appoint_moderator(artist_, stream_, mod_.user_id);
  ASSERT_TRUE(appointed.ok()) << appointed.error().message;
  EXPECT_EQ(appointed->action, ModerationActionKind::kAppointModerator);

  const store::ChatMessage m = post(fan_, "rude words");
  auto deleted = moderation_->delete_message(mod_, stream_, m.id, std::string("rude"));
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(deleted->actor_id, mod_.user_id);
  EXPECT_EQ(deleted->target_user_id, fan_.user_id);
  EXPECT_EQ(deleted->message_id, m.id);
  EXPECT_EQ(deleted->reason, "rude");

  auto stored = store_->chat().find(m.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->moderated);
  EXPECT_EQ(stored->moderated_by, mod_.user_id);
  auto recent = chat_->recent(stream_, 50);
  ASSERT_TRUE(recent.ok());
  EXPECT_TRUE(recent->empty());  // moderated messages leave the history
  ASSERT_EQ(listener_.heard.size(), 2u);
  EXPECT_EQ(listener_.heard[1].action, ModerationActionKind::kDeleteMessage);
  EXPECT_EQ(actions_recorded(), 2u);
}

TEST_F(ModerationServiceTest, AFansAttemptsAreRefusedAndChangeNothing) {
  const store::ChatMessage m = post(other_, "hello");
  EXPECT_EQ(moderation_->delete_message(fan_, stream_, m.id, {}).error().code, "not_moderator");
  EXPECT_EQ(moderation_->timeout(fan_, stream_, other_.user_id, 60, {}).error().code,
            "not_moderator");
  EXPECT_EQ(moderation_->ban(fan_, stream_, other_.user_id, {}).error().code, "not_moderator");
  EXPECT_EQ(moderation_->appoint_moderator(fan_, stream_, fan_.user_id).error().code, "not_owner");
  // A moderator cannot appoint others either: that is the owner's.
  ASSERT_TRUE(moderation_->appoint_moderator(artist_, stream_, mod_.user_id).ok());
  EXPECT_EQ(moderation_->appoint_moderator(mod_, stream_, fan_.user_id).error().code, "not_owner");

  EXPECT_FALSE(store_->chat().find(m.id)->moderated);
  auto ban =
      store_->moderation().find_active_ban(artist_.user_id, other_.user_id, clock_.unix_millis());
  ASSERT_TRUE(ban.ok());
  EXPECT_FALSE(ban->has_value());
  EXPECT_FALSE(*store_->moderation().is_moderator(artist_.user_id, fan_.user_id));
  EXPECT_EQ(actions_recorded(), 1u);  // the owner's appointment only
  EXPECT_EQ(listener_.heard.size(), 1u);
}

TEST_F(ModerationServiceTest, TimeoutExpiresAndHidesTheUsersMessages) {
  post(fan_, "one");
  post(fan_, "two");
  post(other_, "three");
  auto t = moderation_->timeout(artist_, stream_, fan_.user_id, 600, std::string("cool off"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->duration_seconds, 600);
  auto recent = chat_->recent(stream_, 50);
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ(recent->front().body, "three");

  auto admission = chat_->admission(&fan_, stream_);
  ASSERT_TRUE(admission.ok());
  EXPECT_TRUE(admission->subject.timed_out);
  EXPECT_TRUE(admission->watch.allowed);  // a timeout mutes, it does not eject
  EXPECT_EQ(admission->timed_out_until, clock_.unix_millis() + 600'000);
  clock_.advance(601s);
  EXPECT_FALSE(chat_->admission(&fan_, stream_)->subject.timed_out);
}

TEST_F(ModerationServiceTest, BanKeepsTheUserOutUntilUnbanned) {
  ASSERT_TRUE(moderation_->ban(artist_, stream_, fan_.user_id, {}).ok());
  auto a = chat_->admission(&fan_, stream_);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->watch.allowed);
  EXPECT_EQ(a->watch.reason, "banned");
  // A timeout would shorten the ban: refused.
  EXPECT_EQ(moderation_->timeout(artist_, stream_, fan_.user_id, 60, {}).error().code, "conflict");
  ASSERT_TRUE(moderation_->unban(artist_, stream_, fan_.user_id, {}).ok());
  EXPECT_TRUE(chat_->admission(&fan_, stream_)->watch.allowed);
  EXPECT_EQ(moderation_->unban(artist_, stream_, fan_.user_id, {}).error().code, "not_found");
}

TEST_F(ModerationServiceTest, ProtectedTargets) {
  ASSERT_TRUE(moderation_->appoint_moderator(artist_, stream_, mod_.user_id).ok());
  const Identity mod2 = register_user("mod2@example.com", "FAN");
  ASSERT_TRUE(moderation_->appoint_moderator(artist_, stream_, mod2.user_id).ok());
  EXPECT_EQ(moderation_->ban(mod_, stream_, artist_.user_id, {}).error().code, "forbidden");
  EXPECT_EQ(moderation_->ban(mod_, stream_, mod2.user_id, {}).error().code, "forbidden");
  EXPECT_EQ(moderation_->ban(mod_, stream_, mod_.user_id, {}).error().code, "validation_failed");
  const Identity ops = admin("ops-1");
  EXPECT_EQ(moderation_->timeout(artist_, stream_, ops.user_id, 5, {}).error().code, "forbidden");
  EXPECT_EQ(moderation_->timeout(artist_, stream_, "no-such-user", 5, {}).error().code,
            "not_found");
  EXPECT_EQ(moderation_->timeout(artist_, stream_, fan_.user_id, 0, {}).error().code,
            "validation_failed");
  EXPECT_EQ(
      moderation_->timeout(artist_, stream_, fan_.user_id, kMaxTimeoutSeconds + 1, {}).error().code,
      "validation_failed");
  const store::ChatMessage owner_says = post(artist_, "welcome");
  EXPECT_EQ(moderation_->delete_message(mod_, stream_, owner_says.id, {}).error().code,
            "forbidden");
  // The owner may ban a moderator, which ends the appointment.
  ASSERT_TRUE(moderation_->ban(artist_, stream_, mod2.user_id, {}).ok());
  EXPECT_FALSE(*store_->moderation().is_moderator(artist_.user_id, mod2.user_id));
}

TEST_F(ModerationServiceTest, DeletesAMessageStillWaitingForTheDatabase) {
  store::ChatMessage m;
  m.id = "pendingmessage0000000000000000001";
  m.stream_id = stream_;
  m.user_id = fan_.user_id;
  m.display_name = "Fan";
  m.body = "not stored yet";
  pending_.messages.push_back(m);
  auto deleted = moderation_->delete_message(artist_, stream_, m.id, {});
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_TRUE(pending_.messages[0].moderated);
  EXPECT_EQ(pending_.messages[0].moderated_by, artist_.user_id);
  EXPECT_EQ(moderation_->delete_message(artist_, stream_, "unknownmessage", {}).error().code,
            "not_found");
}

TEST_F(ModerationServiceTest, DatabaseUnavailableIsReportedAndNothingIsAnnounced) {
  ASSERT_TRUE(moderation_->appoint_moderator(artist_, stream_, mod_.user_id).ok());
  listener_.heard.clear();
  store_->faults().set_unavailable(true);
  EXPECT_EQ(moderation_->ban(artist_, stream_, fan_.user_id, {}).error().code, "db_unavailable");
  store_->faults().set_unavailable(false);
  EXPECT_TRUE(listener_.heard.empty());
}

TEST_F(ModerationServiceTest, AuditTrailIsForTheOwner) {
  ASSERT_TRUE(moderation_->timeout(artist_, stream_, fan_.user_id, 30, std::string("spam")).ok());
  auto list = moderation_->actions(artist_, stream_, 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().action, ModerationActionKind::kTimeout);
  EXPECT_EQ(list->front().reason, "spam");
  EXPECT_EQ(list->front().created_at, clock_.unix_millis());
  EXPECT_EQ(moderation_->actions(fan_, stream_, 10).error().code, "not_owner");
}

TEST_F(ModerationServiceTest, HistoryPagesAndModeratedView) {
  for (int i = 1; i <= 5; ++i) post(fan_, "m" + std::to_string(i));
  auto page = chat_->history(&other_, stream_, 2, std::nullopt, false);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 2u);
  EXPECT_EQ(page->messages[0].body, "m4");
  EXPECT_EQ(page->messages[1].body, "m5");
  ASSERT_TRUE(page->next_before);
  auto older = chat_->history(&other_, stream_, 10, page->next_before, false);
  ASSERT_EQ(older->messages.size(), 3u);
  EXPECT_EQ(older->messages[0].body, "m1");
  EXPECT_FALSE(older->next_before);
  EXPECT_EQ(chat_->history(&other_, stream_, 10, std::nullopt, true).error().code, "not_moderator");
  EXPECT_EQ(chat_->history(nullptr, stream_, 0, std::nullopt, false).error().code,
            "validation_failed");
}

}  // namespace
}  // namespace stagecast::platform
