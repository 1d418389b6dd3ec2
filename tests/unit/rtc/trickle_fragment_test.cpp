#include "rtc/trickle_fragment.h"

#include <gtest/gtest.h>

namespace stagecast::rtc {
namespace {

TEST(TrickleFragment, CandidatesAreNotARestart) {
  // RFC 9725 4.3.1's example of trickled candidates.
  auto f = parse_trickle_fragment(
      "a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
      "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw\r\n"
      "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag "
      "EsAw\r\n"
      "a=end-of-candidates\r\n");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_FALSE(f->ice_restart());
  EXPECT_EQ(f->candidates, 2u);
  EXPECT_TRUE(f->end_of_candidates);
}

TEST(TrickleFragment, NewCredentialsAreARestart) {
  auto f = parse_trickle_fragment("a=ice-ufrag:ysXw\na=ice-pwd:vw5LmwG4y/e6dPP/zAP9Gp5k\n");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->ice_restart());
  EXPECT_EQ(f->ice_ufrag, "ysXw");
  EXPECT_EQ(f->ice_pwd, "vw5LmwG4y/e6dPP/zAP9Gp5k");
}

TEST(TrickleFragment, RefusesWhatIsNotAFragment) {
  EXPECT_EQ(parse_trickle_fragment("hello world").error().code, "sdp_malformed");
  EXPECT_EQ(parse_trickle_fragment("a=ice-ufrag:abcd\r\n").error().code, "sdp_malformed")
      << "a restart without its password";
  EXPECT_EQ(
      parse_trickle_fragment("a=ice-ufrag:ab\r\na=ice-pwd:0123456789012345678901\r\n").error().code,
      "sdp_malformed")
      << "a ufrag shorter than 4";
  EXPECT_EQ(parse_trickle_fragment("a=ice-ufrag:ab-d\r\na=ice-pwd:0123456789012345678901\r\n")
                .error()
                .code,
            "sdp_malformed")
      << "'-' is not an ice-char";
  EXPECT_EQ(parse_trickle_fragment(std::string("a=candidate:1\x01\r\n")).error().code,
            "sdp_malformed");
  std::string many;
  for (int i = 0; i < 300; ++i) many += "a=candidate:1 1 udp 1 192.0.2.1 1 typ host\r\n";
  EXPECT_EQ(parse_trickle_fragment(many).error().code, "sdp_malformed");
  EXPECT_EQ(parse_trickle_fragment(std::string(70 * 1024, 'a')).error().code, "sdp_too_large");
  EXPECT_TRUE(parse_trickle_fragment("").ok());
}

}  // namespace
}  // namespace stagecast::rtc
