#pragma once
// The Studio and Viewer pages served from memory (docs/web.md):
//
//   GET /                  home: streams live now        (web/index.html)
//   GET /watch/{id}        the Viewer                    (web/watch.html)
//   GET /studio            the Studio                    (web/studio.html)
//   GET /sw.js             the notification service worker (web/static/sw.js, scope /)
//   GET /static/{path...}  scripts, styles, images, the pinned hls.js
//
// Every response carries a strict Content-Security-Policy (scripts from this origin only, no
// inline script or style), X-Content-Type-Options: nosniff and framing denied. Pages and our own
// assets are revalidated (Cache-Control: no-cache with a content ETag, 304 on a match); the
// vendored player lives under a versioned path and is immutable. Text assets are sent gzip'd to
// clients that accept it. All handlers are inline: memory only, nothing blocks.

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/web_assets.h"
#include "net/http_message.h"
#include "net/router.h"

namespace stagecast::api {

// What a shared link to /watch/{id} shows (Open Graph, Twitter cards; docs/web.md).
struct WatchMeta {
  std::string title;
  std::string description;
  std::string image_url;  // absolute; empty when the stream has no picture anyone may see
  int image_width = 0;
  int image_height = 0;
  bool live = false;
};

struct WebPagesOptions {
  // Where the API's playback URLs point (the configured public URL): allowed in connect-src and
  // media-src besides 'self', so a page on another host name of this server still plays.
  std::string http_base_url;
  // Stripe.js is loaded (and allowed by the CSP) only when a publishable key is configured.
  bool stripe_js = false;
  // The stream behind /watch/{id} for its link preview tags; runs on a worker (reads the
  // store). nullopt: no such stream (the page is served without them).
  std::function<std::optional<WatchMeta>(const std::string& id)> watch_meta;
};

// The <meta> tags of a link preview, HTML-escaped (exposed for tests).
std::string link_preview_tags(const WatchMeta& meta, const std::string& page_url);

class WebPages {
 public:
  WebPages(std::span<const WebAsset> assets, WebPagesOptions options);

  // One of the page documents ("/watch.html") or a static file (request.path itself).
  net::Response page(std::string_view asset_name, const net::Request& request) const;
  net::Response static_file(const net::Request& request) const;
  // A page document with `head` put in place of the marker "<!--stagecast:head-->" (built per
  // request: no ETag, no gzip, revalidated).
  net::Response page_with_head(std::string_view asset_name, const std::string& head) const;

  const std::string& content_security_policy() const { return csp_; }

 private:
  struct Entry {
    const WebAsset* asset;
    std::shared_ptr<const std::vector<uint8_t>> bytes;
    std::shared_ptr<const std::vector<uint8_t>> gzip;  // null when not embedded compressed
    bool immutable;
  };
  net::Response serve(const Entry& entry, const net::Request& request) const;
  net::Response not_found() const;
  void add_security_headers(net::Response& response) const;

  std::vector<std::pair<std::string_view, Entry>> entries_;  // sorted by name
  std::string csp_;
};

// Builds the CSP for these options (exposed for tests and docs).
std::string web_content_security_policy(const WebPagesOptions& options);

void add_web_routes(net::Router& router, WebPagesOptions options);

}  // namespace stagecast::api
