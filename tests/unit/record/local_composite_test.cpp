// The local store's composite objects: an upload whose parts are hard links of staged segments
// reads as one object (whole, any range, size, list), is removed and copied with its pieces, holds
// its bytes once, and a completion cut short finishes or aborts with nothing left open.

#include "record/local_composite.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "local_store_fixture.h"
#include "record/local_object_store.h"

namespace stagecast::record {
namespace {

namespace fs = std::filesystem;

using testing::bytes_of;

class CompositeTest : public testing::LocalStoreFixture {
 protected:
  // What the recorder does: the header appended, then each segment staged and linked as the next
  // part, the segments committed; returns the parts (not completed yet).
  std::vector<UploadedPart> build(const std::string& key, std::string* upload_id,
                                  const std::vector<std::string>& segments,
                                  const std::string& header = "HEAD") {
    auto id = store_->create_multipart(key, "video/mp4");
    EXPECT_TRUE(id);
    *upload_id = *id;
    std::vector<UploadedPart> parts;
    auto p = store_->upload_part(key, *id, 1, bytes_of(header));
    EXPECT_TRUE(p);
    parts.push_back(*p);
    LocalObjectStore::StagedPuts puts("batch");
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string seg_key = "r/1/source/seg" + std::to_string(i) + ".m4s";
      EXPECT_TRUE(store_->stage(puts, seg_key, bytes_of(segments[i])));
      auto linked = store_->upload_part_staged(puts, seg_key, key, *id, static_cast<int>(i) + 2);
      EXPECT_TRUE(linked) << (linked ? "" : linked.error().message);
      if (linked) parts.push_back(*linked);
    }
    EXPECT_TRUE(store_->commit_staged(puts));
    return parts;
  }
};

TEST(CompositeManifest, RoundTripAndRefusesWhatIsNotWhole) {
  CompositeManifest m{"0123456789abcdef0123456789abcdef", 7, {{"data", 0, 4}, {"p2", 0, 3}}};
  const std::string text = render_composite(m);
  auto back = parse_composite(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->size, 7u);
  ASSERT_EQ(back->pieces.size(), 2u);
  EXPECT_EQ(back->pieces[1].file, "p2");
  EXPECT_FALSE(parse_composite(text.substr(0, text.size() - 1)));  // torn last line
  EXPECT_FALSE(parse_composite("stagecast-composite 1\nid ab\nsize 8\ndata 0 4\np2 0 3\n"));
  EXPECT_FALSE(parse_composite("stagecast-composite 1\nid ab\nsize 3\n../x 0 3\n"));
  EXPECT_FALSE(parse_composite("stagecast-composite 1\nid ../ab\nsize 3\np1 0 3\n"));
  EXPECT_FALSE(parse_composite("#EXTM3U\n"));
  EXPECT_TRUE(valid_piece_file("p12"));
  for (const char* bad : {"p", "q1", "p1/x", "..", "data2", "p-1", ""})
    EXPECT_FALSE(valid_piece_file(bad)) << bad;
  auto lines = parse_part_lines("1 0 4 e1\n2 L 3 l2\n3 4 1");  // the last line torn
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[0].linked);
  EXPECT_TRUE(lines[1].linked);
  EXPECT_EQ(lines[1].size, 3u);
}

