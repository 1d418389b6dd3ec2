// The part boundary rule on its own (part_timing.h): PART-TARGET from the frame rate, where a
// held frame goes, where a part ends, and the planned parts of a complete first segment, each
// against draft-pantos-hls-rfc8216bis 4.4.4.9 (parts at most PART-TARGET, at least 85% of it
// unless INDEPENDENT or a segment's last).
#include "hls/part_timing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace stagecast::hls {
namespace {

constexpr int64_t kMs = 90;
constexpr int64_t kFrame30 = 3000;  // 30 fps

TEST(PartTiming, PartTargetIsTheNominalPartInWholeFramesWithRoomForJitter) {
  // 250 ms at 30 fps: 8 frames (266.7 ms) and 3.6 ms of room, rounded up to 271 ms.
  const auto t = PartTiming::for_frames(250 * kMs, kFrame30);
  EXPECT_EQ(t.target, 271 * kMs);
  EXPECT_EQ(t.floor, (271 * kMs * 85 + 99) / 100);
  // Both a 7- and an 8-frame part fit, each with nearly 3 ms to spare either way.
  EXPECT_TRUE(t.long_enough(7 * kFrame30 - 29 * kMs / 10));
  EXPECT_TRUE(t.fits(8 * kFrame30 + 29 * kMs / 10));
  EXPECT_FALSE(t.long_enough(7 * kFrame30 - 3 * kMs));
  // A frame rate measured from millisecond timestamps snaps to the common one it means.
  EXPECT_EQ(PartTiming::for_frames(250 * kMs, 2997.0).target, t.target);
  EXPECT_EQ(PartTiming::for_frames(250 * kMs, 3003.0).target, t.target);  // 29.97 fps: 267 + 4
  EXPECT_EQ(PartTiming::for_frames(500 * kMs, kFrame30).target, 505 * kMs);
  EXPECT_EQ(PartTiming::for_frames(250 * kMs, 3600.0).target, 282 * kMs);  // 25 fps: 7 frames
  EXPECT_EQ(PartTiming::for_frames(250 * kMs, 1500.0).target, 253 * kMs);  // 60 fps: 15 frames
  EXPECT_EQ(PartTiming::for_frames(250 * kMs, 0.0).target, 250 * kMs);     // no video rate
}

TEST(PartTiming, TypicalFrameDurationLeavesGapsAndDecodeOrderOut) {
  // B-frame presentation order, millisecond timestamps, two frames missing.
  std::vector<int64_t> pts;
  for (int i = 0; i < 60; ++i)
    if (i != 20 && i != 21) pts.push_back(static_cast<int64_t>(std::floor(i * 100.0 / 3)) * kMs);
  std::swap(pts[4], pts[5]);
  EXPECT_NEAR(typical_frame_duration(pts), kFrame30, 2.0);
  EXPECT_EQ(typical_frame_duration({}), 0);
  // A publisher starved of CPU: five frames stamped within a few ticks, then a long step.
  std::vector<int64_t> bunched;
  for (int i = 0; i < 60; ++i)
    bunched.push_back(i < 10 || i >= 15 ? i * kFrame30 : 10 * kFrame30 + i);
  EXPECT_NEAR(typical_frame_duration(bunched), kFrame30, 1.0);
}

TEST(PartTiming, TheDeclaredFrameRateCountsWhenTheFramesBearItOut) {
  std::vector<int64_t> pts;
  for (int i = 0; i < 60; ++i) pts.push_back(i * 2925);  // 30.8 fps measured
  EXPECT_EQ(source_frame_duration(pts, 30.0), kFrame30);
  EXPECT_EQ(source_frame_duration(pts, 0.0), 2925);   // nothing declared
  EXPECT_EQ(source_frame_duration(pts, 60.0), 2925);  // declared, but not what comes
  EXPECT_EQ(source_frame_duration({}, 25.0), 3600);   // declared, nothing measured
}

TEST(PartTiming, GridStepSharesTheExpectedSegmentOutOverWholeParts) {
  EXPECT_EQ(grid_step(2 * 90000, 250 * kMs), 250 * kMs);
  EXPECT_EQ(grid_step(250 * kFrame30, 250 * kMs), 250 * kFrame30 / 33);  // OBS: 33 parts
  EXPECT_EQ(grid_step(100 * kMs, 250 * kMs), 100 * kMs);                 // shorter than a part
}

TEST(PartTiming, AHeldFrameJoinsStartsTheNextPartOrEndsTheSegment) {
  const auto t = PartTiming::for_frames(250 * kMs, kFrame30);
  const int64_t s = 0;
  // Its successor starts within PART-TARGET: it joins.
  EXPECT_EQ(place_held_frame(t, s, false, 7 * kFrame30, 8 * kFrame30), HeldFrame::Joins);
  // One frame missing after 7 frames: the part ends at 7 (long enough).
  EXPECT_EQ(place_held_frame(t, s, false, 7 * kFrame30, 9 * kFrame30), HeldFrame::StartsNextPart);
  // Three missing after 6: no frame start in the window; the segment ends.
  EXPECT_EQ(place_held_frame(t, s, false, 6 * kFrame30, 10 * kFrame30), HeldFrame::EndsSegment);
  // ... unless the part is INDEPENDENT (exempt from the 85%).
  EXPECT_EQ(place_held_frame(t, s, true, 6 * kFrame30, 10 * kFrame30), HeldFrame::StartsNextPart);
  // A part's only frame stays, however long.
  EXPECT_EQ(place_held_frame(t, s, false, s, 20 * kFrame30), HeldFrame::Joins);
}

TEST(PartTiming, APartEndsAtTheFrameStartNearestItsGridPointWithinTheWindow) {
  const auto t = PartTiming::for_frames(250 * kMs, kFrame30);
  const int64_t aim = 250 * kMs;                                  // 7.5 frames
  EXPECT_FALSE(part_ends_at(t, 0, 6 * kFrame30, aim, kFrame30));  // too short
  EXPECT_TRUE(part_ends_at(t, 0, 8 * kFrame30, aim, kFrame30));
  // 7 frames is half a frame short of the grid point: the next start is as near; wait for it.
  EXPECT_FALSE(part_ends_at(t, 0, 7 * kFrame30, aim + 1, kFrame30));
  EXPECT_TRUE(part_ends_at(t, 0, 7 * kFrame30, aim - 1, kFrame30));
  // A grid point outside the window counts as its nearer edge.
  EXPECT_TRUE(part_ends_at(t, 0, 7 * kFrame30, 100 * kMs, kFrame30));
  // Short of the grid point, but the next frame would surely pass PART-TARGET: end here.
  EXPECT_TRUE(part_ends_at(t, 0, 7 * kFrame30, 400 * kMs, 2 * kFrame30));
  EXPECT_FALSE(part_ends_at(t, 0, 7 * kFrame30, 400 * kMs, kFrame30));
}

std::vector<int64_t> frames(int count, const std::vector<int>& missing = {}) {
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i)
    if (std::find(missing.begin(), missing.end(), i) == missing.end()) out.push_back(i * kFrame30);
  return out;
}

