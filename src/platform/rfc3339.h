#pragma once
// RFC 3339 date-times (section 5.6), the wire form of scheduledAt: "2026-12-05T18:00:00Z",
// "2026-12-05T19:00:00.250+01:00". Parsing is strict: the full date-time production with a
// four-digit year from 1970 to 9999, a real calendar date, seconds 00-59 (a leap second "60" is
// refused: no clock here counts it), fractions truncated to milliseconds, and a Z or numeric
// offset (required). Also the calendar forms an iCalendar file needs (RFC 5545 3.3.5).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stagecast::platform {

// Unix milliseconds, or nullopt for anything that is not an RFC 3339 date-time or lies before
// 1970.
std::optional<int64_t> parse_rfc3339(std::string_view text);

// "2026-12-05T18:00:00.000Z" (UTC; milliseconds always present).
std::string format_rfc3339(int64_t unix_ms);

// "20261205T180000Z": an RFC 5545 DATE-TIME in UTC (form #2), seconds truncated.
std::string format_ical_utc(int64_t unix_ms);

// "Sat, 5 Dec 2026, 18:00 UTC": what a mail says (the reader's time zone is unknown).
std::string format_human_utc(int64_t unix_ms);

}  // namespace stagecast::platform
