// The formats around scheduled streams: RFC 3339 times (scheduledAt), the iCalendar entry
// (RFC 5545) and the unsubscribe tokens of mails (forgery refused).

#include <gtest/gtest.h>

#include "platform/rfc3339.h"
#include "platform/stream_calendar.h"
#include "platform/unsubscribe_token.h"

namespace stagecast::platform {
namespace {

TEST(Rfc3339, ParsesTheProductionWithOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2026-12-05T18:00:00Z"), 1796493600000);
  EXPECT_EQ(parse_rfc3339("2026-12-05T19:00:00+01:00"), 1796493600000);
  EXPECT_EQ(parse_rfc3339("2026-12-05t13:30:00.25-04:30"), 1796493600250);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00.123456789Z"), 1709164800123);
  EXPECT_EQ(format_rfc3339(1796493600250), "2026-12-05T18:00:00.250Z");
  EXPECT_EQ(format_ical_utc(1796493600250), "20261205T180000Z");
  EXPECT_EQ(format_human_utc(1796493600000), "Sat, 5 Dec 2026, 18:00 UTC");
}

TEST(Rfc3339, RefusesWhatIsNotAnRfc3339DateTime) {
  for (const char* bad :
       {"", "2026-12-05", "2026-12-05T18:00:00", "2026-12-05 18:00:00Z", "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-12-05T24:00:00Z", "2026-12-05T18:60:00Z",
        "2026-12-05T18:00:60Z", "2026-12-05T18:00:00.Z", "2026-12-05T18:00:00+0100",
        "2026-12-05T18:00:00Z ", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00+01:00",
        "+2026-12-05T18:00:00Z", "tomorrow", "2026-12-05T18:00:00+24:00",
        "2026-12-05T18:00:00.1234567890Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

TEST(StreamCalendar, OneEventWithEscapedTextAndFoldedLines) {
  store::LiveStream s;
  s.id = "abc123";
  s.title =
      "Night; set, with \\ and a very long title that goes on and on past the limit of "
      "seventy-five octets: é";
  s.description = "Line one\nLine two";
  s.scheduled_at = 1796493600000;
  s.updated_at = 1796400000000;
  CalendarEvent e;
  e.uid_domain = "live.example";
  e.artist_name = "Ann";
  e.watch_url = "https://live.example/watch/abc123";
  e.now_ms = 1796400000000;
  const std::string ics = stream_ics(s, e);
  EXPECT_TRUE(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  EXPECT_TRUE(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
  EXPECT_NE(ics.find("\r\nUID:abc123@live.example\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nDTSTART:20261205T180000Z\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nDTEND:20261205T190000Z\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nDTSTAMP:"), std::string::npos);
  EXPECT_NE(ics.find("\r\nURL:https://live.example/watch/abc123\r\n"), std::string::npos);
  EXPECT_NE(ics.find("SUMMARY:Ann: Night\\; set\\, with \\\\ and"), std::string::npos);
  EXPECT_NE(ics.find("Line one\\nLine two"), std::string::npos);
  // Every line at most 75 octets; continuation lines start with a space.
  size_t start = 0;
  while (start < ics.size()) {
    const size_t end = ics.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 75u) << ics.substr(start, end - start);
    start = end + 2;
  }
  EXPECT_NE(ics.find("\r\n "), std::string::npos);
}

TEST(UnsubscribeTokens, RoundTripAndForgeryRefused) {
  const UnsubscribeTokens tokens("a-server-secret-of-at-least-32-bytes!!");
  // The old format (all email): links in mails sent before per-artist links keep working.
  const std::string t = tokens.issue_all("user-1");
  EXPECT_EQ(tokens.verify(t)->user_id, "user-1");
  EXPECT_FALSE(tokens.verify(t)->artist_id.has_value());
  // Another user's id with this MAC, a MAC from another secret, garbage: refused.
  const std::string mac = t.substr(t.find('.'));
  const UnsubscribeTokens other("another-server-secret-of-32-bytes!!!!!");
  EXPECT_EQ(tokens.verify("dXNlci0y" + mac).error().code, "token_signature_invalid");
  EXPECT_EQ(tokens.verify(other.issue_all("user-1")).error().code, "token_signature_invalid");
  for (const char* bad : {"", ".", "abc", "dXNlci0x.", ".AAAA", "dXNlci0x.AAAA", "a.b.c", "a..b",
                          "a.b.c.d", "..", "dXNlci0x..AAAA"}) {
    EXPECT_FALSE(tokens.verify(bad).ok()) << bad;
  }
  std::string flipped = t;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens.verify(flipped).ok());
}

TEST(UnsubscribeTokens, PerArtistTokenCarriesTheArtistAndCannotBeMoved) {
  const UnsubscribeTokens tokens("a-server-secret-of-at-least-32-bytes!!");
  const std::string t = tokens.issue("user-1", "artist-9");
  auto scope = tokens.verify(t);
  ASSERT_TRUE(scope.ok());
  EXPECT_EQ(scope->user_id, "user-1");
  EXPECT_EQ(scope->artist_id, std::optional<std::string>("artist-9"));
  const size_t first = t.find('.');
  const size_t second = t.find('.', first + 1);
  const std::string user = t.substr(0, first);
  const std::string artist = t.substr(first + 1, second - first - 1);
  const std::string mac = t.substr(second + 1);
  // The artist swapped (another artist's mails), the artist dropped (would widen it to all),
  // the user swapped, the user/artist split moved: all refused as forgeries.
  EXPECT_EQ(tokens.verify(user + ".YXJ0aXN0LTg." + mac).error().code, "token_signature_invalid");
  EXPECT_EQ(tokens.verify(user + "." + mac).error().code, "token_signature_invalid");
  EXPECT_EQ(tokens.verify("dXNlci0y." + artist + "." + mac).error().code,
            "token_signature_invalid");
  EXPECT_EQ(tokens.verify("dXNlci0xYQ.cnRpc3QtOQ." + mac).error().code, "token_signature_invalid");
  // A v1 token's MAC does not pass as a v2 one for any artist.
  const std::string v1mac = tokens.issue_all("user-1").substr(first + 1);
  EXPECT_EQ(tokens.verify(user + "." + artist + "." + v1mac).error().code,
            "token_signature_invalid");
}

}  // namespace
}  // namespace stagecast::platform
