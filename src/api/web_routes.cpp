#include "api/web_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/html_escape.h"

namespace stagecast::api {
namespace {

constexpr std::string_view kVendorPrefix = "/static/vendor/";
constexpr std::string_view kRevalidate = "no-cache";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

std::shared_ptr<const std::vector<uint8_t>> copy_of(std::span<const unsigned char> bytes) {
  if (bytes.empty()) return nullptr;
  return std::make_shared<const std::vector<uint8_t>>(bytes.begin(), bytes.end());
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(item) for each comma-separated item of a header list (RFC 9110 section 5.6.1).
template <typename F>
void for_each_list_item(std::string_view list, F&& f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    f(trim(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// If-None-Match (RFC 9110 section 13.1.2): weak comparison, "*" matches any current entity.
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  bool match = false;
  for_each_list_item(if_none_match, [&](std::string_view item) {
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) match = true;
  });
  return match;
}

// Accept-Encoding (RFC 9110 section 12.5.3): gzip unless absent or given q=0.
bool accepts_gzip(std::string_view accept_encoding) {
  bool gzip = false;
  for_each_list_item(accept_encoding, [&](std::string_view item) {
    const size_t semi = item.find(';');
    std::string coding(trim(item.substr(0, semi)));
    std::transform(coding.begin(), coding.end(), coding.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (coding != "gzip" && coding != "x-gzip") return;
    bool zero = false;
    if (semi != std::string_view::npos) {
      std::string_view params = trim(item.substr(semi + 1));
      if (params.starts_with("q=") || params.starts_with("Q=")) {
        params.remove_prefix(2);
        zero = !params.empty() && params.find_first_not_of("0.") == std::string_view::npos;
      }
    }
    gzip = !zero;
  });
  return gzip;
}

// "scheme://host[:port]" of a configured URL, or empty when it is not a plain http(s) origin
// (anything odd stays out of the policy rather than breaking it).
std::string origin_of(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return {};
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('/'));
  if (rest.empty()) return {};
  for (char c : rest) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == ':' || c == '[' || c == ']';
    if (!ok) return {};
  }
  return fmt::format("{}://{}", scheme, rest);
}

}  // namespace

std::string web_content_security_policy(const WebPagesOptions& options) {
  std::string connect = "'self'";
  std::string media = "'self' blob:";
  if (const std::string origin = origin_of(options.http_base_url); !origin.empty()) {
    // The playback URL the API returns, and the WebSocket on the same server.
    const std::string ws =
        (origin.starts_with("https") ? "wss" : "ws") + origin.substr(origin.find(':'));
    connect += fmt::format(" {} {}", origin, ws);
    media += " " + origin;
  }
  std::string script = "'self'";
  std::string frame = "'none'";
  // Thumbnails: ours (absolute URLs use the public origin), and blob: for the pictures of
  // members-only streams, fetched with the session's token (docs/web.md).
  std::string img = "'self' blob:";
  if (const std::string origin = origin_of(options.http_base_url); !origin.empty()) {
    img += " " + origin;
  }
  if (options.stripe_js) {
    // https://docs.stripe.com/security/guide#content-security-policy
    script += " https://js.stripe.com";
    frame = "https://js.stripe.com https://hooks.stripe.com";
    connect += " https://api.stripe.com";
  }
  // Trusted Types: no string ever becomes HTML or script in these pages; the one 'default'
  // policy (web/static/js/trusted_types.js) only passes the vendored script URLs. Left out with
  // Stripe.js, whose own script handling is not ours to vouch for.
  const std::string trusted_types =
      options.stripe_js ? "" : "; require-trusted-types-for 'script'; trusted-types default";
  // hls.js plays through MediaSource (blob: media) and demuxes in a worker loaded from
  // /static/vendor (worker-src 'self'; no blob: workers).
  return fmt::format(
      "default-src 'none'; script-src {}; style-src 'self'; img-src {}; font-src 'self'; "
      "media-src {}; connect-src {}; worker-src 'self'; manifest-src 'self'; frame-src {}; "
      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'{}",
      script, img, media, connect, frame, trusted_types);
}

WebPages::WebPages(std::span<const WebAsset> assets, WebPagesOptions options)
    : csp_(web_content_security_policy(options)) {
  for (const WebAsset& a : assets) {
    entries_.emplace_back(
        a.name, Entry{&a, copy_of(a.bytes), copy_of(a.gzip), a.name.starts_with(kVendorPrefix)});
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
}

void WebPages::add_security_headers(net::Response& r) const {
  r.headers["content-security-policy"] = csp_;
  r.headers["x-content-type-options"] = "nosniff";
  r.headers["x-frame-options"] = "DENY";
  r.headers["referrer-policy"] = "same-origin";
  r.headers["cross-origin-opener-policy"] = "same-origin";
  r.headers["permissions-policy"] = "camera=(self), microphone=(self), geolocation=()";
}

net::Response WebPages::not_found() const {
  net::Response r = net::Response::error(404, "not_found", "no such page or file");
  r.headers["cache-control"] = "no-store";
  add_security_headers(r);
  return r;
}

net::Response WebPages::serve(const Entry& e, const net::Request& request) const {
  net::Response r;
  add_security_headers(r);
  r.headers["cache-control"] = std::string(e.immutable ? kImmutable : kRevalidate);
  r.headers["etag"] = std::string(e.asset->etag);
  r.headers["vary"] = "Accept-Encoding";
  if (etag_matches(request.header("if-none-match"), e.asset->etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers["content-type"] = std::string(e.asset->content_type);
  if (e.gzip && accepts_gzip(request.header("accept-encoding"))) {
    r.headers["content-encoding"] = "gzip";
    r.shared_body = e.gzip;
  } else {
    r.shared_body = e.bytes;
  }
  return r;
}

net::Response WebPages::page(std::string_view asset_name, const net::Request& request) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), asset_name,
                             [](const auto& entry, std::string_view n) { return entry.first < n; });
  if (it == entries_.end() || it->first != asset_name) return not_found();
  return serve(it->second, request);
}

net::Response WebPages::page_with_head(std::string_view asset_name, const std::string& head) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), asset_name,
                             [](const auto& entry, std::string_view n) { return entry.first < n; });
  if (it == entries_.end() || it->first != asset_name) return not_found();
  const std::vector<uint8_t>& bytes = *it->second.bytes;
  std::string html(bytes.begin(), bytes.end());
  static constexpr std::string_view kMarker = "<!--stagecast:head-->";
  if (auto at = html.find(kMarker); at != std::string::npos) html.replace(at, kMarker.size(), head);
  net::Response r;
  add_security_headers(r);
  r.status = 200;
  r.headers["cache-control"] = "no-cache";
  r.headers["content-type"] = std::string(it->second.asset->content_type);
  r.body = std::move(html);
  return r;
}

