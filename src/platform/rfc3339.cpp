#include "platform/rfc3339.h"

#include <fmt/format.h>

namespace stagecast::platform {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at `pos`; advances it.
std::optional<unsigned> digits(std::string_view s, size_t& pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

struct Parts {
  int64_t y;
  unsigned mo, d, h, mi, s, ms;
};

Parts parts_of(int64_t unix_ms) {
  int64_t days = unix_ms / 86'400'000;
  int64_t rem = unix_ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  const Civil c = civil_from_days(days);
  const auto r = static_cast<unsigned>(rem);
  return {c.y, c.m, c.d, r / 3'600'000, r / 60'000 % 60, r / 1000 % 60, r % 1000};
}

}  // namespace

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  size_t p = 0;
  auto y = digits(s, p, 4);
  if (!y || !expect(s, p, '-')) return std::nullopt;
  auto mo = digits(s, p, 2);
  if (!mo || !expect(s, p, '-')) return std::nullopt;
  auto d = digits(s, p, 2);
  if (!d) return std::nullopt;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't')) return std::nullopt;
  ++p;
  auto h = digits(s, p, 2);
  if (!h || !expect(s, p, ':')) return std::nullopt;
  auto mi = digits(s, p, 2);
  if (!mi || !expect(s, p, ':')) return std::nullopt;
  auto sec = digits(s, p, 2);
  if (!sec) return std::nullopt;
  if (*y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo) || *h > 23 ||
      *mi > 59 || *sec > 59) {
    return std::nullopt;
  }
  int64_t ms = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    size_t n = 0;
    int64_t scale = 100;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (n < 3) ms += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
      ++n;
    }
    if (n == 0 || n > 9) return std::nullopt;
  }
  if (p >= s.size()) return std::nullopt;
  int64_t offset_min = 0;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    const int sign = s[p] == '-' ? -1 : 1;
    ++p;
    auto oh = digits(s, p, 2);
    if (!oh || !expect(s, p, ':')) return std::nullopt;
    auto om = digits(s, p, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_min = sign * static_cast<int64_t>(*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  const int64_t days = days_from_civil(*y, *mo, *d);
  const int64_t secs = days * 86400 + *h * 3600 + *mi * 60 + *sec - offset_min * 60;
  if (secs < 0) return std::nullopt;  // before 1970 (a 1970-01-01 time with a positive offset)
  return secs * 1000 + ms;
}

std::string format_rfc3339(int64_t unix_ms) {
  const Parts t = parts_of(unix_ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.y, t.mo, t.d, t.h, t.mi, t.s,
                     t.ms);
}

std::string format_ical_utc(int64_t unix_ms) {
  const Parts t = parts_of(unix_ms);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", t.y, t.mo, t.d, t.h, t.mi, t.s);
}

std::string format_human_utc(int64_t unix_ms) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr const char* kWeekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  const Parts t = parts_of(unix_ms);
  int64_t days = unix_ms / 86'400'000;
  if (unix_ms % 86'400'000 < 0) --days;
  const int64_t wd = ((days % 7) + 7) % 7;  // 1970-01-01 was a Thursday
  return fmt::format("{}, {} {} {}, {:02}:{:02} UTC", kWeekdays[wd], t.d, kMonths[t.mo - 1], t.y,
                     t.h, t.mi);
}

}  // namespace stagecast::platform
