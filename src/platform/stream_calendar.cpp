#include "platform/stream_calendar.h"

#include "platform/rfc3339.h"

namespace stagecast::platform {
namespace {

// RFC 5545 3.3.11: backslash, semicolon and comma escaped, line breaks as "\n"; other control
// characters have no place in a TEXT value and are dropped.
std::string ical_text(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        if (i + 1 < s.size() && s[i + 1] == '\n') break;  // CRLF: the LF writes the break
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) break;
        out += c;
    }
  }
  return out;
}

// RFC 5545 3.1: lines of at most 75 octets, continued with CRLF and one space; never inside a
// UTF-8 sequence.
void add_line(std::string& out, const std::string& line) {
  size_t pos = 0;
  size_t limit = 75;
  while (line.size() - pos > limit) {
    size_t end = pos + limit;
    while (end > pos && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    out.append(line, pos, end - pos);
    out += "\r\n ";
    pos = end;
    limit = 74;  // the leading space counts
  }
  out.append(line, pos, std::string::npos);
  out += "\r\n";
}

}  // namespace

std::string stream_ics(const store::LiveStream& s, const CalendarEvent& e) {
  const int64_t start = s.scheduled_at.value_or(0);
  std::string summary = s.title;
  if (!e.artist_name.empty()) summary = e.artist_name + ": " + s.title;
  std::string description = s.description;
  if (!description.empty()) description += "\n\n";
  description += "Watch: " + e.watch_url;
  std::string out;
  add_line(out, "BEGIN:VCALENDAR");
  add_line(out, "VERSION:2.0");
  add_line(out, "PRODID:-//Stagecast//Scheduled streams//EN");
  add_line(out, "CALSCALE:GREGORIAN");
  add_line(out, "METHOD:PUBLISH");
  add_line(out, "BEGIN:VEVENT");
  add_line(out, "UID:" + s.id + "@" + e.uid_domain);
  add_line(out, "DTSTAMP:" + format_ical_utc(e.now_ms));
  add_line(out, "DTSTART:" + format_ical_utc(start));
  add_line(out, "DTEND:" + format_ical_utc(start + e.duration_ms));
  // SEQUENCE: the last edit's time in seconds, so every later edit (a reschedule) has a higher
  // one and a calendar takes the new version; LAST-MODIFIED says when that was.
  add_line(out, "SEQUENCE:" + std::to_string(s.updated_at / 1000 % 2'000'000'000));
  add_line(out, "LAST-MODIFIED:" + format_ical_utc(s.updated_at));
  add_line(out, "SUMMARY:" + ical_text(summary));
  add_line(out, "DESCRIPTION:" + ical_text(description));
  add_line(out, "URL:" + e.watch_url);
  add_line(out, "STATUS:CONFIRMED");
  add_line(out, "END:VEVENT");
  add_line(out, "END:VCALENDAR");
  return out;
}

}  // namespace stagecast::platform
