// WebPages over a small asset set of its own: what each response carries (content type, cache
// policy, validators, compression, security headers) and what the CSP allows.
#include "api/web_routes.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "api/web_assets.h"

namespace stagecast::api {
namespace {

constexpr unsigned char kPage[] = {'<', 'p', '>'};
constexpr unsigned char kScript[] = {'x', '(', ')', ';'};
constexpr unsigned char kScriptGz[] = {0x1f, 0x8b, 0x08};  // stands for the compressed copy
constexpr unsigned char kVendor[] = {'v'};

constexpr std::array<WebAsset, 3> kAssets{{
    {"/watch.html", "text/html; charset=utf-8", "\"aaaa\"", kPage, {}},
    {"/static/js/viewer.js", "text/javascript; charset=utf-8", "\"bbbb\"", kScript, kScriptGz},
    {"/static/vendor/hls.js/1.5.20/hls.min.js",
     "text/javascript; charset=utf-8",
     "\"cccc\"",
     kVendor,
     {}},
}};

net::Request get(std::string path, std::map<std::string, std::string> headers = {}) {
  net::Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.target = r.path;
  for (auto& [k, v] : headers) r.headers[k] = v;
  return r;
}

std::string body_of(const net::Response& r) {
  if (!r.shared_body) return r.body;
  return std::string(r.shared_body->begin(), r.shared_body->end());
}

class WebPagesTest : public ::testing::Test {
 protected:
  WebPages pages{kAssets, WebPagesOptions{"http://127.0.0.1:8080", false}};
};

TEST_F(WebPagesTest, PageHasItsTypeValidatorAndSecurityHeaders) {
  const net::Response r = pages.page("/watch.html", get("/watch/abc"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), "<p>");
  EXPECT_EQ(r.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.headers.at("cache-control"), "no-cache");
  EXPECT_EQ(r.headers.at("etag"), "\"aaaa\"");
  EXPECT_EQ(r.headers.at("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.headers.at("x-frame-options"), "DENY");
  EXPECT_EQ(r.headers.at("content-security-policy"), pages.content_security_policy());
}

TEST_F(WebPagesTest, VendoredFilesAreImmutable) {
  const net::Response r = pages.static_file(get("/static/vendor/hls.js/1.5.20/hls.min.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(pages.static_file(get("/static/js/viewer.js")).headers.at("cache-control"), "no-cache");
}

TEST_F(WebPagesTest, IfNoneMatchAnswers304OnAnyListedOrWeakOrStarMatch) {
  for (const char* inm :
       {"\"bbbb\"", "W/\"bbbb\"", "\"zz\", \"bbbb\"", "*", " \"x\" ,W/\"bbbb\" "}) {
    const net::Response r =
        pages.static_file(get("/static/js/viewer.js", {{"if-none-match", inm}}));
    EXPECT_EQ(r.status, 304) << inm;
    EXPECT_TRUE(body_of(r).empty());
    EXPECT_EQ(r.headers.at("etag"), "\"bbbb\"");
  }
  for (const char* inm : {"\"bbb\"", "bbbb", "\"BBBB\"", ""}) {
    EXPECT_EQ(pages.static_file(get("/static/js/viewer.js", {{"if-none-match", inm}})).status, 200)
        << inm;
  }
}

TEST_F(WebPagesTest, GzipOnlyWhenAcceptedAndEmbedded) {
  const auto encoding = [&](const char* accept) {
    const net::Response r =
        pages.static_file(get("/static/js/viewer.js", {{"accept-encoding", accept}}));
    EXPECT_EQ(r.headers.at("vary"), "Accept-Encoding");
    return r.headers.count("content-encoding") ? r.headers.at("content-encoding") : std::string();
  };
  EXPECT_EQ(encoding("gzip"), "gzip");
  EXPECT_EQ(encoding("br, GZIP;q=0.5"), "gzip");
  EXPECT_EQ(encoding("x-gzip"), "gzip");
  EXPECT_EQ(encoding("gzip;q=0"), "");
  EXPECT_EQ(encoding("gzip;q=0.000"), "");
  EXPECT_EQ(encoding("deflate, br"), "");
  EXPECT_EQ(encoding(""), "");
  const net::Response gz =
      pages.static_file(get("/static/js/viewer.js", {{"accept-encoding", "gzip"}}));
  EXPECT_EQ(body_of(gz), std::string("\x1f\x8b\x08", 3));
  // No compressed copy: identity whatever the client accepts.
  const net::Response page =
      pages.page("/watch.html", get("/watch/x", {{"accept-encoding", "gzip"}}));
  EXPECT_EQ(page.headers.count("content-encoding"), 0u);
  EXPECT_EQ(body_of(page), "<p>");
}

TEST_F(WebPagesTest, OnlyEmbeddedNamesExist) {
  for (const char* path : {"/static/js/nope.js", "/static/js", "/static/../watch.html",
                           "/watch.html", "/static/js/viewer.js/", "/static//js/viewer.js"}) {
    const net::Response r = pages.static_file(get(path));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.headers.at("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.headers.at("cache-control"), "no-store");
  }
}

TEST(WebContentSecurityPolicy, StrictWithThePublicOriginAndItsWebSocket) {
  const std::string csp =
      web_content_security_policy({"https://live.example.com:8443/base", false});
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
  EXPECT_NE(csp.find("style-src 'self';"), std::string::npos);
  EXPECT_NE(
      csp.find("connect-src 'self' https://live.example.com:8443 wss://live.example.com:8443;"),
      std::string::npos)
      << csp;
  EXPECT_NE(csp.find("media-src 'self' blob: https://live.example.com:8443;"), std::string::npos);
  // Thumbnails: ours, and blob: for members-only pictures fetched with the session's token.
  EXPECT_NE(csp.find("img-src 'self' blob: https://live.example.com:8443;"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("require-trusted-types-for 'script'; trusted-types default"),
            std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(csp.find("stripe"), std::string::npos);
}

TEST(LinkPreviewTags, EscapedClippedAndAPictureOnlyWhenGiven) {
  WatchMeta m;
  m.title = "Tonight \"live\" <script>alert(1)</script> & more";
  m.description = std::string(400, 'x');
  m.live = true;
  std::string tags = link_preview_tags(m, "https://live.example.com/watch/abc");
  EXPECT_NE(tags.find("<meta property=\"og:title\" content=\"Tonight &quot;live&quot; "
                      "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more\">"),
            std::string::npos)
      << tags;
  EXPECT_EQ(tags.find("<script>"), std::string::npos);
  EXPECT_NE(tags.find("og:type\" content=\"video.other\""), std::string::npos);
  EXPECT_NE(tags.find(std::string(300, 'x') + "…\""), std::string::npos);
  EXPECT_NE(tags.find("twitter:card\" content=\"summary\""), std::string::npos);
  EXPECT_EQ(tags.find("og:image"), std::string::npos);
  m.image_url = "https://live.example.com/api/livestream/abc/thumbnail.jpg?v=1&x=2";
  m.image_width = 480;
  m.image_height = 270;
  tags = link_preview_tags(m, "https://live.example.com/watch/abc");
  EXPECT_NE(tags.find("og:image\" content=\"https://live.example.com/api/livestream/abc/"
                      "thumbnail.jpg?v=1&amp;x=2\""),
            std::string::npos);
  EXPECT_NE(tags.find("og:image:width\" content=\"480\""), std::string::npos);
  EXPECT_NE(tags.find("twitter:card\" content=\"summary_large_image\""), std::string::npos);
}

TEST(WebContentSecurityPolicy, OddBaseUrlsStayOut) {
  for (const char* base :
       {"", "ftp://x", "http://a b", "http://x;script-src *", "http://", "javascript:1"}) {
    const std::string csp = web_content_security_policy({base, false});
    EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << base << ": " << csp;
    EXPECT_NE(csp.find("media-src 'self' blob:;"), std::string::npos) << base;
    EXPECT_NE(csp.find("img-src 'self' blob:;"), std::string::npos) << base;
  }
}

TEST(WebContentSecurityPolicy, StripeJsOnlyWhenEnabled) {
  const std::string csp = web_content_security_policy({"http://127.0.0.1:1", true});
  EXPECT_NE(csp.find("script-src 'self' https://js.stripe.com;"), std::string::npos);
  EXPECT_NE(csp.find("frame-src https://js.stripe.com https://hooks.stripe.com;"),
            std::string::npos);
  EXPECT_NE(csp.find("https://api.stripe.com"), std::string::npos);
  EXPECT_EQ(csp.find("trusted-types"), std::string::npos);
}

TEST(EmbeddedWebAssets, EveryPageAndTheirScriptsAreThere) {
  bool watch = false, studio = false, index = false, hls = false, worker = false;
  for (const WebAsset& a : embedded_web_assets()) {
    EXPECT_FALSE(a.bytes.empty()) << a.name;
    EXPECT_EQ(a.etag.front(), '"');
    watch |= a.name == "/watch.html";
    studio |= a.name == "/studio.html";
    index |= a.name == "/index.html";
    const std::string vendor = "/static/vendor/hls.js/" + std::string(embedded_hls_js_version());
    hls |= a.name == vendor + "/hls.min.js";
    worker |= a.name == vendor + "/hls.worker.js";
  }
  EXPECT_TRUE(watch && studio && index && hls && worker);
}

}  // namespace
}  // namespace stagecast::api
