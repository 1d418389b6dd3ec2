// The Recorder end to end over a real local store, and over the same store dressed as a remote
// one (kind "s3": spool, upload threads, multipart parts) that the test takes down and brings
// back: no gap while the spool holds, a gap named when it does not, a crash resumed from the
// journal and the spool, orphan uploads aborted.

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <thread>

#include "core/clock.h"
#include "core/random.h"
#include "record/local_object_store.h"
#include "record/recorder.h"

namespace stagecast::record {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A store that can be taken down (every call fails as unavailable) and that may call itself "s3".
class SwitchableStore final : public ObjectStore {
 public:
  SwitchableStore(ObjectStore& inner, std::string kind) : inner_(inner), kind_(std::move(kind)) {}
  std::atomic<bool> down{false};
  std::atomic<int> calls{0};

  std::string_view kind() const override { return kind_; }
  Result<void> put(const std::string& k, ByteSpan d, std::string_view t) override {
    if (auto e = fail()) return *e;
    return inner_.put(k, d, t);
  }
  Result<void> put_file(const std::string& k, const fs::path& f, std::string_view t) override {
    if (auto e = fail()) return *e;
    return inner_.put_file(k, f, t);
  }
  Result<ObjectBytes> get(const std::string& k, std::optional<ByteRange> r) override {
    return inner_.get(k, r);
  }
  Result<std::optional<uint64_t>> size(const std::string& k) override { return inner_.size(k); }
  Result<void> remove(const std::string& k) override { return inner_.remove(k); }
  Result<std::vector<ObjectInfo>> list(const std::string& p) override { return inner_.list(p); }
  Result<void> copy(const std::string& a, const std::string& b) override { return inner_.copy(a, b); }
  // The next create is carried out, but its answer is lost (the store went away mid-request).
  std::atomic<bool> lose_next_create_answer{false};
  Result<std::string> create_multipart(const std::string& k, std::string_view t) override {
    if (auto e = fail()) return *e;
    auto id = inner_.create_multipart(k, t);
    if (id && lose_next_create_answer.exchange(false))
      return make_error(errc::kUnavailable, "the test lost the answer");
    return id;
  }
  Result<UploadedPart> upload_part(const std::string& k, const std::string& id, int n,
                                   ByteSpan d) override {
    if (auto e = fail()) return *e;
    return inner_.upload_part(k, id, n, d);
  }
  Result<void> complete_multipart(const std::string& k, const std::string& id,
                                  std::span<const UploadedPart> p) override {
    if (auto e = fail()) return *e;
    return inner_.complete_multipart(k, id, p);
  }
  Result<void> abort_multipart(const std::string& k, const std::string& id) override {
    if (auto e = fail()) return *e;
    return inner_.abort_multipart(k, id);
  }
  Result<std::vector<OpenUpload>> list_multipart(const std::string& p) override {
    if (auto e = fail()) return *e;
    return inner_.list_multipart(p);
  }

 private:
  std::optional<Error> fail() {
    ++calls;
    if (down) return make_error(errc::kUnavailable, "the test took the store down");
    return std::nullopt;
  }
  ObjectStore& inner_;
  std::string kind_;
};

class Reports final : public RecordingListener {
 public:
  void on_recording(const RecordingReport& r) override {
    std::lock_guard lock(mu_);
    all_.push_back(r);
    cv_.notify_all();
  }
  std::optional<RecordingReport> finished(const std::string& id, std::chrono::milliseconds wait = 10s) {
    std::unique_lock lock(mu_);
    std::optional<RecordingReport> out;
    cv_.wait_for(lock, wait, [&] {
      for (const auto& r : all_)
        if (r.recording_id == id && r.phase == RecordingReport::Phase::kFinished) out = r;
      return out.has_value();
    });
    return out;
  }
  bool saw(const std::string& id, RecordingReport::Phase phase) {
    std::lock_guard lock(mu_);
    for (const auto& r : all_)
      if (r.recording_id == id && r.phase == phase) return true;
    return false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RecordingReport> all_;
};

Bytes filled(size_t n, uint8_t v) { return Bytes(n, v); }

hls::RenditionUpdate segment_update(int64_t msn, size_t size, bool with_init = false,
                                    bool discontinuity = false) {
  hls::RenditionUpdate u;
  if (with_init) {
    u.init_version = 0;
    u.init = std::make_shared<const Bytes>(filled(100, 0xEE));
  }
  hls::SegmentData s;
  s.msn = msn;
  s.bytes = std::make_shared<const Bytes>(filled(size, static_cast<uint8_t>(msn)));
  s.duration = 2.0;
  s.discontinuity = discontinuity;
  s.program_date_time_ms = 1'700'000'000'000 + msn * 2000;
  u.segments.push_back(s);
  u.variant.codecs = "avc1.64001f,mp4a.40.2";
  u.variant.bandwidth = 1'000'000;
  u.variant.width = 640;
  u.variant.height = 360;
  return u;
}

hls::RenditionUpdate end_update() {
  hls::RenditionUpdate u;
  u.edge.ended = true;
  return u;
}

std::string text_of(ObjectStore& s, const std::string& key) {
  auto b = s.get(key, std::nullopt);
  return b ? std::string(as_string_view(b->data)) : std::string();
}

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("sc-recorder-" + random_id().substr(0, 10));
    local_ = std::move(LocalObjectStore::open(root_ / "objects").value());
  }
  void TearDown() override { fs::remove_all(root_); }

