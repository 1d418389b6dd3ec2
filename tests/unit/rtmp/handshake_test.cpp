#include "ingest/rtmp/rtmp_handshake.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "capture_fixture.h"

namespace stagecast::ingest::rtmp {
namespace {

TEST(Handshake, AnswersFfmpegsDigestC1ByEcho) {
  const Bytes c2s = test::ffmpeg_c2s();
  ASSERT_GE(c2s.size(), kC0C1Size);
  const ByteSpan c0c1 = ByteSpan(c2s).first(kC0C1Size);
  EXPECT_EQ(c0c1[0], 3);
  // ffmpeg announces a client version in C1 (the Flash Player digest handshake).
  EXPECT_FALSE(c0c1[5] == 0 && c0c1[6] == 0 && c0c1[7] == 0 && c0c1[8] == 0);
  const Bytes random(kHandshakeSize - 8, 0x5a);
  auto reply = make_server_handshake(c0c1, 1234, random);
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->size(), 1 + 2 * kHandshakeSize);
  EXPECT_EQ((*reply)[0], 3);
  // S1: our time, then four zero bytes: no server version, so clients skip digest checks.
  EXPECT_EQ((*reply)[4], 1234 & 0xff);
  EXPECT_TRUE(std::all_of(reply->begin() + 5, reply->begin() + 9, [](uint8_t b) { return b == 0; }));
  EXPECT_TRUE(std::equal(random.begin(), random.end(), reply->begin() + 9));
  // S2 echoes C1.
  EXPECT_TRUE(std::equal(c0c1.begin() + 1, c0c1.end(), reply->begin() + 1 + kHandshakeSize));
}

TEST(Handshake, RefusesWhatIsNotRtmp) {
  const Bytes random(kHandshakeSize - 8, 0);
  Bytes http(kC0C1Size, 'A');
  http[0] = 'G';
  EXPECT_FALSE(make_server_handshake(http, 0, random).ok());
  Bytes rtmpe(kC0C1Size, 0);
  rtmpe[0] = 6;
  EXPECT_FALSE(make_server_handshake(rtmpe, 0, random).ok());
  EXPECT_FALSE(make_server_handshake(Bytes(10, 3), 0, random).ok());
}

}  // namespace
}  // namespace stagecast::ingest::rtmp
