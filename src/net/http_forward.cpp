#include "net/http_forward.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <memory>

namespace stagecast::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Result<Origin> parse_origin(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.compare(0, kScheme.size(), kScheme) != 0) {
    return make_error("invalid_url", "a node's URL must be http://host[:port] to be proxied");
  }
  std::string rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) {
    return make_error("invalid_url", "a node's URL is http://host[:port], without a path");
  }
  Origin o;
  if (rest.front() == '[') {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string::npos) return make_error("invalid_url", "unclosed IPv6 literal");
    o.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return make_error("invalid_url", "bad port");
    o.port = rest.empty() ? "80" : rest.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    o.host = rest.substr(0, colon);
    o.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  }
  if (o.host.empty() || o.port.empty() || o.port.size() > 5 ||
      o.port.find_first_not_of("0123456789") != std::string::npos || std::stoi(o.port) == 0 ||
      std::stoi(o.port) > 65535) {
    return make_error("invalid_url", "a node's URL needs a host and a port in 1..65535");
  }
  return o;
}

namespace {

struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::any_io_executor ex, std::function<void(Result<Response>)> d, ForwardOptions o)
      : resolver(ex), stream(ex), done(std::move(d)), options(o) {}

  tcp::resolver resolver;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::empty_body> request;
  http::response_parser<http::string_body> parser;
  std::function<void(Result<Response>)> done;
  ForwardOptions options;

  void finish(Result<Response> r) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    if (auto d = std::move(done)) d(std::move(r));
  }

  void fail(const beast::error_code& ec, std::string_view stage) {
    if (ec == beast::error::timeout) {
      return finish(make_error("upstream_timeout",
                               "the node holding the stream did not answer "
                               "in time"));
    }
    if (stage == "read") {
      return finish(make_error("upstream_invalid",
                               "the node holding the stream answered unreadably: " + ec.message()));
    }
    finish(make_error("upstream_unreachable",
                      "the node holding the stream is unreachable: " + ec.message()));
  }

  void start(const Origin& origin) {
    parser.body_limit(options.body_limit);
    parser.header_limit(64 * 1024);
    stream.expires_after(options.timeout);
    resolver.async_resolve(
        origin.host, origin.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return self->fail(ec, "resolve");
          self->stream.async_connect(results, [self](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return self->fail(ec2, "connect");
            http::async_write(self->stream, self->request, [self](beast::error_code ec3, size_t) {
              if (ec3) return self->fail(ec3, "write");
              self->read();
            });
          });
        });
  }

  void read() {
    http::async_read(
        stream, buffer, parser, [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->fail(ec, "read");
          auto& res = self->parser.get();
          Response out;
          out.status = static_cast<int>(res.result_int());
          for (const char* name :
               {"content-type", "cache-control", "etag", "last-modified", "location"}) {
            if (auto it = res.find(name); it != res.end())
              out.headers[name] = std::string(it->value());
          }
          out.body = std::move(res.body());
          self->finish(std::move(out));
        });
  }
};

}  // namespace

void forward_get(asio::any_io_executor executor, const Origin& origin, const std::string& target,
                 const std::string& user_agent, std::function<void(Result<Response>)> done,
                 ForwardOptions options) {
  auto x = std::make_shared<Exchange>(executor, std::move(done), options);
  x->request.method(http::verb::get);
  x->request.target(target);
  x->request.version(11);
  x->request.set(http::field::host, origin.host.find(':') != std::string::npos
                                        ? "[" + origin.host + "]:" + origin.port
                                        : origin.host + ":" + origin.port);
  x->request.set(http::field::connection, "close");
  if (!user_agent.empty()) x->request.set(http::field::user_agent, user_agent);
  x->start(origin);
}

}  // namespace stagecast::net
