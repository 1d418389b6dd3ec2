#pragma once
// A scheduled stream as an iCalendar file (RFC 5545): one VCALENDAR with one VEVENT, so that a
// fan can add it to a calendar (GET /api/livestream/{id}/calendar.ics). The UID is the stream's
// id at the site's host, so a calendar that imports the file again after a reschedule updates
// the same event (SEQUENCE grows with each change of the time: RFC 5545 3.8.7.4).

#include <cstdint>
#include <string>

#include "store/records.h"

namespace stagecast::platform {

struct CalendarEvent {
  std::string uid_domain;           // right side of the UID (the site's host)
  std::string artist_name;          // may be empty
  std::string watch_url;            // absolute
  int64_t now_ms = 0;               // DTSTAMP
  int64_t duration_ms = 3'600'000;  // DTEND - DTSTART: the platform does not know; one hour
};

// Lines end with CRLF and are folded at 75 octets (3.1) without splitting a UTF-8 character;
// TEXT values are escaped (3.3.11). `stream` must have scheduled_at.
std::string stream_ics(const store::LiveStream& stream, const CalendarEvent& event);

}  // namespace stagecast::platform
