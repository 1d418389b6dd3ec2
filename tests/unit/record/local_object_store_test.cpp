#include "record/local_object_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "local_store_fixture.h"
#include "record/s3_environment.h"

namespace stagecast::record {
namespace {

namespace fs = std::filesystem;

using LocalStoreTest = testing::LocalStoreFixture;
using testing::bytes_of;

TEST(ObjectKeys, OnlySafeRelativePaths) {
  EXPECT_TRUE(valid_object_key("recordings/abc/source/seg1.m4s"));
  for (const char* bad : {"", "/abs", "a//b", "a/../b", "..", "a/./b", "a/", ".uploads/x", "a b",
                          "a\\b", "a/.hidden", "%2e%2e"}) {
    EXPECT_FALSE(valid_object_key(bad)) << bad;
  }
  EXPECT_FALSE(valid_object_key(std::string(513, 'a')));
}

TEST_F(LocalStoreTest, PutGetRangeListRemove) {
  ASSERT_TRUE(store_->put("r/1/a.m4s", bytes_of("hello world"), "video/mp4"));
  ASSERT_TRUE(store_->put("r/1/b/c.m3u8", bytes_of("#EXTM3U"), "application/vnd.apple.mpegurl"));
  ASSERT_TRUE(store_->put("r/2/x", bytes_of("x"), ""));
  auto whole = store_->get("r/1/a.m4s", std::nullopt);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->data, bytes_of("hello world"));
  auto part = store_->get("r/1/a.m4s", ByteRange{6, 100});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->data, bytes_of("world"));
  EXPECT_EQ(part->total_size, 11u);
  EXPECT_EQ(store_->get("r/1/a.m4s", ByteRange{11, 1}).error().code, errc::kInvalid);
  EXPECT_EQ(store_->get("r/1/none", std::nullopt).error().code, errc::kNotFound);
  auto listed = store_->list("r/1/");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "r/1/a.m4s");
  EXPECT_EQ((*listed)[1].key, "r/1/b/c.m3u8");
  EXPECT_EQ((*listed)[1].size, 7u);
  EXPECT_EQ(store_->size("r/2/x")->value(), 1u);
  EXPECT_FALSE(store_->size("r/2/y")->has_value());
  ASSERT_TRUE(store_->remove("r/1/b/c.m3u8"));
  ASSERT_TRUE(store_->remove("r/1/b/c.m3u8"));  // gone already: fine
  EXPECT_FALSE(fs::exists(dir_ / "r/1/b"));      // empty directories are pruned
  EXPECT_EQ(store_->put("../escape", bytes_of("x"), "").error().code, errc::kInvalid);
}

TEST_F(LocalStoreTest, CopyIsIndependentOfTheSource) {
  ASSERT_TRUE(store_->put("a/seg", bytes_of("segment"), ""));
  ASSERT_TRUE(store_->copy("a/seg", "clips/1/seg"));
  ASSERT_TRUE(store_->remove("a/seg"));
  EXPECT_EQ(store_->get("clips/1/seg", std::nullopt)->data, bytes_of("segment"));
  EXPECT_EQ(store_->copy("a/none", "b").error().code, errc::kNotFound);
}

TEST_F(LocalStoreTest, PutFileMovesTheSpoolEntry) {
  const fs::path spooled = dir_ / "spooled.bin";
  {
    std::FILE* f = std::fopen(spooled.c_str(), "wb");
    std::fputs("spooled bytes", f);
    std::fclose(f);
  }
  ASSERT_TRUE(store_->put_file("k/seg", spooled, "video/mp4"));
  EXPECT_FALSE(fs::exists(spooled));
  EXPECT_EQ(store_->get("k/seg", std::nullopt)->data, bytes_of("spooled bytes"));
}

TEST_F(LocalStoreTest, MultipartAppendsInOrderAndCompletes) {
  auto id = store_->create_multipart("rec/file.mp4", "video/mp4");
  ASSERT_TRUE(id);
  auto p1 = store_->upload_part("rec/file.mp4", *id, 1, bytes_of("abc"));
  ASSERT_TRUE(p1);
  EXPECT_EQ(store_->upload_part("rec/file.mp4", *id, 3, bytes_of("x")).error().code, errc::kInvalid);
  EXPECT_EQ(store_->upload_part("other", *id, 2, bytes_of("x")).error().code, errc::kNotFound);
  ASSERT_TRUE(store_->upload_part("rec/file.mp4", *id, 2, bytes_of("WRONG")));
  auto p2 = store_->upload_part("rec/file.mp4", *id, 2, bytes_of("def"));  // a retry replaces it
  ASSERT_TRUE(p2);
  auto open = store_->list_multipart("rec/");
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].upload_id, *id);
  EXPECT_FALSE(store_->list("rec/")->size());  // not an object before completion
  const std::vector<UploadedPart> wrong{UploadedPart{1, "bogus"}};
  EXPECT_FALSE(store_->complete_multipart("rec/file.mp4", *id, wrong));
  const std::vector<UploadedPart> parts{*p1, *p2};
  ASSERT_TRUE(store_->complete_multipart("rec/file.mp4", *id, parts));
  EXPECT_EQ(store_->get("rec/file.mp4", std::nullopt)->data, bytes_of("abcdef"));
  EXPECT_TRUE(store_->list_multipart("")->empty());
}

