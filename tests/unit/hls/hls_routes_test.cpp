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
    return std::string(response->header_value(name));
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

// Playlist Delta Updates (6.2.5.1): a long-window rendition published straight into the store,
// beside the fixture's short one.
hls::MediaPlaylist long_window(int64_t first, int complete) {
  hls::MediaPlaylist p;
  p.target_duration = 2;
  p.part_target = 0.5;
  p.media_sequence = first;
  p.delta_updates = true;
  for (int i = 0; i <= complete; ++i) {
    hls::PlaylistSegment s;
    s.msn = first + i;
    s.complete = i < complete;
    s.parts = i < complete ? std::vector<hls::PlaylistPart>(4, {0.5, true})
                           : std::vector<hls::PlaylistPart>{{0.5, true}};
    s.duration = i < complete ? 2.0 : 0.5;
    p.segments.push_back(s);
  }
  p.preload_hint = hls::PartRef{first + complete, 1};
  return p;
}

hls::RenditionUpdate update_of(const hls::MediaPlaylist& p) {
  hls::RenditionUpdate u;
  u.playlist = hls::render_media_playlist(p);
  u.delta_playlist = hls::render_delta_update(p).value_or("");
  u.edge.media_sequence = p.media_sequence;
  u.edge.last_complete_msn = p.segments.back().msn - 1;
  u.edge.last_part = hls::PartRef{p.segments.back().msn, 0};
  u.edge.preload_hint = p.preload_hint;
  u.edge.target_duration = p.target_duration;
  u.edge.part_target = p.part_target;
  u.init_version = 0;
  u.init = std::make_shared<const Bytes>(Bytes{1, 2, 3});
  return u;
}

TEST_F(HlsRoutesTest, SkipAnswersWithTheDeltaUpdate) {
  feed(0, media_.frames.size() / 2);  // "source": a short window, nothing to skip
  store_.publish("public", "long", update_of(long_window(100, 20)));
  store_.publish("private", "long", update_of(long_window(100, 20)));

  auto full = get("/hls/public/long/index.m3u8");
  ASSERT_EQ(full.response->status, 200);
  EXPECT_EQ(full.body().find("#EXT-X-SKIP"), std::string::npos);
  EXPECT_NE(full.body().find("CAN-SKIP-UNTIL=12.000"), std::string::npos);

  for (const char* value : {"YES", "v2"}) {
    auto delta = get("/hls/public/long/index.m3u8", {{"_HLS_skip", value}});
    ASSERT_EQ(delta.response->status, 200) << value;
    EXPECT_TRUE(delta.response->shared_body) << "the same bytes for every viewer";
    EXPECT_EQ(delta.header("cache-control"), "public, max-age=1");
    const std::string body = delta.body();
    EXPECT_NE(body.find("#EXT-X-VERSION:9\n"), std::string::npos) << body;
    EXPECT_NE(body.find("#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n"),
              std::string::npos)
        << body;
    // The other renditions' reports are there as in the full playlist.
    EXPECT_NE(body.find("#EXT-X-RENDITION-REPORT:URI=\"../source/index.m3u8\""), std::string::npos)
        << body;
    EXPECT_LT(body.size() + 14 * 20, full.body().size());
  }
  // Not a value the spec defines: the full playlist.
  for (const char* value : {"NO", "yes", ""}) {
    auto other = get("/hls/public/long/index.m3u8", {{"_HLS_skip", value}});
    ASSERT_EQ(other.response->status, 200);
    EXPECT_EQ(other.body().find("#EXT-X-SKIP"), std::string::npos) << value;
  }
  // A window shorter than the Skip Boundary: the full playlist, no EXT-X-SKIP.
  auto short_window = get("/hls/public/source/index.m3u8", {{"_HLS_skip", "YES"}});
  ASSERT_EQ(short_window.response->status, 200);
  EXPECT_EQ(short_window.body().find("#EXT-X-SKIP"), std::string::npos);
  EXPECT_NE(short_window.body().find("CAN-SKIP-UNTIL="), std::string::npos);
  EXPECT_EQ(short_window.body(), get("/hls/public/source/index.m3u8").body());

  // With the viewer's token: carried into every URI of the delta update, private.
  auto with_token = get("/hls/private/long/index.m3u8",
                        {{"_HLS_skip", "YES"}, {"token", "good+token/="}, {"sid", "s9"}});
  ASSERT_EQ(with_token.response->status, 200);
  EXPECT_EQ(with_token.header("cache-control"), "private, max-age=1");
  EXPECT_NE(with_token.body().find("#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n#EXT-X-MAP:URI=\"init.mp4?"
                                   "token=good%2Btoken%2F%3D&sid=s9\"\n"),
            std::string::npos)
      << with_token.body();
  EXPECT_NE(with_token.body().find("\nseg119.m4s?token=good%2Btoken%2F%3D&sid=s9\n"),
            std::string::npos);
  // Counted for /metrics: YES, v2 and the token's asked and got one; the short window asked.
  EXPECT_EQ(store_.stats().delta_requests, 4u);
  EXPECT_EQ(store_.stats().delta_updates, 3u);
}

TEST_F(HlsRoutesTest, BlockingReloadWithSkipGetsTheDeltaOfTheAwaitedPlaylist) {
  store_.publish("public", "long", update_of(long_window(100, 20)));
  // The next part (120.1) is awaited with a delta update.
  auto held = get("/hls/public/long/index.m3u8",
                  {{"_HLS_msn", "120"}, {"_HLS_part", "1"}, {"_HLS_skip", "YES"}});
  EXPECT_FALSE(held.response);
  // It arrives with the window moved on by a segment: 101..121.
  auto next = long_window(101, 20);
  next.segments.back().parts.push_back({0.5, false});
  next.segments.back().duration = 1.0;
  auto u = update_of(next);
  u.edge.last_part = hls::PartRef{121, 1};
  u.edge.last_complete_msn = 120;
  // 120 complete and 121.1 published: _HLS_msn=120&_HLS_part=1 is satisfied.
  store_.publish("public", "long", std::move(u));
  ASSERT_TRUE(held.response);
  EXPECT_EQ(held.response->status, 200);
  EXPECT_NE(held.body().find("#EXT-X-MEDIA-SEQUENCE:101\n#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n"),
            std::string::npos)
      << held.body();
  EXPECT_EQ(held.header("cache-control"), "public, max-age=6");
  // The same request for the full playlist differs only in what is skipped.
  auto full = get("/hls/public/long/index.m3u8", {{"_HLS_msn", "120"}, {"_HLS_part", "1"}});
  ASSERT_TRUE(full.response);
  EXPECT_NE(full.body().find("#EXT-X-MEDIA-SEQUENCE:101\n#EXT-X-MAP"), std::string::npos);
  const std::string tail = held.body().substr(held.body().find("#EXT-X-PROGRAM-DATE-TIME"));
  EXPECT_TRUE(full.body().ends_with(tail));
}

}  // namespace
}  // namespace stagecast::api