TEST_F(CompositeTest, LinkedPartsReadAsOneObjectHeldOnce) {
  std::string id;
  const std::vector<std::string> segs{"alpha-", "bravo--", "c", "delta---"};
  auto parts = build("r/1/recording.mp4", &id, segs);
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_FALSE(store_->size("r/1/recording.mp4")->has_value());  // not before completion
  ASSERT_TRUE(store_->complete_multipart("r/1/recording.mp4", id, parts));
  const std::string whole = "HEADalpha-bravo--cdelta---";
  auto got = store_->get("r/1/recording.mp4", std::nullopt);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->data, bytes_of(whole));
  EXPECT_EQ(got->total_size, whole.size());
  EXPECT_EQ(store_->size("r/1/recording.mp4")->value(), whole.size());
  // Every range, across every part boundary, clamped at the end.
  for (uint64_t first = 0; first < whole.size(); ++first) {
    for (uint64_t len = 1; len <= whole.size() + 2; ++len) {
      auto r = store_->get("r/1/recording.mp4", ByteRange{first, len});
      ASSERT_TRUE(r) << first << "+" << len;
      EXPECT_EQ(r->data, bytes_of(whole.substr(first, len))) << first << "+" << len;
      EXPECT_EQ(r->total_size, whole.size());
    }
  }
  EXPECT_EQ(store_->get("r/1/recording.mp4", ByteRange{whole.size(), 1}).error().code,
            errc::kInvalid);
  // Listed with its own size, beside the segments; no upload left open.
  auto listed = store_->list("r/1/");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 5u);
  EXPECT_EQ((*listed)[0].key, "r/1/recording.mp4");
  EXPECT_EQ((*listed)[0].size, whole.size());
  EXPECT_TRUE(store_->list_multipart("")->empty());
  // The segments' bytes are on disk once: the MP4's pieces are the segment files themselves.
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "r/1/source/seg1.m4s").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_LT(fs::file_size(dir_ / "r/1/recording.mp4"), 200u);  // the manifest
}

TEST_F(CompositeTest, RemoveTakesItsPiecesAndLeavesTheSegments) {
  std::string id;
  auto parts = build("r/1/recording.mp4", &id, {"one", "two"});
  ASSERT_TRUE(store_->complete_multipart("r/1/recording.mp4", id, parts));
  ASSERT_TRUE(store_->remove("r/1/recording.mp4"));
  EXPECT_FALSE(store_->size("r/1/recording.mp4")->has_value());
  EXPECT_TRUE(fs::is_empty(dir_ / ".composite"));
  EXPECT_EQ(store_->get("r/1/source/seg1.m4s", std::nullopt)->data, bytes_of("two"));
  EXPECT_TRUE(store_->list_multipart("")->empty());
  // And the segments removed first (the order of a recording's delete) leave the MP4 whole.
  auto again = build("r/1/recording.mp4", &id, {"three", "four"});
  ASSERT_TRUE(store_->complete_multipart("r/1/recording.mp4", id, again));
  ASSERT_TRUE(store_->remove("r/1/source/seg0.m4s"));
  EXPECT_EQ(store_->get("r/1/recording.mp4", std::nullopt)->data, bytes_of("HEADthreefour"));
}

TEST_F(CompositeTest, CopyIsAnIndependentObject) {
  std::string id;
  auto parts = build("r/1/recording.mp4", &id, {"seg-a", "seg-b"});
  ASSERT_TRUE(store_->complete_multipart("r/1/recording.mp4", id, parts));
  ASSERT_TRUE(store_->copy("r/1/recording.mp4", "clips/9/recording.mp4"));
  ASSERT_TRUE(store_->remove("r/1/recording.mp4"));
  ASSERT_TRUE(store_->remove("r/1/source/seg0.m4s"));
  EXPECT_EQ(store_->get("clips/9/recording.mp4", std::nullopt)->data, bytes_of("HEADseg-aseg-b"));
  EXPECT_EQ(store_->get("clips/9/recording.mp4", ByteRange{3, 4})->data, bytes_of("Dseg"));
  EXPECT_TRUE(store_->list_multipart("")->empty());
  // Overwriting a composite with a plain object drops its pieces.
  ASSERT_TRUE(store_->put("clips/9/recording.mp4", bytes_of("plain"), "video/mp4"));
  EXPECT_EQ(store_->get("clips/9/recording.mp4", std::nullopt)->data, bytes_of("plain"));
  EXPECT_TRUE(fs::is_empty(dir_ / ".composite"));
}

