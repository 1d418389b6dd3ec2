#include "api/vod_routes.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <memory>

#include "hls/hls_names.h"
#include "hls/playlist_uri_query.h"

namespace stagecast::api {
namespace {

constexpr const char* kPlaylistType = "application/vnd.apple.mpegurl";
// A range answer carries at most this much. A whole MP4 up to VodOptions::whole_max_bytes is read
// at once; a larger one is a 302 to a presigned URL where S3 is configured for it, else streamed
// through in pieces (net::StreamedBody).
constexpr uint64_t kMaxRange = 8ull * 1024 * 1024;

net::Response error(int status, std::string_view code, std::string_view message) {
  net::Response r = net::Response::error(status, code, message);
  r.headers["cache-control"] = "no-store";
  r.headers["access-control-allow-origin"] = "*";
  return r;
}

net::Response storage_error(const Error& e) {
  if (e.code == "object_not_found") return error(404, "not_found", "no such file in the recording");
  spdlog::warn("vod: the object store answered {}: {}", e.code, e.message);
  if (e.code == "object_store_unavailable")
    return error(503, "storage_unavailable", "the recording store is unavailable; retry");
  return error(502, "storage_error", "the recording store answered an error");
}

std::string token_query(const net::Request& req) {
  auto t = req.query.find("token");
  if (t == req.query.end() || t->second.empty()) return {};
  return "token=" + hls::percent_encode_query_value(t->second);
}

std::string cache(bool is_private, std::string_view policy) {
  return fmt::format("{}, {}", is_private ? "private" : "public", policy);
}

net::Response media(int status, const char* content_type, bool is_private) {
  net::Response r;
  r.status = status;
  r.headers["content-type"] = content_type;
  r.headers["accept-ranges"] = "bytes";
  r.headers["access-control-allow-origin"] = "*";
  // A finished recording never changes.
  r.headers["cache-control"] = cache(is_private, "max-age=31536000, immutable");
  return r;
}

// The whole MP4 download, when it is larger than what is read at once: a presigned URL where
// configured, else the object streamed through, a piece at a time as the client takes it.
net::Response serve_large(ReplaySource& source, const VodOptions& options, const net::Request& req,
                          const std::string& key, uint64_t size) {
  if (auto url = source.presigned_url(key)) {
    net::Response r;
    r.status = 302;
    r.headers["location"] = *url;
    r.headers["cache-control"] = "no-store";
    return r;
  }
  net::Response r = media(200, "video/mp4", !token_query(req).empty());
  auto body = std::make_shared<net::StreamedBody>();
  body->size = size;
  body->piece_bytes = options.piece_bytes;
  body->pool = options.pool;  // the replay pool, like every other object store read here
  // The source lives as long as the server (the routes hold it by reference too).
  ReplaySource* from = &source;
  body->read = [from, key](uint64_t offset,
                           size_t max) -> std::shared_ptr<const std::vector<uint8_t>> {
    auto bytes = from->read(key, std::make_pair(offset, static_cast<uint64_t>(max)));
    if (!bytes) {
      spdlog::warn("vod: reading {} at {} failed: {}", key, offset, bytes.error().message);
      return nullptr;
    }
    return std::make_shared<const Bytes>(std::move(bytes->data));
  };
  r.streamed = std::move(body);
  return r;
}

// Serves one object: playlists with the token carried into their URIs, media as bytes, ranges
// for the MP4.
net::Response serve(ReplaySource& source, const VodOptions& options, const net::Request& req,
                    const std::string& key, bool playlist, const char* content_type,
                    bool download = false) {
  const std::string tq = token_query(req);
  const std::string range_header(req.header("range"));
  if (download && range_header.empty()) {
    // Only the download can be large (segments are seconds long): only it pays the size probe.
    auto size = source.size(key);
    if (!size) return storage_error(size.error());
    if (*size > options.whole_max_bytes) return serve_large(source, options, req, key, *size);
  }
  if (playlist || range_header.empty()) {
    auto bytes = source.read(key, std::nullopt);
    if (!bytes) return storage_error(bytes.error());
    net::Response r = media(200, content_type, !tq.empty());
    if (playlist && !tq.empty()) {
      r.body = hls::add_query_to_playlist_uris(as_string_view(bytes->data), tq);
    } else {
      r.shared_body = std::make_shared<const Bytes>(std::move(bytes->data));
    }
    return r;
  }
  // The size first, then the range asked for, capped.
  auto probe = source.size(key);
  if (!probe) return storage_error(probe.error());
  const uint64_t size = *probe;
  auto range = parse_byte_range(range_header, size);
  if (!range) {
    net::Response r = error(416, "range_not_satisfiable", "the range is outside the file");
    r.headers["content-range"] = fmt::format("bytes */{}", size);
    return r;
  }
  range->second = std::min(range->second, kMaxRange);
  auto bytes = source.read(key, *range);
  if (!bytes) return storage_error(bytes.error());
  net::Response r = media(206, content_type, !tq.empty());
  r.headers["content-range"] = fmt::format("bytes {}-{}/{}", range->first,
                                           range->first + bytes->data.size() - 1, size);
  r.shared_body = std::make_shared<const Bytes>(std::move(bytes->data));
  return r;
}

net::Response handle(ReplaySource& source, const VodOptions& options, const net::Request& req) {
  const std::string id = req.param("id");
  const std::string rendition = req.params.count("rendition") ? req.param("rendition") : "";
  const std::string file = req.param("file");
  if (id.empty() || id.size() > 64) return error(404, "not_found", "no such recording");
  auto rec = source.recording(id);
  if (!rec) {
    if (rec.error().code == "not_found") return error(404, "not_found", "no such recording");
    return error(503, "unavailable", "the recording cannot be looked up now; retry");
  }
  if (!rec->playable) return error(404, "not_found", "this recording cannot be replayed");
  if (!source.may_play(rec->stream_id, req))
    return error(403, "forbidden", "replay of this stream is not allowed");
  if (rendition.empty()) {
    if (file == hls::kMultivariantPlaylistName)
      return serve(source, options, req, rec->prefix + "/" + file, true, kPlaylistType);
    if (file == "recording.mp4" && !rec->mp4_key.empty())
      return serve(source, options, req, rec->mp4_key, false, "video/mp4", true);
    return error(404, "not_found", "no such file in the recording");
  }
  const auto name = hls::parse_resource_name(file);
  if (!name || !hls::valid_rendition_name(rendition) ||
      name->kind == hls::ResourceName::Kind::Part)
    return error(404, "not_found", "no such file in the recording");
  const std::string key = rec->prefix + "/" + rendition + "/" + file;
  const bool playlist = name->kind == hls::ResourceName::Kind::MediaPlaylist;
  return serve(source, options, req, key, playlist, playlist ? kPlaylistType : "video/mp4");
}

}  // namespace

std::optional<std::pair<uint64_t, uint64_t>> parse_byte_range(std::string_view h, uint64_t size) {
  if (!h.starts_with("bytes=") || size == 0) return std::nullopt;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return std::nullopt;
  const size_t dash = h.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto num = [](std::string_view s) -> std::optional<uint64_t> {
    if (s.empty() || s.size() > 19) return std::nullopt;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  const std::string_view a = h.substr(0, dash);
  const std::string_view b = h.substr(dash + 1);
  if (a.empty()) {  // the last n bytes
    auto n = num(b);
    if (!n || *n == 0) return std::nullopt;
    const uint64_t len = std::min(*n, size);
    return std::pair<uint64_t, uint64_t>{size - len, len};
  }
  auto first = num(a);
  if (!first || *first >= size) return std::nullopt;
  uint64_t last = size - 1;
  if (!b.empty()) {
    auto l = num(b);
    if (!l || *l < *first) return std::nullopt;
    last = std::min(*l, size - 1);
  }
  return std::pair<uint64_t, uint64_t>{*first, last - *first + 1};
}

void add_vod_routes(net::Router& router, ReplaySource& source, WorkerPool& pool,
                    VodOptions options) {
  options.pool = &pool;
  auto route = [&source, &pool, options](const net::Request& req, net::Respond respond) {
    auto copy = std::make_shared<net::Request>(req);
    const bool posted =
        pool.post([&source, options, copy, respond] { respond(handle(source, options, *copy)); });
    if (!posted) respond(error(503, "overloaded", "too many replay requests; retry"));
  };
  router.add_async("GET", "/vod/{id}/{file}", route);
  router.add_async("GET", "/vod/{id}/{rendition}/{file}", route);
  for (const char* pattern : {"/vod/{id}/{file}", "/vod/{id}/{rendition}/{file}"}) {
    router.add_async("OPTIONS", pattern, [](const net::Request&, net::Respond respond) {
      net::Response r;
      r.status = 204;
      r.headers["access-control-allow-origin"] = "*";
      r.headers["access-control-allow-methods"] = "GET, HEAD, OPTIONS";
      r.headers["access-control-allow-headers"] = "range";
      r.headers["access-control-max-age"] = "86400";
      respond(std::move(r));
    });
  }
}

}  // namespace stagecast::api