  RecorderOptions options() {
    RecorderOptions o;
    o.spool_dir = root_ / "spool";
    o.backoff = BackoffPolicy{10ms, 50ms};
    o.rendition_end_wait = 200ms;
    o.mp4_part_bytes = 2500;
    return o;
  }
  // Every source segment after the header, in order: what the MP4 must hold.
  static Bytes expected_mp4(int from, int to, size_t size) {
    Bytes out = filled(100, 0xEE);
    for (int m = from; m <= to; ++m) {
      const Bytes s = filled(size, static_cast<uint8_t>(m));
      out.insert(out.end(), s.begin(), s.end());
    }
    return out;
  }

  fs::path root_;
  std::unique_ptr<LocalObjectStore> local_;
  SystemClock clock_;
  Reports reports_;
};

TEST_F(RecorderTest, LocalStoreKeepsTheLadderAndAppendsTheMp4) {
  Recorder rec(*local_, options(), reports_, clock_);
  EXPECT_TRUE(rec.recover().empty());
  const std::string id = rec.start("stream1");
  ASSERT_FALSE(id.empty());
  for (int m = 0; m < 5; ++m) {
    rec.on_published("stream1", "source", segment_update(m, 1000, m == 0));
    rec.on_published("stream1", "360p", segment_update(m, 400, m == 0));
  }
  rec.on_published("other-stream", "source", segment_update(0, 10, true));  // not recorded
  rec.stop("stream1");
  rec.on_published("stream1", "source", end_update());
  rec.on_published("stream1", "360p", end_update());
  auto done = reports_.finished(id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, RecordingOutcome::kReady) << done->error;
  EXPECT_TRUE(reports_.saw(id, RecordingReport::Phase::kRecording));
  EXPECT_TRUE(reports_.saw(id, RecordingReport::Phase::kFinalizing));
  EXPECT_EQ(done->duration_ms, 10'000);
  EXPECT_EQ(done->renditions, (std::vector<std::string>{"source", "360p"}));
  EXPECT_TRUE(done->gaps.empty());
  const std::string prefix = "recordings/stream1/" + id;
  EXPECT_EQ(done->master_key, prefix + "/master.m3u8");
  EXPECT_EQ(done->mp4_key, prefix + "/recording.mp4");
  const std::string master = text_of(*local_, done->master_key);
  EXPECT_NE(master.find("source/index.m3u8"), std::string::npos);
  EXPECT_NE(master.find("360p/index.m3u8"), std::string::npos);
  const std::string media = text_of(*local_, prefix + "/360p/index.m3u8");
  EXPECT_NE(media.find("#EXT-X-PLAYLIST-TYPE:VOD"), std::string::npos);
  EXPECT_NE(media.find("seg4.m4s\n#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(local_->get(prefix + "/source/seg3.m4s", std::nullopt)->data, filled(1000, 3));
  EXPECT_EQ(local_->get(prefix + "/360p/init.mp4", std::nullopt)->data.size(), 100u);
  EXPECT_EQ(local_->get(done->mp4_key, std::nullopt)->data, expected_mp4(0, 4, 1000));
  const Bytes mp4 = expected_mp4(0, 4, 1000);
  EXPECT_EQ(local_->get(done->mp4_key, ByteRange{150, 1000})->data,
            Bytes(mp4.begin() + 150, mp4.begin() + 1150));  // across a part boundary
  // Written once: the MP4 is a manifest whose pieces are the source's segment files.
  EXPECT_LT(fs::file_size(root_ / "objects" / done->mp4_key), 1000u);
  EXPECT_EQ(fs::hard_link_count(root_ / "objects" / prefix / "source/seg3.m4s"), 2u);
  EXPECT_TRUE(local_->list_multipart("")->empty());
  EXPECT_TRUE(local_->list("recordings/other-stream")->empty());
  // The recording's spool folder goes once it finished (just after the report).
  for (int i = 0; i < 100 && fs::exists(root_ / "spool" / id); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(fs::exists(root_ / "spool" / id));
  const uint64_t sum = 5 * 1000 + 5 * 400 + 200 + local_->get(done->mp4_key, std::nullopt)->data.size();
  EXPECT_GE(done->bytes, sum);
}

TEST_F(RecorderTest, RemoteStoreDownWhileTheSpoolHoldsLosesNothing) {
  SwitchableStore s3(*local_, "s3");
  Recorder rec(s3, options(), reports_, clock_);
  const std::string id = rec.start("stream2");
  s3.down = true;
  for (int m = 0; m < 8; ++m) rec.on_published("stream2", "source", segment_update(m, 1000, m == 0));
  rec.tick();                          // the group commit hands the segments to the upload threads
  std::this_thread::sleep_for(100ms);  // retries happen meanwhile (the store is down)
  EXPECT_TRUE(local_->list("recordings/").value().empty());
  s3.down = false;
  rec.stop("stream2");
  rec.on_published("stream2", "source", end_update());
  auto done = reports_.finished(id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, RecordingOutcome::kReady) << done->error;
  EXPECT_TRUE(done->gaps.empty());
  EXPECT_EQ(local_->get(done->mp4_key, std::nullopt)->data, expected_mp4(0, 7, 1000));
  EXPECT_TRUE(local_->list_multipart("")->empty());
  EXPECT_EQ(rec.stats().spool_bytes, 0u);
}

TEST_F(RecorderTest, AFullSpoolMakesANamedGap) {
  SwitchableStore s3(*local_, "s3");
  auto o = options();
  o.spool_max_bytes = 4500;  // the header, the MP4 buffer and a few segments
  Recorder rec(s3, o, reports_, clock_);
  const std::string id = rec.start("stream3");
  s3.down = true;
  for (int m = 0; m < 6; ++m) rec.on_published("stream3", "source", segment_update(m, 1000, m == 0));
  // Wait until every segment was handled (kept or lost), then bring the store back.
  for (int i = 0; i < 200 && rec.stats().spool_bytes < 3000; ++i) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(50ms);
  s3.down = false;
  // The store is back: the spool drains, and the next segments are kept.
  // The group commit (Recorder::tick, once a second in the server) hands the spool to the
  // upload threads.
  rec.tick();
  for (int i = 0; i < 400 && (rec.stats().pending_uploads > 0 || rec.stats().spool_bytes > 3000);
       ++i) {
    rec.tick();
    std::this_thread::sleep_for(5ms);
  }
  for (int m = 6; m < 8; ++m) rec.on_published("stream3", "source", segment_update(m, 1000));
  rec.stop("stream3");
  rec.on_published("stream3", "source", end_update());
  auto done = reports_.finished(id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, RecordingOutcome::kPartial);
  ASSERT_FALSE(done->gaps.empty());
  EXPECT_EQ(done->gaps[0].rendition, "source");
  EXPECT_EQ(done->gaps[0].reason, "spool_full");
  EXPECT_GT(done->gaps[0].duration_ms, 0);
  const std::string media = text_of(*local_, "recordings/stream3/" + id + "/source/index.m3u8");
  EXPECT_NE(media.find("#EXT-X-DISCONTINUITY"), std::string::npos);
  EXPECT_NE(media.find("seg7.m4s"), std::string::npos);
  EXPECT_TRUE(local_->list_multipart("")->empty());
}

TEST_F(RecorderTest, ACrashIsFinishedFromTheJournalAndTheSpool) {
  SwitchableStore s3(*local_, "s3");
  std::string id;
  {
    Reports first;
    Recorder rec(s3, options(), first, clock_);
    id = rec.start("stream4");
    for (int m = 0; m < 3; ++m) rec.on_published("stream4", "source", segment_update(m, 1000, m == 0));
    // Let the first segments reach the store, then cut it off: the rest stays in the spool.
    for (int i = 0;
         i < 200 && local_->list("recordings/stream4/" + id + "/source/").value().size() < 3; ++i) {
      rec.tick();
      std::this_thread::sleep_for(5ms);
    }
    s3.down = true;
    for (int m = 3; m < 6; ++m) rec.on_published("stream4", "source", segment_update(m, 1000));
    std::this_thread::sleep_for(100ms);
    rec.shutdown(0ms);  // the process is gone: nothing drains, nothing finishes
    EXPECT_FALSE(first.finished(id, 0ms));
  }
  ASSERT_TRUE(fs::exists(root_ / "spool" / id / "journal"));
  s3.down = false;
  Recorder again(s3, options(), reports_, clock_);
  const auto resumed = again.recover();
  ASSERT_EQ(resumed, std::vector<std::string>{id});
  auto done = reports_.finished(id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, RecordingOutcome::kReady) << done->error;
  EXPECT_EQ(done->duration_ms, 12'000);
  const std::string media = text_of(*local_, "recordings/stream4/" + id + "/source/index.m3u8");
  EXPECT_NE(media.find("seg5.m4s\n#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(local_->get(done->mp4_key, std::nullopt)->data, expected_mp4(0, 5, 1000));
  for (int i = 0; i < 100 && !local_->list_multipart("")->empty(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(local_->list_multipart("")->empty());
}

// The local store: the process dies after its record workers wrote segments but before the
// group commit moved them into place. The restart moves the whole staged segments into place and
// makes a torn one a named gap; nothing is left in the staging folder.
TEST_F(RecorderTest, ACrashBeforeTheCommitOnTheLocalStoreKeepsWhatWasWritten) {
  for (const bool torn : {false, true}) {
    std::string id;
    const std::string stream = torn ? "stream11" : "stream10";
    {
      Reports first;
      Recorder rec(*local_, options(), first, clock_);
      id = rec.start(stream);
      for (int m = 0; m < 4; ++m)
        rec.on_published(stream, "source", segment_update(m, 1000, m == 0));
      for (int i = 0; i < 400 && local_->list("recordings/" + stream + "/").value().size() < 3;
           ++i) {
        rec.tick();
        std::this_thread::sleep_for(5ms);
      }
      // Committed: the first ones. Then two more, written and journaled but never committed.
      for (int m = 4; m < 6; ++m) rec.on_published(stream, "source", segment_update(m, 1000));
      std::this_thread::sleep_for(100ms);
      rec.shutdown(0ms);
      EXPECT_FALSE(first.finished(id, 0ms));
    }
    const fs::path staged = root_ / "objects" / ".staging" / id;
    ASSERT_TRUE(fs::exists(staged / ("recordings~" + stream + "~" + id + "~source~seg5.m4s")));
    if (torn)
      fs::resize_file(staged / ("recordings~" + stream + "~" + id + "~source~seg5.m4s"), 10);
    Recorder again(*local_, options(), reports_, clock_);
    ASSERT_EQ(again.recover(), std::vector<std::string>{id});
    auto done = reports_.finished(id);
    ASSERT_TRUE(done);
    const std::string prefix = "recordings/" + stream + "/" + id;
    const std::string media = text_of(*local_, prefix + "/source/index.m3u8");
    EXPECT_EQ(local_->get(prefix + "/source/seg4.m4s", std::nullopt)->data, filled(1000, 4));
    if (!torn) {
      EXPECT_EQ(done->outcome, RecordingOutcome::kReady) << done->error;
      EXPECT_NE(media.find("seg5.m4s\n#EXT-X-ENDLIST"), std::string::npos);
      EXPECT_EQ(local_->get(prefix + "/source/seg5.m4s", std::nullopt)->data, filled(1000, 5));
      EXPECT_EQ(local_->get(done->mp4_key, std::nullopt)->data, expected_mp4(0, 5, 1000));
    } else {
      EXPECT_EQ(done->outcome, RecordingOutcome::kPartial);
      // The MP4 ends before the torn segment (its part, a link of the same file, is torn too).
      EXPECT_EQ(local_->get(done->mp4_key, std::nullopt)->data, expected_mp4(0, 4, 1000));
      ASSERT_EQ(done->gaps.size(), 1u);
      EXPECT_EQ(done->gaps[0].rendition, "source");
      EXPECT_EQ(done->gaps[0].reason, "crash");
      EXPECT_EQ(media.find("seg5.m4s"), std::string::npos);
      EXPECT_NE(media.find("seg4.m4s\n#EXT-X-ENDLIST"), std::string::npos);
      EXPECT_FALSE(local_->size(prefix + "/source/seg5.m4s")->has_value());
    }
    EXPECT_FALSE(fs::exists(staged));
    EXPECT_TRUE(local_->list_multipart("")->empty());
  }
}

// The store created the MP4's upload but its answer never came back; the create is tried again
// and a second upload made. The first, whose id nobody knows, is aborted before the recording is
// reported finished: no upload is left open.
TEST_F(RecorderTest, AnUploadWhoseCreateAnswerWasLostIsAbortedAtTheEnd) {
  SwitchableStore s3(*local_, "s3");
  s3.lose_next_create_answer = true;
  Recorder rec(s3, options(), reports_, clock_);
  const std::string id = rec.start("stream9");
  for (int m = 0; m < 6; ++m)
    rec.on_published("stream9", "source", segment_update(m, 1000, m == 0));
  rec.stop("stream9");
  rec.on_published("stream9", "source", end_update());
  auto done = reports_.finished(id);
  ASSERT_TRUE(done);
  EXPECT_FALSE(s3.lose_next_create_answer);  // the lost answer happened
  EXPECT_EQ(done->outcome, RecordingOutcome::kReady) << done->error;
  EXPECT_EQ(local_->get(done->mp4_key, std::nullopt)->data, expected_mp4(0, 5, 1000));
  EXPECT_TRUE(local_->list_multipart("")->empty());
}

TEST_F(RecorderTest, OrphanUploadsAreAbortedAtStart) {
  auto orphan = local_->create_multipart("recordings/s/unknown-recording/recording.mp4", "video/mp4");
  ASSERT_TRUE(orphan);
  auto other = local_->create_multipart("elsewhere/file", "video/mp4");  // not ours: kept
  ASSERT_TRUE(other);
  Recorder rec(*local_, options(), reports_, clock_);
  rec.recover();
  for (int i = 0; i < 200 && local_->list_multipart("recordings/")->size() > 0; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(local_->list_multipart("recordings/")->empty());
  EXPECT_EQ(local_->list_multipart("elsewhere/")->size(), 1u);
}

TEST_F(RecorderTest, TheLiveWindowIsWhatIsStoredAndSegmentsWaitForTheGroupCommit) {
  Recorder rec(*local_, options(), reports_, clock_);
  const std::string id = rec.start("stream6");
  for (int m = 0; m < 3; ++m)
    rec.on_published("stream6", "source", segment_update(m, 1000, m == 0));
  // Spooled but not committed: nothing is handed to the store before the commit makes it durable.
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(local_->list("recordings/stream6/").value().empty());
  EXPECT_TRUE(rec.live_window("stream6", id)->segments.empty());
  for (int i = 0; i < 200 && rec.live_window("stream6", id)->segments.size() < 3; ++i) {
    rec.tick();
    std::this_thread::sleep_for(5ms);
  }
  auto window = rec.live_window("stream6", id);
  ASSERT_TRUE(window);
  EXPECT_EQ(window->prefix, "recordings/stream6/" + id);
  ASSERT_EQ(window->segments.size(), 3u);
  EXPECT_EQ(window->segments[2].msn, 2);
  EXPECT_TRUE(local_->size("recordings/stream6/" + id + "/source/seg2.m4s").value());
  EXPECT_FALSE(rec.live_window("stream6", "another-recording"));
  EXPECT_FALSE(rec.live_window("no-such-stream", id));
  rec.stop("stream6");
  rec.on_published("stream6", "source", end_update());
  ASSERT_TRUE(reports_.finished(id));
}

TEST_F(RecorderTest, ARungThatNeverEndsDoesNotHoldTheRecording) {
  Recorder rec(*local_, options(), reports_, clock_);
  const std::string id = rec.start("stream5");
  rec.on_published("stream5", "source", segment_update(0, 500, true));
  rec.on_published("stream5", "360p", segment_update(0, 200, true));
  rec.stop("stream5");
  rec.on_published("stream5", "source", end_update());
  EXPECT_FALSE(reports_.finished(id, 50ms));
  std::optional<RecordingReport> done;
  for (int i = 0; i < 100 && !done; ++i) {
    rec.tick();
    done = reports_.finished(id, 20ms);
  }
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, RecordingOutcome::kReady);
}

TEST_F(RecorderTest, NothingRecordedIsFailed) {
  Recorder rec(*local_, options(), reports_, clock_);
  const std::string id = rec.start("stream6");
  rec.stop("stream6");
  auto done = reports_.finished(id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, RecordingOutcome::kFailed);
  EXPECT_FALSE(done->error.empty());
}

}  // namespace
}  // namespace stagecast::record
