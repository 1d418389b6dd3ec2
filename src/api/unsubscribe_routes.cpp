#include "api/unsubscribe_routes.h"

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

const char* const kWhat =
    "<p>You will no longer get emails from Stagecast about artists going live, reminders of "
    "scheduled streams and schedule changes, for every artist you subscribe to. In-app "
    "notifications stay as they are.</p>";

}  // namespace

void add_unsubscribe_routes(net::Router& router, platform::NotificationService& notifications,
                            const platform::UnsubscribeTokens& tokens) {
  router.add("GET", "/unsubscribe", [&tokens](const net::Request& req) {
    const std::string token(req.query_param("token").value_or(""));
    if (!tokens.verify(token)) return invalid_link();
    return page(200, "Stop notification emails?",
                std::string(kWhat) + "<form method=\"post\" action=\"/unsubscribe?token=" +
                    net::percent_encode(token) +
                    "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                    "<button class=\"primary\" type=\"submit\" id=\"confirm\">Unsubscribe"
                    "</button></form>");
  });

  router.add("POST", "/unsubscribe", [&notifications, &tokens](const net::Request& req) {
    auto user = tokens.verify(req.query_param("token").value_or(""));
    if (!user) return invalid_link();
    auto done = notifications.unsubscribe_email(*user);
    if (!done) {
      if (done.error().code == "not_found") {
        return page(404, "No such account", "<p>The account of this link no longer exists.</p>");
      }
      return page(503, "Please try again",
                  "<p>Your choice could not be saved just now. Please try again in a "
                  "moment.</p>");
    }
    return page(200, "You are unsubscribed",
                std::string("<p id=\"done\">Done: notification emails are off.</p>") + kWhat +
                    "<p>To get them again, sign in and turn email on in "
                    "<a href=\"/notifications\">notification settings</a>.</p>");
  });
}

}  // namespace stagecast::api
