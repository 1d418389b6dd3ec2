#include "transcode/ladder.h"

#include <gtest/gtest.h>

namespace stagecast::transcode {
namespace {

TEST(Ladder, ParsesAndFormatsTheDefault) {
  auto steps = parse_ladder("1080p:6000k, 720p:3000k,480p:1500k,360p:800k");
  ASSERT_TRUE(steps) << steps.error().message;
  ASSERT_EQ(steps->size(), 4u);
  EXPECT_EQ((*steps)[0].height, 1080);
  EXPECT_EQ((*steps)[0].bitrate, 6'000'000u);
  EXPECT_EQ((*steps)[3].bitrate, 800'000u);
  EXPECT_EQ(format_ladder(*steps), format_ladder(default_ladder()));
  EXPECT_EQ(format_ladder(*steps), "1080p:6000k,720p:3000k,480p:1500k,360p:800k");
}

TEST(Ladder, SortsHighestFirstAndAcceptsMegabits) {
  auto steps = parse_ladder("360p:800k,1080p:6M");
  ASSERT_TRUE(steps);
  EXPECT_EQ((*steps)[0].height, 1080);
  EXPECT_EQ((*steps)[0].bitrate, 6'000'000u);
}

TEST(Ladder, RefusesMalformedSteps) {
  for (const char* bad : {"720:3000k", "720p", "720p:", "p:100k", "721p:100k", "720p:0",
                          "720p:abc", "720p:3000k,720p:2000k", "720p:200M"}) {
    EXPECT_FALSE(parse_ladder(bad)) << bad;
  }
  auto empty = parse_ladder("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Ladder, SkipsRungsAtOrAboveTheSource) {
  auto rungs = plan_rungs(default_ladder(), 1280, 720);
  ASSERT_EQ(rungs.size(), 2u);
  EXPECT_EQ(rungs[0].name, "480p");
  EXPECT_EQ(rungs[0].width, 854);  // 1280 * 480 / 720 = 853.3, even
  EXPECT_EQ(rungs[0].height, 480);
  EXPECT_EQ(rungs[0].bitrate, 1'500'000u);
  EXPECT_EQ(rungs[1].name, "360p");
  EXPECT_EQ(rungs[1].width, 640);

  auto full = plan_rungs(default_ladder(), 3840, 2160);
  ASSERT_EQ(full.size(), 4u);
  EXPECT_EQ(full[0].width, 1920);
  EXPECT_TRUE(plan_rungs(default_ladder(), 640, 360).empty());
  EXPECT_TRUE(plan_rungs(default_ladder(), 0, 0).empty());
}

TEST(Ladder, KeepsAPortraitSourcesAspect) {
  auto rungs = plan_rungs({{360, 800'000}}, 720, 1280);
  ASSERT_EQ(rungs.size(), 1u);
  EXPECT_EQ(rungs[0].width, 202);  // 720 * 360 / 1280 = 202.5 -> nearest even
}

}  // namespace
}  // namespace stagecast::transcode
