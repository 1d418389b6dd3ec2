#include "api/unsubscribe_routes.h"

#include "core/html_escape.h"
#include "net/url.h"

namespace stagecast::api {
namespace {

// Plain server-rendered HTML: the page must work from any mail client, with or without script.
// Only fixed text goes in, apart from the token, which is base64url and a dot (no escaping
// needed; verified before it is echoed).
net::Response page(int status, const std::string& title, const std::string& body) {
  net::Response r;
  r.status = status;
  r.body =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"dark\"><title>" +
      title +
      " · Stagecast</title><link rel=\"stylesheet\" href=\"/static/css/app.css\"></head>"
      "<body class=\"page-unsubscribe\"><header class=\"topbar\"><a class=\"brand\" href=\"/\">"
      "<span>Stagecast</span></a></header><main class=\"unsubscribe panel\"><h1>" +
      title + "</h1>" + body + "</main></body></html>\n";
  r.header("content-type", "text/html; charset=utf-8");
  r.header("cache-control", "no-store");
  // The token is in the URL: never send it on as a Referer.
  r.header("referrer-policy", "no-referrer");
  r.header("x-content-type-options", "nosniff");
  r.header("x-frame-options", "DENY");
  r.header("content-security-policy",
           "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
           "base-uri 'none'; frame-ancestors 'none'");
  return r;
}

net::Response invalid_link() {
  return page(400, "This link is not valid",
              "<p>This unsubscribe link is incomplete or was not made by this site. Copy the "
              "whole link from the email, or sign in and change your notification settings.</p>"
              "<p><a href=\"/notifications\">Notification settings</a></p>");
}

const char* const kWhatAll =
    "<p>You will no longer get emails from Stagecast about artists going live, reminders of "
    "scheduled streams and schedule changes, for every artist you subscribe to. In-app "
    "notifications stay as they are.</p>";

std::string what_artist(const std::string& artist_html) {
  return "<p>You will no longer get emails about " + artist_html +
         "'s streams (going live, scheduled streams, reminders and schedule changes). Emails "
         "about other artists, in-app notifications and push notifications stay as they "
         "are.</p>";
}

std::string form(const std::string& token, bool all, const char* id, const char* label,
                 const char* cls) {
  return "<form method=\"post\" action=\"/unsubscribe?token=" + net::percent_encode(token) +
         (all ? "&amp;scope=all" : "") +
         "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
         "<button class=\"" +
         cls + "\" type=\"submit\" id=\"" + id + "\">" + label + "</button></form>";
}

// The artist's name for the page (escaped); a generic phrase when it cannot be read.
std::string artist_html(platform::NotificationService& notifications, const std::string& id) {
  auto name = notifications.artist_name(id);
  if (!name || name->empty()) return "this artist";
  return "<strong>" + html_escape(*name) + "</strong>";
}

net::Response not_saved(const Error& e) {
  if (e.code == "not_found") {
    return page(404, "No such account", "<p>The account of this link no longer exists.</p>");
  }
  return page(503, "Please try again",
              "<p>Your choice could not be saved just now. Please try again in a moment.</p>");
}

const char* const kBackAll =
    "<p>To get them again, sign in and turn email on in "
    "<a href=\"/notifications\">notification settings</a>.</p>";

}  // namespace

void add_unsubscribe_routes(net::Router& router, platform::NotificationService& notifications,
                            const platform::UnsubscribeTokens& tokens) {
  router.add("GET", "/unsubscribe", [&tokens, &notifications](const net::Request& req) {
    const std::string token(req.query_param("token").value_or(""));
    auto scope = tokens.verify(token);
    if (!scope) return invalid_link();
    if (!scope->artist_id) {
      return page(200, "Stop notification emails?",
                  std::string(kWhatAll) + form(token, false, "confirm", "Unsubscribe", "primary"));
    }
    const std::string artist = artist_html(notifications, *scope->artist_id);
    return page(200, "Stop these emails?",
                what_artist(artist) +
                    form(token, false, "confirm", "Stop emails about this artist", "primary") +
                    "<p>Or stop every notification email, for all artists:</p>" +
                    form(token, true, "confirm-all", "Stop all email", "secondary"));
  });

  // The page's buttons and a mail client's one-click unsubscribe (RFC 8058: a POST to the
  // List-Unsubscribe URL with the body List-Unsubscribe=One-Click): the token's artist, or all
  // email with scope=all (the second button) or an old token without an artist.
  router.add("POST", "/unsubscribe", [&notifications, &tokens](const net::Request& req) {
    auto scope = tokens.verify(req.query_param("token").value_or(""));
    if (!scope) return invalid_link();
    const auto which = req.query_param("scope");
    if (which && *which != "all") return invalid_link();
    if (which || !scope->artist_id) {
      if (auto done = notifications.unsubscribe_email(scope->user_id); !done) {
        return not_saved(done.error());
      }
      return page(200, "You are unsubscribed",
                  std::string("<p id=\"done\">Done: notification emails are off.</p>") + kWhatAll +
                      kBackAll);
    }
    if (auto done = notifications.unsubscribe_email_from(scope->user_id, *scope->artist_id);
        !done) {
      return not_saved(done.error());
    }
    const std::string artist = artist_html(notifications, *scope->artist_id);
    const std::string token(req.query_param("token").value_or(""));
    return page(200, "You are unsubscribed",
                "<p id=\"done\">Done: no more emails about " + artist + ".</p>" +
                    what_artist(artist) +
                    "<p>To get them again, sign in and turn this artist's email back on in "
                    "<a href=\"/notifications\">notification settings</a>. Or stop every "
                    "notification email:</p>" +
                    form(token, true, "confirm-all", "Stop all email", "secondary"));
  });
}

}  // namespace stagecast::api
