#include "platform/live_email.h"

#include <nlohmann/json.hpp>

namespace stagecast::platform {
namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

LiveEmailText live_email_text(const store::Notification& n, const std::string& base_url) {
  nlohmann::json data = nlohmann::json::parse(n.payload, nullptr, false);
  if (data.is_discarded() || !data.is_object()) data = nlohmann::json::object();
  std::string artist = field(data, "artistName");
  if (artist.empty()) artist = "An artist you subscribe to";
  const std::string title = field(data, "title");
  const std::string link = base_url + field(data, "watchPath");
  LiveEmailText t;
  t.subject = artist + " is live: " + title;
  t.text = artist + " just went live: " + title + "\r\n\r\nWatch now: " + link + "\r\n";
  t.html = "<!doctype html><html><body><p><strong>" + html_escape(artist) +
           "</strong> just went live: " + html_escape(title) + "</p><p><a href=\"" +
           html_escape(link) + "\">Watch now</a></p></body></html>\r\n";
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
