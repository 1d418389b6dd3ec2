// RecordingService over a real (in-memory) store: rows from the recorder's reports, what each
// caller sees, deletion with the objects first, the clip gate, retention.

#include <gtest/gtest.h>

#include <set>

#include "platform/recording_service.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

class FakeObjects final : public RecordingObjects {
 public:
  Result<void> remove_all(const std::string& prefix) override {
    if (down) return make_error("object_store_unavailable", "down");
    removed.insert(prefix);
    return ok_result();
  }
  bool down = false;
  std::set<std::string> removed;
};

class RecordingServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    artist_ = verified_artist("artist@example.com");
    fan_ = register_user("fan@example.com", "FAN");
    StreamInput in;
    in.title = "Show";
    in.visibility = "SUBSCRIBERS";
    stream_ = streams().create(artist_, in).value().stream.id;
    service_ = std::make_unique<RecordingService>(*store_, streams(), clock_);
    service_->set_objects(&objects_);
  }

  RecordingFacts facts(const std::string& id, store::RecordingStatus status, int64_t bytes = 100) {
    RecordingFacts f;
    f.recording_id = id;
    f.stream_id = stream_;
    f.status = status;
    f.prefix = "recordings/" + stream_ + "/" + id;
    f.started_at_ms = clock_.unix_millis();
    f.bytes = bytes;
    if (status == store::RecordingStatus::kReady || status == store::RecordingStatus::kPartial)
      f.master_key = f.prefix + "/master.m3u8";
    return f;
  }

  Identity artist_;
  Identity fan_;
  std::string stream_;
  FakeObjects objects_;
  std::unique_ptr<RecordingService> service_;
};

TEST_F(RecordingServiceTest, ReportsBecomeRowsAndTheStreamPointsAtTheReplay) {
  ASSERT_TRUE(service_->apply(facts("r1", store::RecordingStatus::kRecording)));
  auto owner = service_->list(&artist_, stream_);
  ASSERT_TRUE(owner);
  EXPECT_TRUE(owner->manager);
  ASSERT_EQ(owner->items.size(), 1u);
  EXPECT_FALSE(owner->items[0].replay_url);
  // A fan sees only what can be replayed, and is told why they may not watch it.
  auto fan = service_->list(&fan_, stream_);
  ASSERT_TRUE(fan);
  EXPECT_TRUE(fan->items.empty());
  EXPECT_FALSE(fan->watch.allowed);
  EXPECT_EQ(fan->watch.reason, "subscription_required");

  ASSERT_TRUE(service_->apply(facts("r1", store::RecordingStatus::kReady)));
  EXPECT_EQ(*store_->streams().find(stream_)->recording_url, "/vod/r1/master.m3u8");
  EXPECT_EQ(service_->list(&fan_, stream_)->items.size(), 1u);
  // A late FINALIZING report does not undo READY.
  ASSERT_TRUE(service_->apply(facts("r1", store::RecordingStatus::kFinalizing)));
  EXPECT_EQ(service_->find("r1")->status, store::RecordingStatus::kReady);
}

TEST_F(RecordingServiceTest, OnlyTheOwnerDeletesAndTheObjectsGoFirst) {
  ASSERT_TRUE(service_->apply(facts("r1", store::RecordingStatus::kRecording)));
  EXPECT_EQ(service_->remove(artist_, "r1").error().code, "conflict");  // still recording
  ASSERT_TRUE(service_->apply(facts("r1", store::RecordingStatus::kReady)));
  EXPECT_EQ(service_->remove(fan_, "r1").error().code, "not_found");
  objects_.down = true;
  EXPECT_EQ(service_->remove(artist_, "r1").error().code, "storage_unavailable");
  EXPECT_TRUE(service_->find("r1"));  // the row stays with its objects
  objects_.down = false;
  ASSERT_TRUE(service_->remove(artist_, "r1"));
  EXPECT_TRUE(objects_.removed.count("recordings/" + stream_ + "/r1"));
  EXPECT_EQ(service_->find("r1").error().code, "not_found");
  EXPECT_FALSE(store_->streams().find(stream_)->recording_url);
}

TEST_F(RecordingServiceTest, ClipsComeFromAFinishedRecordingAndOnlyFromItsManagers) {
  EXPECT_EQ(service_->clip_source(artist_, stream_, std::nullopt).error().code,
            "recording_not_ready");
  ASSERT_TRUE(service_->apply(facts("r1", store::RecordingStatus::kReady)));
  EXPECT_EQ(service_->clip_source(artist_, stream_, std::nullopt)->id, "r1");
  EXPECT_EQ(service_->clip_source(fan_, stream_, std::nullopt).error().code, "not_moderator");
  EXPECT_EQ(service_->clip_source(artist_, stream_, std::string("other")).error().code,
            "recording_not_ready");
  // The stream is live again and recorded: clips come from the recording being made.
  ASSERT_TRUE(service_->apply(facts("r2", store::RecordingStatus::kRecording)));
  EXPECT_EQ(service_->clip_source(artist_, stream_, std::nullopt)->id, "r2");
  EXPECT_EQ(service_->clip_source(artist_, stream_, std::string("r1"))->id, "r1");
  ASSERT_TRUE(service_->apply(facts("r2", store::RecordingStatus::kFinalizing)));
  EXPECT_EQ(service_->clip_source(artist_, stream_, std::string("r2")).error().code,
            "recording_not_ready");
}

TEST_F(RecordingServiceTest, RetentionRemovesTheOldestFirst) {
  ASSERT_TRUE(service_->apply(facts("old", store::RecordingStatus::kReady, 400)));
  clock_.advance(std::chrono::hours(48));
  ASSERT_TRUE(service_->apply(facts("mid", store::RecordingStatus::kPartial, 300)));
  clock_.advance(std::chrono::hours(1));
  ASSERT_TRUE(service_->apply(facts("new", store::RecordingStatus::kReady, 200)));
  ASSERT_TRUE(service_->apply(facts("live", store::RecordingStatus::kRecording, 50)));
  auto by_age = service_->sweep(std::chrono::hours(24), 0);
  ASSERT_TRUE(by_age);
  EXPECT_EQ(by_age->removed, 1);
  EXPECT_EQ(service_->find("old").error().code, "not_found");
  auto by_size = service_->sweep(std::chrono::milliseconds(0), 300);
  ASSERT_TRUE(by_size);
  EXPECT_EQ(by_size->removed, 1);  // 550 -> 250: "mid" goes, the one being recorded stays
  EXPECT_EQ(service_->find("mid").error().code, "not_found");
  EXPECT_TRUE(service_->find("new"));
  EXPECT_TRUE(service_->find("live"));
}

TEST_F(RecordingServiceTest, UnresumedRecordingsFailAfterARestart) {
  ASSERT_TRUE(service_->apply(facts("a", store::RecordingStatus::kRecording)));
  ASSERT_TRUE(service_->apply(facts("b", store::RecordingStatus::kFinalizing)));
  auto failed = service_->fail_unresumed({"b"});
  ASSERT_TRUE(failed);
  EXPECT_EQ(*failed, 1);
  EXPECT_EQ(service_->find("a")->status, store::RecordingStatus::kFailed);
  EXPECT_EQ(service_->find("b")->status, store::RecordingStatus::kFinalizing);
}

}  // namespace
}  // namespace stagecast::platform
