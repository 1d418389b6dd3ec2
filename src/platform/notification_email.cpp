#include "platform/notification_email.h"

#include <nlohmann/json.hpp>

#include "core/html_escape.h"
#include "platform/rfc3339.h"

namespace stagecast::platform {
namespace {

std::string field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> time_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::string when(const std::optional<int64_t>& at) {
  return at ? format_human_utc(*at) : std::string("(time not set)");
}

}  // namespace

NotificationEmailText notification_email_text(const store::Notification& n,
                                              const std::string& base_url,
                                              const std::string& unsubscribe_url) {
  nlohmann::json data = nlohmann::json::parse(n.payload, nullptr, false);
  if (data.is_discarded() || !data.is_object()) data = nlohmann::json::object();
  std::string artist = field(data, "artistName");
  if (artist.empty()) artist = "An artist you subscribe to";
  const std::string title = field(data, "title");
  const std::string link = base_url + field(data, "watchPath");
  const std::string calendar_path = field(data, "calendarPath");
  const auto at = time_field(data, "scheduledAt");
  const auto before = time_field(data, "previousScheduledAt");

  // One sentence (text) and the same in HTML, then the links.
  std::string subject, sentence, sentence_html, action = "Watch now";
  if (n.kind == "stream_scheduled") {
    subject = artist + " scheduled " + title + " for " + when(at);
    sentence = artist + " scheduled " + title + " for " + when(at) + ".";
    sentence_html = "<strong>" + html_escape(artist) + "</strong> scheduled " + html_escape(title) +
                    " for <strong>" + html_escape(when(at)) + "</strong>.";
    action = "Open the stream";
  } else if (n.kind == "stream_reminder") {
    subject = artist + " goes live soon: " + title;
    sentence = artist + " goes live at " + when(at) + ": " + title;
    sentence_html = "<strong>" + html_escape(artist) + "</strong> goes live at " +
                    html_escape(when(at)) + ": " + html_escape(title);
    action = "Open the stream";
  } else if (n.kind == "stream_rescheduled") {
    subject = artist + " moved " + title + " to " + when(at);
    sentence = artist + " moved " + title + " from " + when(before) + " to " + when(at) + ".";
    sentence_html = "<strong>" + html_escape(artist) + "</strong> moved " + html_escape(title) +
                    " from " + html_escape(when(before)) + " to <strong>" + html_escape(when(at)) +
                    "</strong>.";
    action = "Open the stream";
  } else if (n.kind == "stream_cancelled") {
    subject = artist + " cancelled: " + title;
    sentence = artist + " cancelled " + title + ", planned for " + when(before) + ".";
    sentence_html = "<strong>" + html_escape(artist) + "</strong> cancelled " + html_escape(title) +
                    ", planned for " + html_escape(when(before)) + ".";
    action = "";
  } else {
    subject = artist + " is live: " + title;
    sentence = artist + " just went live: " + title;
    sentence_html =
        "<strong>" + html_escape(artist) + "</strong> just went live: " + html_escape(title);
  }

  NotificationEmailText t;
  t.subject = subject;
  t.text = sentence + "\r\n\r\n";
  t.html = "<!doctype html><html><body><p>" + sentence_html + "</p>";
  if (!action.empty()) {
    t.text += action + ": " + link + "\r\n";
    t.html += "<p><a href=\"" + html_escape(link) + "\">" + action + "</a></p>";
  }
  if (!calendar_path.empty() && at && n.kind != "stream_cancelled") {
    const std::string cal = base_url + calendar_path;
    t.text += "Add to calendar: " + cal + "\r\n";
    t.html += "<p><a href=\"" + html_escape(cal) + "\">Add to calendar</a></p>";
  }
  if (!unsubscribe_url.empty()) {
    t.text += "\r\n--\r\nYou get this because you subscribe to " + artist +
              ". Stop these emails: " + unsubscribe_url + "\r\n";
    t.html += "<hr><p style=\"font-size:small\">You get this because you subscribe to " +
              html_escape(artist) + ". <a href=\"" + html_escape(unsubscribe_url) +
              "\">Unsubscribe from these emails</a></p>";
  }
  t.html += "</body></html>\r\n";
  return t;
}

std::string message_id_for(const store::Notification& n, const std::string& domain) {
  std::string left;
  for (char c : n.idempotency_key) {
    const bool atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
    left += atext ? c : '.';
  }
  return left + "@" + domain;
}

}  // namespace stagecast::platform
