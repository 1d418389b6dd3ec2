// Placement of long-lived connections on I/O threads (net/context_load.h).

#include "net/context_load.h"

#include <gtest/gtest.h>

namespace stagecast::net {
namespace {

TEST(ContextLoad, EqualLoadsTakeTurns) {
  ContextLoad load(3);
  std::vector<size_t> picks;
  for (int i = 0; i < 6; ++i) {
    const size_t c = load.pick();
    load.add(c);
    picks.push_back(c);
  }
  EXPECT_EQ(picks, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(ContextLoad, ANewConnectionGoesWhereOneLeftNotBesideTheOthers) {
  // The encoder pattern of bench/notify: A stays, B leaves, C comes. Round robin put C beside A.
  ContextLoad load(2);
  const size_t a = load.pick();
  load.add(a);
  const size_t b = load.pick();
  load.add(b);
  EXPECT_NE(a, b);
  load.remove(b);
  const size_t c = load.pick();
  EXPECT_EQ(c, b);
  load.add(c);
  EXPECT_EQ(load.count(a), 1u);
  EXPECT_EQ(load.count(c), 1u);
}

TEST(ContextLoad, TheLeastLoadedWinsWhateverTheTurn) {
  ContextLoad load(3);
  load.add(0);
  load.add(0);
  load.add(1);
  EXPECT_EQ(load.pick(), 2u);
  load.add(2);
  load.add(2);
  EXPECT_EQ(load.pick(), 1u);  // 2, 1, 2
}

TEST(ContextLoad, RemovingMoreThanWasAddedStaysAtZero) {
  ContextLoad load(2);
  load.remove(1);
  EXPECT_EQ(load.count(1), 0u);
  EXPECT_THROW(load.add(5), std::out_of_range);
  ContextLoad none(0);  // still one context to give
  EXPECT_EQ(none.pick(), 0u);
  EXPECT_EQ(none.pick(), 0u);
}

}  // namespace
}  // namespace stagecast::net
