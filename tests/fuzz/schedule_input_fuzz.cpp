// libFuzzer target: the two parsers of scheduled streams and their mails that take bytes from
// the network: an RFC 3339 scheduledAt (API bodies) and the unsubscribe token (/unsubscribe
// query strings). Round trips: a parsed time formats back to one that parses to the same
// instant (to the millisecond); a token issued for a fuzzer-chosen user id verifies to it, and
// never for another.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/rfc3339.h"
#include "platform/unsubscribe_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stagecast::platform;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto at = parse_rfc3339(input)) {
    if (*at < 0) __builtin_trap();  // instants before 1970 are refused
    const std::string back = format_rfc3339(*at);
    if (parse_rfc3339(back) != at) __builtin_trap();
    (void)format_ical_utc(*at);
    (void)format_human_utc(*at);
  }

  static const UnsubscribeTokens tokens("fuzz-unsubscribe-secret-fuzz-secret!!");
  (void)tokens.verify(input);
  const std::string user(input.substr(0, 64));
  if (!user.empty()) {
    auto back = tokens.verify(tokens.issue_all(user));
    if (!back.ok() || back->user_id != user || back->artist_id) __builtin_trap();
    auto other = tokens.verify(tokens.issue_all(user + "x"));
    if (!other.ok() || other->user_id == user) __builtin_trap();
    const std::string artist(input.substr(std::min<size_t>(input.size(), 64), 64));
    if (!artist.empty()) {
      auto scoped = tokens.verify(tokens.issue(user, artist));
      if (!scoped.ok() || scoped->user_id != user || scoped->artist_id != artist) __builtin_trap();
    }
  }
  return 0;
}