// Checks a plan against 4.4.4.9; returns the part durations.
std::vector<int64_t> check_plan(const std::vector<size_t>& cuts, const std::vector<int64_t>& starts,
                                const std::vector<bool>& sync, int64_t end, const PartTiming& t) {
  std::vector<int64_t> lengths;
  EXPECT_FALSE(cuts.empty());
  if (cuts.empty()) return lengths;
  EXPECT_EQ(cuts.front(), 0u);
  for (size_t i = 0; i < cuts.size(); ++i) {
    const int64_t to = i + 1 < cuts.size() ? starts[cuts[i + 1]] : end;
    const int64_t length = to - starts[cuts[i]];
    lengths.push_back(length);
    EXPECT_TRUE(t.fits(length)) << i << ": " << length;
    if (i + 1 < cuts.size() && !sync[cuts[i]]) {
      EXPECT_TRUE(t.long_enough(length)) << i << ": " << length;
    }
  }
  return lengths;
}

TEST(PartTiming, PlannedPartsFollowTheGridAndEndInAFullPart) {
  const auto t = PartTiming::for_frames(250 * kMs, kFrame30);
  const auto starts = frames(60);
  std::vector<bool> sync(starts.size(), false);
  sync[0] = true;
  const int64_t end = 60 * kFrame30;
  const auto lengths =
      check_plan(plan_parts(starts, sync, end, t, grid_step(end, 250 * kMs)), starts, sync, end, t);
  ASSERT_EQ(lengths.size(), 8u);
  for (const int64_t l : lengths) EXPECT_LE(std::abs(l - 250 * kMs), kFrame30 / 2);
}

TEST(PartTiming, PlannedPartsGoAroundAGapThatLiveCuttingCouldNotHave) {
  const auto t = PartTiming::for_frames(250 * kMs, kFrame30);
  // Frames 7, 8 and 9 missing: a part starting at 0 has nowhere to end (6 frames too short,
  // 10 too long); planned, the first part (INDEPENDENT) is short instead, or the gap falls
  // inside a part.
  const auto starts = frames(60, {7, 8, 9});
  std::vector<bool> sync(starts.size(), false);
  sync[0] = true;
  const int64_t end = 60 * kFrame30;
  EXPECT_EQ(place_held_frame(t, 0, false, 6 * kFrame30, 10 * kFrame30), HeldFrame::EndsSegment);
  check_plan(plan_parts(starts, sync, end, t, grid_step(end, 250 * kMs)), starts, sync, end, t);
}

TEST(PartTiming, WithNoConformingPlanEveryPartStillFits) {
  const auto t = PartTiming::for_frames(250 * kMs, kFrame30);
  // A frame of 12 frames' length in the middle: nothing can be within PART-TARGET; the plan
  // still covers every frame, each part as close to the grid as can be.
  const auto starts = frames(60, {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31});
  std::vector<bool> sync(starts.size(), false);
  sync[0] = true;
  const auto cuts = plan_parts(starts, sync, 60 * kFrame30, t, 250 * kMs);
  ASSERT_FALSE(cuts.empty());
  EXPECT_EQ(cuts.front(), 0u);
  EXPECT_TRUE(std::is_sorted(cuts.begin(), cuts.end()));
  EXPECT_EQ(std::adjacent_find(cuts.begin(), cuts.end()), cuts.end());
}

}  // namespace
}  // namespace stagecast::hls
