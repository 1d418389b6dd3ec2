// The HLS HTTP routes, driven through the real Router with a packager producing the fixture.
#include "api/hls_routes.h"

#include <gtest/gtest.h>

#include <sstream>

#include "fixture_media.h"
#include "hls/hls_names.h"
#include "hls/ll_hls_packager.h"

namespace stagecast::api {
namespace {

using namespace std::chrono_literals;

struct Captured {
  std::optional<net::Response> response;
  int calls = 0;
  net::Respond respond() {
    return [this](net::Response r) {
      response = std::move(r);
      ++calls;
    };
  }
  std::string body() const {
    if (!response) return {};
    if (response->shared_body)
      return std::string(response->shared_body->begin(), response->shared_body->end());
    if (!response->shared_pieces.empty()) {
      std::string out;
      for (const auto& piece : response->shared_pieces) out.append(piece->begin(), piece->end());
      return out;
    }
    return response->body;
  }
  std::string header(const std::string& name) const {
    auto it = response->headers.find(name);
    return it == response->headers.end() ? std::string() : it->second;
  }
};

class HlsRoutesTest : public ::testing::Test {
 protected:
  HlsRoutesTest() {
    add_hls_routes(
        router_, store_,
        [this](const std::string& stream, const net::Request& r) {
          if (stream == "public" || stream == "ended") return true;
          auto token = r.query.find("token");
          return token != r.query.end() && token->second == "good+token/=";
        },
        [this](const std::string& stream, const std::string& rendition, const net::Request& r) {
          observed_.push_back(stream + "|" + rendition + "|" + r.query_param("sid").value_or(""));
        });
    hls::LlHlsConfig c;
    c.stream_id = "public";
    packager_ = std::make_unique<hls::LlHlsPackager>(c, store_, clock_);
    c.stream_id = "private";
    private_packager_ = std::make_unique<hls::LlHlsPackager>(c, store_, clock_);
    packager_->on_config(media_.config);
    private_packager_->on_config(media_.config);
  }

  void feed(size_t from, size_t to) {
    for (size_t i = from; i < std::min(to, media_.frames.size()); ++i) {
      packager_->on_frame(media_.frames[i]);
      private_packager_->on_frame(media_.frames[i]);
    }
    fed_ = std::max(fed_, to);
  }

  Captured get(const std::string& path, std::map<std::string, std::string> query = {},
               std::string method = "GET") {
    net::Request req;
    req.method = std::move(method);
    req.path = path;
    req.target = path;
    req.query = std::move(query);
    Captured out;
    auto match = router_.match(req);
    if (!match.async_handler) {
      net::Response r;
      r.status = 404;
      out.response = r;
      return out;
    }
    (*match.async_handler)(req, out.respond());
    return out;
  }

