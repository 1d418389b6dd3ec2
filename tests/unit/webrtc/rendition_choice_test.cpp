// RenditionChoice: when a WebRTC viewer moves down or up the ladder, from its REMB estimates and
// congestion, with the hysteresis and the backoff of tries up that failed.

#include "whep/rendition_choice.h"

#include <gtest/gtest.h>

#include <array>

namespace stagecast::whep {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// source 1.5 Mb/s, 720p 1 Mb/s, 240p 250 kb/s
constexpr std::array<uint64_t, 3> kRates{1'500'000, 1'000'000, 250'000};

class RenditionChoiceTest : public ::testing::Test {
 protected:
  // Feeds the same estimate every 100 ms for `d`; the first move decided, if any.
  std::optional<size_t> feed(uint64_t bps, std::chrono::milliseconds d, size_t at) {
    for (auto end = now + d; now < end; now += 100ms) {
      if (auto to = choice.on_estimate(now, bps, kRates, at)) return to;
    }
    return std::nullopt;
  }
  Clock::time_point now = Clock::time_point{} + 1h;
  RenditionChoice choice{now};
};

TEST_F(RenditionChoiceTest, NothingMovesDuringTheWarmup) {
  EXPECT_EQ(feed(100'000, 4'900ms, 0), std::nullopt);
}

TEST_F(RenditionChoiceTest, ALowEstimateMovesToTheHighestRenditionThatFits) {
  feed(2'000'000, 6s, 0);
  // 1.2 Mb/s: under 0.85 x 1.5 for 2 s; 720p at 1 Mb/s fits under 0.85 x 1.2.
  const auto to = feed(1'200'000, 3s, 0);
  ASSERT_TRUE(to);
  EXPECT_EQ(*to, 1u);
}

TEST_F(RenditionChoiceTest, AnEstimateBelowEveryRungTakesTheLowest) {
  feed(2'000'000, 6s, 0);
  EXPECT_EQ(feed(200'000, 3s, 0), std::optional<size_t>(2));
}

TEST_F(RenditionChoiceTest, OneLowEstimateIsNotEnough) {
  feed(2'000'000, 6s, 0);
  EXPECT_EQ(choice.on_estimate(now, 500'000, kRates, 0), std::nullopt);
  now += 1s;
  EXPECT_EQ(feed(2'000'000, 5s, 0), std::nullopt);  // recovered: the low spell starts over
}

TEST_F(RenditionChoiceTest, RoomForTheNextRenditionMovesUpAfterAWhile) {
  feed(0, 6s, 2);
  choice.moved(now, false);
  now += 5s;
  // 1.4 Mb/s clears 1.3 x 1 Mb/s: up after up_after (6 s).
  EXPECT_EQ(feed(1'400'000, 5'500ms, 2), std::nullopt);
  EXPECT_EQ(feed(1'400'000, 1s, 2), std::optional<size_t>(1));
}

TEST_F(RenditionChoiceTest, AnEstimateJustAboveWhatItGetsEarnsATryUp) {
  choice.moved(now, false);  // moved down to 240p
  now += 5s;
  // 1.3 x 250 kb/s: no room known for 1 Mb/s, but worth a try after probe_after.
  EXPECT_EQ(feed(325'000, 6'100ms, 2), std::optional<size_t>(1));
  // Under the probe margin: no try.
  RenditionChoice other(now);
  other.moved(now, false);
  auto t = now + 5s;
  for (int i = 0; i < 200; ++i, t += 100ms) {
    EXPECT_EQ(other.on_estimate(t, 300'000, kRates, 2), std::nullopt);
  }
}

TEST_F(RenditionChoiceTest, AFailedTryDoublesTheWaitAndOneThatHoldsResetsIt) {
  EXPECT_EQ(choice.probe_wait(), 6s);
  choice.moved(now, true);
  now += 3s;
  choice.moved(now, false);  // down again within 10 s: the try failed
  EXPECT_EQ(choice.probe_wait(), 12s);
  choice.moved(now, true);
  now += 3s;
  choice.moved(now, false);
  EXPECT_EQ(choice.probe_wait(), 24s);
  for (int i = 0; i < 5; ++i) {
    choice.moved(now, true);
    now += 3s;
    choice.moved(now, false);
  }
  EXPECT_EQ(choice.probe_wait(), 60s);  // capped
  choice.moved(now, true);
  now += 30s;
  choice.moved(now, false);  // the try held for 30 s
  EXPECT_EQ(choice.probe_wait(), 6s);
}

TEST_F(RenditionChoiceTest, CongestionMovesOneDownAtOnceButNotBelowTheLowest) {
  EXPECT_EQ(choice.on_congested(now, 3, 0), std::optional<size_t>(1));
  choice.moved(now, false);
  EXPECT_EQ(choice.on_congested(now + 1s, 3, 1), std::nullopt);  // settling
  EXPECT_EQ(choice.on_congested(now + 5s, 3, 1), std::optional<size_t>(2));
  EXPECT_EQ(choice.on_congested(now + 10s, 3, 2), std::nullopt);
}

TEST_F(RenditionChoiceTest, NoMoveOutsideTheLadderOrToAnUnknownRate) {
  feed(2'000'000, 6s, 0);
  EXPECT_EQ(choice.on_estimate(now, 100, kRates, 7), std::nullopt);
  const std::array<uint64_t, 2> unknown_source{0, 250'000};
  for (int i = 0; i < 100; ++i, now += 100ms) {
    EXPECT_EQ(choice.on_estimate(now, 10'000'000, unknown_source, 1), std::nullopt);
  }
}

}  // namespace
}  // namespace stagecast::whep