namespace {

// At most n characters of UTF-8 text, cut at a character boundary.
std::string clipped(std::string_view s, size_t n) {
  if (s.size() <= n) return std::string(s);
  size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "…";
}

}  // namespace

std::string link_preview_tags(const WatchMeta& meta, const std::string& page_url) {
  const std::string title = html_escape(clipped(meta.title, 120));
  const std::string description = html_escape(
      clipped(meta.description.empty() ? (meta.live ? "Live now on Stagecast" : "On Stagecast")
                                       : meta.description,
              300));
  std::string out;
  auto tag = [&out](std::string_view attr, std::string_view name, const std::string& content) {
    out += fmt::format("<meta {}=\"{}\" content=\"{}\">\n  ", attr, name, content);
  };
  out += "<meta name=\"description\" content=\"" + description + "\">\n  ";
  tag("property", "og:type", meta.live ? "video.other" : "website");
  tag("property", "og:site_name", "Stagecast");
  tag("property", "og:title", title);
  tag("property", "og:description", description);
  tag("property", "og:url", html_escape(page_url));
  if (!meta.image_url.empty()) {
    tag("property", "og:image", html_escape(meta.image_url));
    tag("property", "og:image:type", "image/jpeg");
    if (meta.image_width > 0) {
      tag("property", "og:image:width", std::to_string(meta.image_width));
      tag("property", "og:image:height", std::to_string(meta.image_height));
    }
    tag("name", "twitter:card", "summary_large_image");
    tag("name", "twitter:image", html_escape(meta.image_url));
  } else {
    tag("name", "twitter:card", "summary");
  }
  tag("name", "twitter:title", title);
  tag("name", "twitter:description", description);
  return out;
}

net::Response WebPages::static_file(const net::Request& request) const {
  // Exact names only: nothing outside the embedded set can be named, whatever the path holds.
  if (!request.path.starts_with("/static/")) return not_found();
  return page(request.path, request);
}

void add_web_routes(net::Router& router, WebPagesOptions options) {
  const WebPagesOptions options_copy = options;
  auto pages = std::make_shared<const WebPages>(embedded_web_assets(), std::move(options));
  // The router answers HEAD with the GET handler (the server leaves the body out).
  const auto add_page = [&](const std::string& pattern, std::string_view asset) {
    router.add(
        "GET", pattern, [pages, asset](const net::Request& req) { return pages->page(asset, req); },
        net::Dispatch::Inline);
  };
  add_page("/", "/index.html");
  if (options_copy.watch_meta) {
    // The Viewer with the stream's link preview tags rendered in (a crawler runs no script).
    router.add(
        "GET", "/watch/{id}",
        [pages, meta = options_copy.watch_meta,
         base = options_copy.http_base_url](const net::Request& req) {
          const std::string id = req.param("id");
          auto m = meta(id);
          if (!m) return pages->page("/watch.html", req);
          return pages->page_with_head("/watch.html", link_preview_tags(*m, base + "/watch/" + id));
        },
        net::Dispatch::Offload);
  } else {
    add_page("/watch/{id}", "/watch.html");
  }
  add_page("/clips/{id}/{clip}", "/clip.html");
  add_page("/studio", "/studio.html");
  add_page("/notifications", "/notifications.html");
  add_page("/operator", "/operator.html");
  add_page("/a/{artist}", "/artist.html");
  // The notification service worker at the root: its default scope is the whole site.
  add_page("/sw.js", "/static/sw.js");
  router.add(
      "GET", "/static/{path...}",
      [pages](const net::Request& req) { return pages->static_file(req); }, net::Dispatch::Inline);
}

}  // namespace stagecast::api