  ManualClock clock_;
  hls::RenditionStore store_{clock_};
  net::Router router_;
  const hls::test::FixtureMedia& media_ = hls::test::shared_fixture();
  std::unique_ptr<hls::LlHlsPackager> packager_;
  std::unique_ptr<hls::LlHlsPackager> private_packager_;
  size_t fed_ = 0;
  std::vector<std::string> observed_;  // stream|rendition|sid of each allowed request
};

TEST_F(HlsRoutesTest, MasterAndMediaPlaylists) {
  feed(0, media_.frames.size() / 2);
  auto master = get("/hls/public/master.m3u8");
  ASSERT_TRUE(master.response);
  EXPECT_EQ(master.response->status, 200);
  EXPECT_EQ(master.header("content-type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(master.header("access-control-allow-origin"), "*");
  EXPECT_EQ(master.header("cache-control"), "public, max-age=1");
  EXPECT_NE(master.body().find("source/index.m3u8"), std::string::npos);

  auto media = get("/hls/public/source/index.m3u8");
  ASSERT_TRUE(media.response);
  EXPECT_EQ(media.response->status, 200);
  EXPECT_TRUE(media.response->shared_body) << "served from the store without a copy";
  EXPECT_EQ(media.header("cache-control"), "public, max-age=1");
  EXPECT_NE(media.body().find("#EXT-X-PRELOAD-HINT"), std::string::npos);
}

TEST_F(HlsRoutesTest, MediaObjectsAreImmutable) {
  feed(0, media_.frames.size());
  for (const char* path : {"/hls/public/source/init.mp4", "/hls/public/source/seg0.m4s",
                           "/hls/public/source/part1.2.m4s"}) {
    auto r = get(path);
    ASSERT_TRUE(r.response) << path;
    EXPECT_EQ(r.response->status, 200) << path;
    EXPECT_EQ(r.header("content-type"), "video/mp4");
    EXPECT_EQ(r.header("cache-control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(r.header("access-control-allow-origin"), "*");
    EXPECT_TRUE(r.response->shared_body || !r.response->shared_pieces.empty())
        << path << ": served from the store without a copy";
  }
  const auto seg = store_.segment("public", "source", 0);
  ASSERT_TRUE(seg);
  EXPECT_EQ(get("/hls/public/source/seg0.m4s").body(), std::string(seg->begin(), seg->end()));
}

TEST_F(HlsRoutesTest, UnknownThingsAre404) {
  feed(0, 200);
  for (const char* path :
       {"/hls/ended/master.m3u8", "/hls/ended/source/index.m3u8", "/hls/public/nope/index.m3u8",
        "/hls/public/source/seg99.m4s", "/hls/public/source/other.txt",
        "/hls/public/source/init-3.mp4", "/hls/public/source/part0.9.m4s"}) {
    auto r = get(path);
    ASSERT_TRUE(r.response) << path;
    EXPECT_EQ(r.response->status, 404) << path;
    EXPECT_EQ(r.header("cache-control"), "no-store") << path;
  }
}

TEST_F(HlsRoutesTest, AccessCheckAndTokenInEveryUri) {
  feed(0, media_.frames.size() / 2);
  auto denied = get("/hls/private/source/index.m3u8");
  ASSERT_TRUE(denied.response);
  EXPECT_EQ(denied.response->status, 403);
  EXPECT_EQ(denied.header("content-type"), "application/json");
  EXPECT_NE(denied.body().find(R"("code":"forbidden")"), std::string::npos);
  EXPECT_EQ(get("/hls/private/source/seg0.m4s", {{"token", "bad"}}).response->status, 403);
  EXPECT_EQ(get("/hls/private/master.m3u8").response->status, 403);

  const std::map<std::string, std::string> q = {{"token", "good+token/="}};
  auto master = get("/hls/private/master.m3u8", q);
  EXPECT_EQ(master.response->status, 200);
  EXPECT_NE(master.body().find("source/index.m3u8?token=good%2Btoken%2F%3D\n"), std::string::npos)
      << master.body();
  EXPECT_EQ(master.header("cache-control"), "private, max-age=1");

  auto media = get("/hls/private/source/index.m3u8", q);
  ASSERT_EQ(media.response->status, 200);
  const std::string body = media.body();
  // Every URI line and URI="..." attribute carries the token.
  std::istringstream lines(body);
  int uris = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line[0] != '#' || line.find("URI=\"") != std::string::npos) {
      ++uris;
      EXPECT_NE(line.find("token=good%2Btoken%2F%3D"), std::string::npos) << line;
    }
  }
  EXPECT_GT(uris, 5);
  auto seg = get("/hls/private/source/seg0.m4s", q);
  EXPECT_EQ(seg.response->status, 200);
  EXPECT_EQ(seg.header("cache-control"), "private, max-age=31536000, immutable");
}

// docs/analytics.md: the playback session id travels like the token, into every URI of every
// playlist (blocking reloads, preload hints and rendition reports included). A playlist carrying
// it is the viewer's own (private); media stays public when there is no token.
TEST_F(HlsRoutesTest, SessionIdInEveryUriAndEveryRequestObserved) {
  feed(0, media_.frames.size() / 2);
  const std::string sid = "S3ss10n-Id_0123456789";
  std::map<std::string, std::string> q = {{"sid", sid}};
  auto master = get("/hls/public/master.m3u8", q);
  ASSERT_EQ(master.response->status, 200);
  EXPECT_NE(master.body().find("source/index.m3u8?sid=" + sid + "\n"), std::string::npos)
      << master.body();
  EXPECT_EQ(master.header("cache-control"), "private, max-age=1");

  auto edge = store_.edge("public", "source");
  ASSERT_TRUE(edge && edge->preload_hint);
  std::map<std::string, std::string> blocking = q;
  blocking["_HLS_msn"] = std::to_string(edge->preload_hint->msn - 1);  // there already
  for (auto* query : {&q, &blocking}) {
    auto media = get("/hls/public/source/index.m3u8", *query);
    ASSERT_EQ(media.response->status, 200);
    EXPECT_EQ(media.header("cache-control").rfind("private, ", 0), 0u);
    std::istringstream lines(media.body());
    int uris = 0;
    bool hint = false;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      if (line[0] != '#' || line.find("URI=\"") != std::string::npos) {
        ++uris;
        hint = hint || line.starts_with("#EXT-X-PRELOAD-HINT");
        EXPECT_NE(line.find("sid=" + sid), std::string::npos) << line;
        EXPECT_EQ(line.find("token="), std::string::npos) << line;
      }
    }
    EXPECT_GT(uris, 5);
    EXPECT_TRUE(hint);
  }
  auto seg = get("/hls/public/source/seg0.m4s", q);
  EXPECT_EQ(seg.response->status, 200);
  EXPECT_EQ(seg.header("cache-control"), "public, max-age=31536000, immutable");

  // With a token too, both travel; the order is token then sid.
  auto both = get("/hls/private/master.m3u8", {{"token", "good+token/="}, {"sid", sid}});
  EXPECT_NE(both.body().find("?token=good%2Btoken%2F%3D&sid=" + sid), std::string::npos);
  // Refused requests are not observed.
  EXPECT_EQ(get("/hls/private/source/seg0.m4s", q).response->status, 403);

  ASSERT_EQ(observed_.size(), 5u);
  EXPECT_EQ(observed_[0], "public||" + sid);
  EXPECT_EQ(observed_[1], "public|source|" + sid);
  EXPECT_EQ(observed_[3], "public|source|" + sid);
  EXPECT_EQ(observed_[4], "private||" + sid);
}

TEST_F(HlsRoutesTest, BlockingReloadAndHintedPartAreHeldUntilProduced) {
  feed(0, media_.frames.size() / 2);
  const auto edge = store_.edge("public", "source");
  ASSERT_TRUE(edge && edge->preload_hint);
  const auto hint = *edge->preload_hint;
  auto playlist = get("/hls/public/source/index.m3u8", {{"_HLS_msn", std::to_string(hint.msn)},
                                                        {"_HLS_part", std::to_string(hint.part)}});
  auto part = get("/hls/public/source/" + hls::part_uri(hint.msn, hint.part));
  EXPECT_FALSE(playlist.response);
  EXPECT_FALSE(part.response);
  size_t i = fed_;
  while (!store_.part("public", "source", hint) && i < media_.frames.size()) {
    feed(i, i + 1);
    ++i;
  }
  ASSERT_TRUE(playlist.response);
  ASSERT_TRUE(part.response);
  EXPECT_EQ(playlist.response->status, 200);
  EXPECT_NE(playlist.body().find(hls::part_uri(hint.msn, hint.part)), std::string::npos);
  EXPECT_EQ(playlist.header("cache-control"), "public, max-age=6");
  EXPECT_EQ(part.response->status, 200);
  EXPECT_EQ(part.response->shared_body, store_.part("public", "source", hint));
}

TEST_F(HlsRoutesTest, BlockingReloadErrors) {
  feed(0, media_.frames.size() / 2);
  const auto edge = *store_.edge("public", "source");
  EXPECT_EQ(get("/hls/public/source/index.m3u8", {{"_HLS_part", "1"}}).response->status, 400);
  EXPECT_EQ(get("/hls/public/source/index.m3u8", {{"_HLS_msn", "x"}}).response->status, 400);
  EXPECT_EQ(get("/hls/public/source/index.m3u8", {{"_HLS_msn", "-1"}}).response->status, 400);
  EXPECT_EQ(get("/hls/public/source/index.m3u8",
                {{"_HLS_msn", std::to_string(edge.last_complete_msn + 3)}})
                .response->status,
            400);
  auto held = get("/hls/public/source/index.m3u8",
                  {{"_HLS_msn", std::to_string(edge.last_complete_msn + 2)}});
  EXPECT_FALSE(held.response);
  clock_.advance(6s);
  store_.expire_waiters();
  ASSERT_TRUE(held.response);
  EXPECT_EQ(held.response->status, 503);
  EXPECT_EQ(held.header("cache-control"), "no-store");
  // Not the hinted part: 404 at once rather than held.
  EXPECT_EQ(
      get("/hls/public/source/" + hls::part_uri(edge.preload_hint->msn + 1, 3)).response->status,
      404);
}

TEST_F(HlsRoutesTest, FirstPlaylistRequestsWaitForTheFirstPart) {
  auto early = get("/hls/public/source/index.m3u8");
  auto master = get("/hls/public/master.m3u8");
  auto late = get("/hls/private/master.m3u8", {{"token", "good+token/="}});
  EXPECT_FALSE(early.response);
  EXPECT_FALSE(master.response);
  // Nothing is listed before the first segment is complete (its GOP fixes the target
  // duration): the requests are answered by the frame after the second key frame.
  size_t second_key = 0;
  for (size_t i = 0, keys = 0; i < media_.frames.size(); ++i) {
    const auto& f = media_.frames[i];
    if (f->kind == media::TrackKind::Video && f->keyframe && ++keys == 2) {
      second_key = i;
      break;
    }
  }
  ASSERT_GT(second_key, 0u);
  feed(0, second_key);
  EXPECT_FALSE(early.response) << "listed before the first GOP was complete";
  feed(second_key, second_key + 2);
  ASSERT_TRUE(early.response);
  EXPECT_EQ(early.response->status, 200);
  ASSERT_TRUE(master.response);
  EXPECT_EQ(master.response->status, 200);
  EXPECT_NE(master.body().find("source/index.m3u8"), std::string::npos);
  EXPECT_EQ(late.response->status, 200);
}

TEST_F(HlsRoutesTest, MasterOfAStreamThatNeverStartsTimesOut) {
  auto master = get("/hls/public/master.m3u8");
  EXPECT_FALSE(master.response);
  clock_.advance(6s);
  store_.expire_waiters();
  ASSERT_TRUE(master.response);
  EXPECT_EQ(master.response->status, 503);
}

TEST_F(HlsRoutesTest, PreflightAndHead) {
  auto pre = get("/hls/public/source/seg0.m4s", {}, "OPTIONS");
  ASSERT_TRUE(pre.response);
  EXPECT_EQ(pre.response->status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "*");
  feed(0, media_.frames.size());
  EXPECT_EQ(get("/hls/public/source/seg0.m4s", {}, "HEAD").response->status, 200);
}

}  // namespace
}  // namespace stagecast::api
