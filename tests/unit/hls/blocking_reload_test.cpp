// draft-pantos-hls-rfc8216bis 6.2.5.2 decisions, case by case.
#include "hls/blocking_reload.h"

#include <gtest/gtest.h>

namespace stagecast::hls {
namespace {

// Segments 10..12 complete with 4 parts each; segment 13 in progress with parts 0 and 1.
RenditionEdge live_edge() {
  RenditionEdge e;
  e.media_sequence = 10;
  e.last_complete_msn = 12;
  e.last_part = PartRef{13, 1};
  e.preload_hint = PartRef{13, 2};
  e.target_duration = 2;
  e.part_target = 0.5;
  return e;
}

std::optional<int> four_parts(int64_t msn) {
  if (msn < 10) return std::nullopt;
  return 4;
}

ReloadDecision decide(const RenditionEdge& e, int64_t msn, std::optional<int> part) {
  return decide_blocking_reload(e, msn, part, four_parts);
}

TEST(BlockingReload, SegmentOnly) {
  const auto e = live_edge();
  EXPECT_EQ(decide(e, 12, std::nullopt), ReloadDecision::Ready);
  EXPECT_EQ(decide(e, 5, std::nullopt), ReloadDecision::Ready);  // long gone: answer at once
  EXPECT_EQ(decide(e, 13, std::nullopt), ReloadDecision::Wait);  // in progress is not "contained"
  EXPECT_EQ(decide(e, 14, std::nullopt), ReloadDecision::Wait);
  EXPECT_EQ(decide(e, 15, std::nullopt), ReloadDecision::TooFarAhead);  // > last + 2
}

TEST(BlockingReload, Parts) {
  const auto e = live_edge();
  EXPECT_EQ(decide(e, 13, 0), ReloadDecision::Ready);
  EXPECT_EQ(decide(e, 13, 1), ReloadDecision::Ready);
  EXPECT_EQ(decide(e, 13, 2), ReloadDecision::Wait);  // the preload hint
  EXPECT_EQ(decide(e, 14, 0), ReloadDecision::Wait);
  EXPECT_EQ(decide(e, 12, 3), ReloadDecision::Ready);
}

TEST(BlockingReload, PartPastTheLastOfASegmentIsPartZeroOfTheNext) {
  auto e = live_edge();
  EXPECT_EQ(decide(e, 12, 4), ReloadDecision::Ready);  // = 13.0, which exists
  e.last_part = PartRef{12, 3};                        // segment 13 has no part yet
  EXPECT_EQ(decide(e, 12, 4), ReloadDecision::Wait);   // = 13.0, not there yet
  EXPECT_EQ(decide(e, 12, 3), ReloadDecision::Ready);
}

TEST(BlockingReload, AdvancePartLimitIsThreeTargetDurationsInParts) {
  EXPECT_EQ(advance_part_limit(0.5), 6);
  EXPECT_EQ(advance_part_limit(0.333), 9);
  EXPECT_EQ(advance_part_limit(1.0), 3);
  EXPECT_EQ(advance_part_limit(2.0), 3);
  const auto e = live_edge();                                // last part 13.1
  EXPECT_EQ(decide(e, 13, 7), ReloadDecision::Wait);         // 6 ahead
  EXPECT_EQ(decide(e, 13, 8), ReloadDecision::TooFarAhead);  // 7 ahead
  EXPECT_EQ(decide(e, 14, 5), ReloadDecision::Wait);         // at least 6 ahead
  EXPECT_EQ(decide(e, 14, 6), ReloadDecision::TooFarAhead);
}

TEST(BlockingReload, LongGopKeepsTheNextSegmentsFirstPartAdmissible) {
  auto e = live_edge();
  e.target_duration = 8;  // parts per segment 16: part 0 of the next segment is still close
  e.last_part = PartRef{13, 0};
  EXPECT_EQ(decide(e, 14, 0), ReloadDecision::Wait);
}

TEST(BlockingReload, EndedPlaylistAnswersAtOnce) {
  auto e = live_edge();
  e.ended = true;
  EXPECT_EQ(decide(e, 40, 3), ReloadDecision::Ready);
  EXPECT_EQ(decide(e, 40, std::nullopt), ReloadDecision::Ready);
}

TEST(BlockingReload, BeforeTheFirstSegmentCompletes) {
  RenditionEdge e;
  e.media_sequence = 0;
  e.last_complete_msn = -1;
  e.last_part = PartRef{0, 0};
  EXPECT_EQ(decide(e, 0, 0), ReloadDecision::Ready);
  EXPECT_EQ(decide(e, 0, 1), ReloadDecision::Wait);
  EXPECT_EQ(decide(e, 1, std::nullopt), ReloadDecision::Wait);
  EXPECT_EQ(decide(e, 2, std::nullopt), ReloadDecision::TooFarAhead);
}

}  // namespace
}  // namespace stagecast::hls
