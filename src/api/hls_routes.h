#pragma once
// HTTP delivery of Low-Latency HLS from memory (docs/hls.md):
//
//   GET /hls/{id}/master.m3u8                     multivariant playlist
//   GET /hls/{id}/{rendition}/index.m3u8          media playlist; _HLS_msn/_HLS_part block
//   GET /hls/{id}/{rendition}/init.mp4            CMAF header (init-V.mp4 after a codec change)
//   GET /hls/{id}/{rendition}/seg{N}.m4s          segment
//   GET /hls/{id}/{rendition}/part{N}.{P}.m4s     part; the preload-hinted one is held until done
//
// Every route is asynchronous: a blocking reload or a hinted part parks a callback in the
// RenditionStore and the I/O thread moves on; the response is sent from whichever thread
// completes it (net::Respond may be called from any thread).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hls/rendition_store.h"
#include "net/router.h"

namespace stagecast::api {

// Whether this request may play this stream: true for a PUBLIC stream, or when the `token` query
// parameter is a valid signed playback token for it. Runs on an I/O thread: it must not block
// (no database round trip; cached visibility and an HMAC check).
using HlsAccessCheck = std::function<bool(const std::string& stream_id, const net::Request&)>;

// Told of every request that passed the access check (analytics counts playback sessions by the
// `sid` query parameter, docs/analytics.md); `rendition` is empty for the multivariant playlist.
// Runs on an I/O thread: it must not block.
using HlsRequestObserver = std::function<void(
    const std::string& stream_id, const std::string& rendition, const net::Request& request)>;

// With several nodes: the public base URL of the node that holds the stream when it is not this
// one (docs/operations.md, "Multi-node"); requests for it are redirected there (307, the path and
// query kept). Runs on an I/O thread: a cached answer, no I/O.
using HlsElsewhere = std::function<std::optional<std::string>(const std::string& stream_id)>;
// Set (cluster.hls_mode = proxy): such a request is passed on to that node (`base`) and its
// answer relayed, instead of the redirect. Asynchronous; answers through `respond`.
using HlsForward =
    std::function<void(const std::string& base, const net::Request& request, net::Respond respond)>;

void add_hls_routes(net::Router& router, hls::RenditionStore& store, HlsAccessCheck check,
                    HlsRequestObserver observer = {}, HlsElsewhere elsewhere = {},
                    HlsForward forward = {});

// The handlers behind those routes; public so tests can drive them without a server.
class HlsDelivery {
 public:
  HlsDelivery(hls::RenditionStore& store, HlsAccessCheck check, HlsRequestObserver observer = {},
              HlsElsewhere elsewhere = {}, HlsForward forward = {});

  void master(const net::Request& request, const net::Respond& respond) const;
  // /hls/{id}/{rendition}/{file}
  void rendition_resource(const net::Request& request, const net::Respond& respond) const;
  static net::Response preflight();

 private:
  hls::RenditionStore& store_;
  HlsAccessCheck check_;
  HlsRequestObserver observer_;
  HlsElsewhere elsewhere_;
  HlsForward forward_;

  // When another node holds the stream: a 307 there, or the request passed on (forward_);
  // true when answered so.
  bool served_elsewhere(const std::string& stream_id, const net::Request& request,
                        const net::Respond& respond) const;
};

}  // namespace stagecast::api
