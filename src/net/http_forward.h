#pragma once
// One GET passed on to another HTTP/1.1 server and its response brought back: how a node serves
// HLS of a stream another node of the cluster ingests, when it proxies instead of redirecting
// (cluster.hls_mode = proxy, docs/operations.md "Multi-node"). Asynchronous on the executor given
// (no thread is held while the other node holds a blocking playlist reload), bounded in time and
// in the size of what it brings back; Beast parses the response (framing, chunked bodies).

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "core/result.h"
#include "net/http_message.h"

namespace stagecast::net {

struct ForwardOptions {
  std::chrono::milliseconds timeout{15'000};  // the whole exchange (a held reload lasts < 10 s)
  size_t body_limit = 64u << 20;              // a part or segment is a few MB
};

// An origin as a node announces it: http://host[:port] (no path, no TLS: nodes talk over the
// private network). Errors: invalid_url.
struct Origin {
  std::string host;
  std::string port;
};
Result<Origin> parse_origin(const std::string& url);

// GETs `target` (path and query) from `origin`, with the request's User-Agent passed on, and
// calls `done` (on the executor) with the response: its status, body and the headers a player
// needs (content-type, cache-control, etag, last-modified). Errors: upstream_unreachable,
// upstream_timeout, upstream_invalid (a response that does not parse or is too large).
void forward_get(boost::asio::any_io_executor executor, const Origin& origin,
                 const std::string& target, const std::string& user_agent,
                 std::function<void(Result<Response>)> done, ForwardOptions options = {});

}  // namespace stagecast::net