// Completion cut short after the pieces left .uploads, before the manifest reached the key (the
// state is made by removing the manifest a completion wrote): the upload is still listed open;
// completing again finishes it, and aborting instead leaves nothing.
TEST_F(CompositeTest, ACompletionCutShortIsFinishedOrAborted) {
  for (const bool finish : {true, false}) {
    std::string id;
    auto parts = build("r/1/recording.mp4", &id, {"x1", "x2"});
    ASSERT_TRUE(store_->complete_multipart("r/1/recording.mp4", id, parts));
    fs::remove(dir_ / "r/1/recording.mp4");
    auto open = store_->list_multipart("r/1/");
    ASSERT_TRUE(open);
    ASSERT_EQ(open->size(), 1u);
    EXPECT_EQ((*open)[0].upload_id, id);
    EXPECT_EQ((*open)[0].key, "r/1/recording.mp4");
    if (finish) {
      ASSERT_TRUE(store_->complete_multipart("r/1/recording.mp4", id, parts));
      ASSERT_TRUE(store_->complete_multipart("r/1/recording.mp4", id, parts));  // again: done
      EXPECT_EQ(store_->get("r/1/recording.mp4", std::nullopt)->data, bytes_of("HEADx1x2"));
      // Aborting a completed upload does not take the object's pieces.
      ASSERT_TRUE(store_->abort_multipart("r/1/recording.mp4", id));
      EXPECT_EQ(store_->get("r/1/recording.mp4", std::nullopt)->data, bytes_of("HEADx1x2"));
      ASSERT_TRUE(store_->remove("r/1/recording.mp4"));
    } else {
      ASSERT_TRUE(store_->abort_multipart("r/1/recording.mp4", id));
      EXPECT_FALSE(store_->size("r/1/recording.mp4")->has_value());
    }
    EXPECT_TRUE(store_->list_multipart("")->empty());
    EXPECT_TRUE(fs::is_empty(dir_ / ".composite"));
  }
}

// A crash (SIGKILL) before the segments' commit keeps the linked parts (the same inodes as the
// staged files); a power cut that tore one is found by whole_parts and refused by the completion.
TEST_F(CompositeTest, TornPartsAreFoundAndNeverCompleted) {
  auto id = store_->create_multipart("r/2/recording.mp4", "video/mp4");
  ASSERT_TRUE(id);
  std::vector<UploadedPart> parts;
  parts.push_back(*store_->upload_part("r/2/recording.mp4", *id, 1, bytes_of("H")));
  {
    LocalObjectStore::StagedPuts puts("crashed");
    for (int i = 0; i < 3; ++i) {
      const std::string k = "r/2/source/seg" + std::to_string(i) + ".m4s";
      ASSERT_TRUE(store_->stage(puts, k, bytes_of("segment" + std::to_string(i))));
      auto p = store_->upload_part_staged(puts, k, "r/2/recording.mp4", *id, i + 2);
      ASSERT_TRUE(p);
      parts.push_back(*p);
    }
  }  // gone before the commit
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(
        store_->recover_staged("crashed", "r/2/source/seg" + std::to_string(i) + ".m4s", 8));
  fs::resize_file(dir_ / ".staging" / "crashed" / "r~2~source~seg2.m4s", 3);  // torn
  store_->drop_staging("crashed");
  EXPECT_EQ(store_->whole_parts("r/2/recording.mp4", *id, parts), 3u);
  EXPECT_EQ(store_->complete_multipart("r/2/recording.mp4", *id, parts).error().code,
            errc::kInvalid);
  const std::vector<UploadedPart> kept(parts.begin(), parts.begin() + 3);
  ASSERT_TRUE(store_->complete_multipart("r/2/recording.mp4", *id, kept));
  EXPECT_EQ(store_->get("r/2/recording.mp4", std::nullopt)->data, bytes_of("Hsegment0segment1"));
  EXPECT_TRUE(store_->list_multipart("")->empty());
  EXPECT_FALSE(fs::exists(dir_ / ".composite" / *id / "p4"));  // the unlisted part went
}

}  // namespace
}  // namespace stagecast::record
