#include "api/hls_routes.h"

#include <fmt/format.h>

#include <cmath>

#include "hls/hls_names.h"
#include "hls/playlist_uri_query.h"

namespace stagecast::api {
namespace {

constexpr const char* kPlaylistType = "application/vnd.apple.mpegurl";
constexpr const char* kMediaType = "video/mp4";

// Cache-Control, chosen for a CDN in front of the origin:
// - Segments, parts and headers never change once published under their name: cached for a year.
// - A plain media playlist changes with every part (0.5 s): one second at most, so a CDN absorbs
//   bursts of players starting without serving them a stale live edge for long.
// - A blocking reload (_HLS_msn/_HLS_part) names a state of the playlist that, once reached, every
//   later answer also satisfies; a CDN may keep the answer as long as players still ask for that
//   URL (about three target durations) and so collapse thousands of identical held requests into
//   one to the origin. The CDN must keep _HLS_msn/_HLS_part in its cache key.
// - With a playback token the URL is per viewer: `private` keeps shared caches (which often drop
//   query strings from the cache key) from serving one viewer's authorised copy to anyone.
// - A playback session id (`sid`, docs/analytics.md) is carried like the token: every URI of a
//   playlist gets it, so a playlist with one is that viewer's own (`private`). Media bytes are the
//   same for everyone: with a session id alone they stay `public` (a CDN that leaves `sid` out of
//   its cache key shares them; sessions are kept alive by the playlist reloads it forwards).
// - Errors and timeouts are never cached.
std::string cache_control(bool is_private, std::string_view policy) {
  std::string out(is_private ? "private, " : "public, ");
  out += policy;
  return out;
}
constexpr std::string_view kImmutable = "max-age=31536000, immutable";
constexpr std::string_view kLivePlaylist = "max-age=1";
constexpr int kLivePlaylistAge = 1;

void add_cors(net::Response& r) {
  r.headers["access-control-allow-origin"] = "*";
}

net::Response error_response(int status, std::string_view code, std::string_view message) {
  net::Response r;
  r.status = status;
  // code and message are fixed strings of this file: nothing to escape.
  r.body = fmt::format(R"({{"error":{{"code":"{}","message":"{}"}}}})", code, message);
  r.headers["content-type"] = "application/json";
  r.headers["cache-control"] = "no-store";
  add_cors(r);
  return r;
}

net::Response not_found() {
  return error_response(404, "not_found", "no such stream or resource");
}

// Per-request facts the asynchronous completions need after the Request is gone.
struct Target {
  std::string stream;
  std::string rendition;
  std::string token_query;  // "token=...", "sid=...", both joined by '&', or empty
  bool has_token = false;
  bool is_private() const { return has_token; }
  // A playlist carrying this query in its URIs is one viewer's.
  bool playlist_private() const { return !token_query.empty(); }
};

Target target_of(const net::Request& request) {
  Target t;
  t.stream = request.params.count("id") ? request.params.at("id") : std::string();
  t.rendition = request.params.count("rendition") ? request.params.at("rendition") : std::string();
  auto token = request.query.find("token");
  if (token != request.query.end() && !token->second.empty()) {
    t.token_query = "token=" + hls::percent_encode_query_value(token->second);
    t.has_token = true;
  }
  auto sid = request.query.find("sid");
  if (sid != request.query.end() && !sid->second.empty()) {
    if (!t.token_query.empty()) t.token_query += '&';
    t.token_query += "sid=" + hls::percent_encode_query_value(sid->second);
  }
  return t;
}

// The fields every response of a kind shares, built once (net::PresetHeaders): a part or a
// playlist response then costs no header allocation.
const net::PresetHeaders& media_preset(bool is_private) {
  static const net::PresetHeaders kPublic({{"content-type", kMediaType},
                                           {"cache-control", cache_control(false, kImmutable)},
                                           {"access-control-allow-origin", "*"}});
  static const net::PresetHeaders kPrivate({{"content-type", kMediaType},
                                            {"cache-control", cache_control(true, kImmutable)},
                                            {"access-control-allow-origin", "*"}});
  return is_private ? kPrivate : kPublic;
}

// A playlist's fields for max-age=1..kMaxPresetAge (a blocking reload's max-age is three target
// durations); null beyond.
constexpr int kMaxPresetAge = 180;
const net::PresetHeaders* playlist_preset(bool is_private, int max_age) {
  if (max_age < 1 || max_age > kMaxPresetAge) return nullptr;
  static const std::vector<net::PresetHeaders> kTable = [] {
    std::vector<net::PresetHeaders> t;
    t.reserve(2 * kMaxPresetAge);
    for (int priv = 0; priv < 2; ++priv) {
      for (int age = 1; age <= kMaxPresetAge; ++age) {
        t.emplace_back(std::vector<std::pair<std::string, std::string>>{
            {"content-type", kPlaylistType},
            {"cache-control", cache_control(priv == 1, fmt::format("max-age={}", age))},
            {"access-control-allow-origin", "*"}});
      }
    }
    return t;
  }();
  return &kTable[static_cast<size_t>((is_private ? kMaxPresetAge : 0) + max_age - 1)];
}

net::Response playlist_response(const hls::SharedBytes& bytes, const Target& t, int max_age) {
  net::Response r;
  r.status = 200;
  r.preset = playlist_preset(t.playlist_private(), max_age);
  if (r.preset == nullptr) {
    r.headers["content-type"] = kPlaylistType;
    r.headers["cache-control"] =
        cache_control(t.playlist_private(), fmt::format("max-age={}", max_age));
    add_cors(r);
  }
  if (t.token_query.empty()) {
    r.shared_body = bytes;  // the bytes every viewer gets, written without a copy
  } else {
    r.body = hls::add_query_to_playlist_uris(
        std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
        t.token_query);
  }
  return r;
}

net::Response media_response(hls::SharedBytes bytes, const Target& t) {
  net::Response r;
  r.status = 200;
  r.preset = &media_preset(t.is_private());
  r.shared_body = std::move(bytes);
  return r;
}

net::Response wait_failure(hls::WaitResult result) {
  switch (result) {
    case hls::WaitResult::TimedOut:
      return error_response(503, "timeout", "not available in time; retry");
    case hls::WaitResult::TooFarAhead:
      return error_response(400, "too_far_ahead",
                            "_HLS_msn/_HLS_part too far ahead of the live edge");
    case hls::WaitResult::Overloaded:
      return error_response(503, "overloaded", "too many waiting requests; retry");
    case hls::WaitResult::NotFound:
    case hls::WaitResult::Ready:
      break;
  }
  return not_found();
}

// A query value that must be a decimal-integer when present.
struct Directive {
  bool present = false;
  bool valid = true;
  int64_t value = 0;
};
Directive directive(const net::Request& request, const std::string& name) {
  Directive d;
  auto it = request.query.find(name);
  if (it == request.query.end()) return d;
  d.present = true;
  auto v = hls::parse_decimal_integer(it->second);
  d.valid = v.has_value() && *v <= 1'000'000'000'000;
  d.value = v.value_or(0);
  return d;
}

// _HLS_skip=YES asks for a Playlist Delta Update (6.2.5.1); v2 asks for EXT-X-DATERANGE tags to
// be skipped too, and as the playlists carry none it gets the same delta update. Any other value
// is not a directive this server knows and gets the full playlist, as does a playlist with
// nothing to skip yet (a short window, a young stream): the delta update is never a promise.
bool wants_delta_update(const net::Request& request) {
  auto it = request.query.find("_HLS_skip");
  return it != request.query.end() && (it->second == "YES" || it->second == "v2");
}

}  // namespace

HlsDelivery::HlsDelivery(hls::RenditionStore& store, HlsAccessCheck check,
                         HlsRequestObserver observer, HlsElsewhere elsewhere, HlsForward forward)
    : store_(store),
      check_(std::move(check)),
      observer_(std::move(observer)),
      elsewhere_(std::move(elsewhere)),
      forward_(std::move(forward)) {}

bool HlsDelivery::served_elsewhere(const std::string& stream_id, const net::Request& request,
                                   const net::Respond& respond) const {
  if (!elsewhere_) return false;
  auto base = elsewhere_(stream_id);
  if (!base) return false;
  if (forward_) {
    // The holder checks access (the token travels in the query) and counts the session.
    forward_(*base, request, respond);
    return true;
  }
  net::Response r;
  r.status = 307;
  r.headers["location"] = *base + request.target;
  r.headers["cache-control"] = "no-store";  // the holder changes when a stream moves
  add_cors(r);
  respond(std::move(r));
  return true;
}

net::Response HlsDelivery::preflight() {
  net::Response r;
  r.status = 204;
  add_cors(r);
  r.headers["access-control-allow-methods"] = "GET, HEAD, OPTIONS";
  r.headers["access-control-allow-headers"] = "range";
  r.headers["access-control-max-age"] = "86400";
  return r;
}

void HlsDelivery::master(const net::Request& request, const net::Respond& respond) const {
  const Target t = target_of(request);
  if (served_elsewhere(t.stream, request, respond)) return;
  if (!check_(t.stream, request)) {
    respond(error_response(403, "forbidden", "playback of this stream is not allowed"));
    return;
  }
  if (observer_) observer_(t.stream, t.rendition, request);
  hls::RenditionStore& store = store_;
  auto serve = [&store, t, respond] {
    auto text = store.multivariant_playlist(t.stream);
    if (!text) {
      respond(not_found());
      return;
    }
    if (!t.token_query.empty()) *text = hls::add_query_to_playlist_uris(*text, t.token_query);
    net::Response r;
    r.status = 200;
    r.headers["content-type"] = kPlaylistType;
    // Bandwidth figures are refined as segments are measured; the list of renditions is stable.
    r.headers["cache-control"] = cache_control(t.playlist_private(), kLivePlaylist);
    add_cors(r);
    r.body = std::move(*text);
    respond(std::move(r));
  };
  // A viewer arriving as the stream goes live waits for its first part rather than a 404.
  store.wait_for_multivariant(t.stream, std::nullopt, [serve, respond](hls::WaitResult result) {
    if (result == hls::WaitResult::Ready) {
      serve();
    } else {
      respond(wait_failure(result));
    }
  });
}

void HlsDelivery::rendition_resource(const net::Request& request,
                                     const net::Respond& respond) const {
  const Target t = target_of(request);
  const std::string file = request.params.count("file") ? request.params.at("file") : "";
  const auto name = hls::parse_resource_name(file);
  if (!name || !hls::valid_rendition_name(t.rendition)) {
    respond(not_found());
    return;
  }
  if (served_elsewhere(t.stream, request, respond)) return;
  if (!check_(t.stream, request)) {
    respond(error_response(403, "forbidden", "playback of this stream is not allowed"));
    return;
  }
  if (observer_) observer_(t.stream, t.rendition, request);
  hls::RenditionStore& store = store_;

  switch (name->kind) {
    case hls::ResourceName::Kind::MediaPlaylist: {
      const Directive msn = directive(request, "_HLS_msn");
      const Directive part = directive(request, "_HLS_part");
      const bool skip = wants_delta_update(request);
      // 6.2.5.2: _HLS_part without _HLS_msn is a bad request.
      if (!msn.valid || !part.valid || (part.present && !msn.present) || part.value > 1'000'000) {
        respond(error_response(400, "bad_request", "invalid _HLS_msn/_HLS_part"));
        return;
      }
      if (!msn.present) {
        if (auto bytes = store.media_playlist(t.stream, t.rendition, skip)) {
          respond(playlist_response(bytes, t, kLivePlaylistAge));
          return;
        }
      }
      const bool blocking = msn.present;
      std::optional<int64_t> want_msn;
      std::optional<int> want_part;
      if (msn.present) want_msn = msn.value;
      if (part.present) want_part = static_cast<int>(part.value);
      store.wait_for_playlist(t.stream, t.rendition, want_msn, want_part, std::nullopt,
                              [&store, t, respond, blocking, skip](hls::WaitResult result) {
                                if (result != hls::WaitResult::Ready) {
                                  respond(wait_failure(result));
                                  return;
                                }
                                auto bytes = store.media_playlist(t.stream, t.rendition, skip);
                                auto now_edge = store.edge(t.stream, t.rendition);
                                if (!bytes || !now_edge) {
                                  respond(not_found());
                                  return;
                                }
                                int max_age = kLivePlaylistAge;
                                if (blocking && !now_edge->ended) {
                                  max_age =
                                      static_cast<int>(std::ceil(3.0 * now_edge->target_duration));
                                }
                                respond(playlist_response(bytes, t, max_age));
                              });
      return;
    }
    case hls::ResourceName::Kind::Init: {
      auto bytes = store.init_segment(t.stream, t.rendition, name->init_version);
      respond(bytes ? media_response(std::move(bytes), t) : not_found());
      return;
    }
    case hls::ResourceName::Kind::Segment: {
      // The newest segments are held as their parts: written as a gather of them, no copy.
      auto pieces = store.segment_pieces(t.stream, t.rendition, name->msn);
      if (pieces.empty()) {
        respond(not_found());
      } else if (pieces.size() == 1) {
        respond(media_response(std::move(pieces.front()), t));
      } else {
        net::Response r = media_response(nullptr, t);
        r.shared_pieces = std::move(pieces);
        respond(std::move(r));
      }
      return;
    }
    case hls::ResourceName::Kind::Part: {
      const hls::PartRef ref{name->msn, name->part};
      if (auto bytes = store.part(t.stream, t.rendition, ref)) {
        respond(media_response(std::move(bytes), t));
        return;
      }
      // 6.2.6: the part named by EXT-X-PRELOAD-HINT is answered once all of it exists.
      store.wait_for_part(t.stream, t.rendition, ref, std::nullopt,
                          [&store, t, ref, respond](hls::WaitResult result) {
                            if (result != hls::WaitResult::Ready) {
                              respond(wait_failure(result));
                              return;
                            }
                            auto bytes = store.part(t.stream, t.rendition, ref);
                            respond(bytes ? media_response(std::move(bytes), t) : not_found());
                          });
      return;
    }
  }
}

void add_hls_routes(net::Router& router, hls::RenditionStore& store, HlsAccessCheck check,
                    HlsRequestObserver observer, HlsElsewhere elsewhere, HlsForward forward) {
  auto delivery = std::make_shared<const HlsDelivery>(store, std::move(check), std::move(observer),
                                                      std::move(elsewhere), std::move(forward));
  router.add_async("GET", "/hls/{id}/master.m3u8",
                   [delivery](const net::Request& request, net::Respond respond) {
                     delivery->master(request, respond);
                   });
  router.add_async("GET", "/hls/{id}/{rendition}/{file}",
                   [delivery](const net::Request& request, const net::Respond& respond) {
                     delivery->rendition_resource(request, respond);
                   });
  for (const char* pattern : {"/hls/{id}/master.m3u8", "/hls/{id}/{rendition}/{file}"}) {
    router.add_async("OPTIONS", pattern, [](const net::Request&, net::Respond respond) {
      respond(HlsDelivery::preflight());
    });
  }
}

}  // namespace stagecast::api