// A crash after an append the recorder had not journaled yet: completing with the parts it
// knows keeps exactly those bytes.
TEST_F(LocalStoreTest, CompletingTheFirstPartsDropsTheRest) {
  auto id = store_->create_multipart("rec/c.mp4", "video/mp4");
  ASSERT_TRUE(id);
  auto p1 = store_->upload_part("rec/c.mp4", *id, 1, bytes_of("abc"));
  ASSERT_TRUE(store_->upload_part("rec/c.mp4", *id, 2, bytes_of("def")));
  const std::vector<UploadedPart> known{*p1};
  ASSERT_TRUE(store_->complete_multipart("rec/c.mp4", *id, known));
  EXPECT_EQ(store_->get("rec/c.mp4", std::nullopt)->data, bytes_of("abc"));
}

TEST_F(LocalStoreTest, AbortLeavesNothing) {
  auto id = store_->create_multipart("rec/a.mp4", "video/mp4");
  ASSERT_TRUE(id);
  ASSERT_TRUE(store_->upload_part("rec/a.mp4", *id, 1, bytes_of("abc")));
  ASSERT_TRUE(store_->abort_multipart("rec/a.mp4", *id));
  ASSERT_TRUE(store_->abort_multipart("rec/a.mp4", *id));
  EXPECT_TRUE(store_->list_multipart("")->empty());
  EXPECT_TRUE(store_->list("")->empty());
}

// The recorder's group commit: staged objects are nowhere under their keys until the commit,
// which moves them all into place.
TEST_F(LocalStoreTest, StagedPutsAppearOnlyAtTheCommit) {
  LocalObjectStore::StagedPuts puts("rec1");
  ASSERT_TRUE(store_->stage(puts, "r/1/source/seg0.m4s", bytes_of("zero")));
  ASSERT_TRUE(store_->stage(puts, "r/1/360p/seg0.m4s", bytes_of("small")));
  EXPECT_FALSE(puts.empty());
  EXPECT_TRUE(store_->list("")->empty());
  EXPECT_FALSE(store_->size("r/1/source/seg0.m4s")->has_value());
  ASSERT_TRUE(store_->commit_staged(puts));
  EXPECT_TRUE(puts.empty());
  EXPECT_EQ(store_->get("r/1/source/seg0.m4s", std::nullopt)->data, bytes_of("zero"));
  EXPECT_EQ(store_->get("r/1/360p/seg0.m4s", std::nullopt)->data, bytes_of("small"));
  EXPECT_EQ(store_->list("")->size(), 2u);  // the staging folder is never listed
  store_->drop_staging("rec1");
  EXPECT_FALSE(fs::exists(dir_ / ".staging" / "rec1"));
  EXPECT_FALSE(store_->stage(puts, "../escape", bytes_of("x")));
  LocalObjectStore::StagedPuts bad("../x");
  EXPECT_FALSE(store_->stage(bad, "r/1/a", bytes_of("x")));
}

// A crash between the write and the commit: a whole staged file is moved into place at
// recovery, a torn or missing one is reported as such, and one already in place counts.
TEST_F(LocalStoreTest, RecoveryFinishesWhatACommitLeftStaged) {
  {
    LocalObjectStore::StagedPuts puts("rec2");
    ASSERT_TRUE(store_->stage(puts, "r/2/seg0.m4s", bytes_of("whole")));
    ASSERT_TRUE(store_->stage(puts, "r/2/seg1.m4s", bytes_of("torn!")));
  }  // the process is gone before its commit
  fs::resize_file(dir_ / ".staging" / "rec2" / "r~2~seg1.m4s", 2);
  ASSERT_TRUE(store_->put("r/2/seg-1.m4s", bytes_of("earlier"), ""));
  EXPECT_TRUE(store_->recover_staged("rec2", "r/2/seg0.m4s", 5));
  EXPECT_EQ(store_->get("r/2/seg0.m4s", std::nullopt)->data, bytes_of("whole"));
  EXPECT_FALSE(store_->recover_staged("rec2", "r/2/seg1.m4s", 5));
  EXPECT_FALSE(store_->size("r/2/seg1.m4s")->has_value());
  EXPECT_FALSE(store_->recover_staged("rec2", "r/2/seg9.m4s", 5));
  EXPECT_TRUE(store_->recover_staged("rec2", "r/2/seg-1.m4s", 7));
  EXPECT_FALSE(store_->recover_staged("rec2", "r/2/seg-1.m4s", 8));
  store_->drop_staging("rec2");
  EXPECT_FALSE(fs::exists(dir_ / ".staging" / "rec2"));
}

TEST(S3Environment, ConfigFirstThenAwsVariables) {
  const std::vector<std::string> env{"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=envsecret",
                                     "AWS_SESSION_TOKEN=tok", "AWS_DEFAULT_REGION=eu-west-3",
                                     "AWS_ENDPOINT_URL=http://127.0.0.1:9000"};
  S3Settings configured;
  configured.region = "";
  configured.bucket = "b";
  auto s = resolve_s3_settings(configured, env);
  EXPECT_EQ(s.credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(s.credentials.secret_access_key, "envsecret");
  EXPECT_EQ(s.credentials.session_token, "tok");
  EXPECT_EQ(s.region, "eu-west-3");
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:9000");
  configured.credentials = {"AKIDCONF", "confsecret", ""};
  configured.region = "us-west-2";
  s = resolve_s3_settings(configured, {});
  EXPECT_EQ(s.credentials.access_key_id, "AKIDCONF");
  EXPECT_EQ(s.endpoint, "https://s3.us-west-2.amazonaws.com");
  // A configured pair is never mixed with an environment one.
  s = resolve_s3_settings(configured, env);
  EXPECT_EQ(s.credentials.session_token, "");
}

}  // namespace
}  // namespace stagecast::record
