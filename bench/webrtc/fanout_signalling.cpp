#include "fanout_signalling.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace stagecast::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;

HttpUrl parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) throw std::runtime_error("not an http:// URL: " + url);
  std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) {
    out.host = authority;
  } else {
    out.host = authority.substr(0, colon);
    out.port = static_cast<uint16_t>(std::stoi(authority.substr(colon + 1)));
  }
  return out;
}

HttpResponse http_request(const std::string& method, const HttpUrl& url, const std::string& target,
                          const std::string& content_type, const std::string& body) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::ip::tcp::resolver resolver(io);
  asio::connect(socket, resolver.resolve(url.host, std::to_string(url.port)));
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, url.host);
  req.set(http::field::connection, "close");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  http::read(socket, buffer, parser);
  beast::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  const auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  if (auto it = res.find(http::field::location); it != res.end()) {
    out.location = std::string(it->value());
  }
  return out;
}

WhepAnswer whep_offer(const HttpUrl& endpoint, const std::string& offer) {
  HttpResponse r = http_request("POST", endpoint, endpoint.target, "application/sdp", offer);
  if (r.status != 201) {
    throw std::runtime_error("WHEP offer: HTTP " + std::to_string(r.status) + " " + r.body);
  }
  return WhepAnswer{r.body, r.location};
}

void whep_delete(const HttpUrl& endpoint, const std::string& location) {
  std::string path = location;
  if (path.rfind("http", 0) == 0) path = parse_http_url(location).target;
  try {
    (void)http_request("DELETE", endpoint, path, "", "");
  } catch (const std::exception&) {
    // best effort: the server may be gone already
  }
}

std::string JanusViewer::post(const std::string& target, const std::string& body) {
  HttpResponse r = http_request("POST", api_, target, "application/json", body);
  if (r.status != 200) throw std::runtime_error("Janus: HTTP " + std::to_string(r.status));
  return r.body;
}

std::string JanusViewer::watch(int mountpoint) {
  auto call = [&](const std::string& target, json request) {
    request["transaction"] = std::to_string(++transaction_);
    json reply = json::parse(post(target, request.dump()));
    const std::string kind = reply.value("janus", "");
    if (kind != "success" && kind != "ack") {
      throw std::runtime_error("Janus refused " + request.value("janus", "") + ": " + reply.dump());
    }
    return reply;
  };
  session_ = call(api_.target, json{{"janus", "create"}})["data"]["id"].get<uint64_t>();
  const std::string session_path = api_.target + "/" + std::to_string(session_);
  handle_ = call(session_path,
                 json{{"janus", "attach"}, {"plugin", "janus.plugin.streaming"}})["data"]["id"]
                .get<uint64_t>();
  call(session_path + "/" + std::to_string(handle_),
       json{{"janus", "message"}, {"body", {{"request", "watch"}, {"id", mountpoint}}}});
  // The offer comes as an event on the session's long poll.
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = http_request("GET", api_, session_path + "?maxev=1", "", "");
    if (r.status != 200)
      throw std::runtime_error("Janus long poll: HTTP " + std::to_string(r.status));
    json event = json::parse(r.body);
    if (event.is_array()) event = event.empty() ? json::object() : event[0];
    if (event.contains("jsep")) return event["jsep"]["sdp"].get<std::string>();
    if (event.value("janus", "") == "event" && event["plugindata"]["data"].contains("error")) {
      throw std::runtime_error("Janus watch: " + event["plugindata"]["data"].dump());
    }
  }
  throw std::runtime_error("Janus sent no offer");
}

void JanusViewer::start(const std::string& answer) {
  json request{{"janus", "message"},
               {"transaction", std::to_string(++transaction_)},
               {"body", {{"request", "start"}}},
               {"jsep", {{"type", "answer"}, {"sdp", answer}}}};
  json reply =
      json::parse(post(api_.target + "/" + std::to_string(session_) + "/" + std::to_string(handle_),
                       request.dump()));
  if (reply.value("janus", "") != "ack" && reply.value("janus", "") != "success") {
    throw std::runtime_error("Janus start: " + reply.dump());
  }
}

void JanusViewer::destroy() {
  if (session_ == 0) return;
  try {
    json request{{"janus", "destroy"}, {"transaction", std::to_string(++transaction_)}};
    (void)post(api_.target + "/" + std::to_string(session_), request.dump());
  } catch (const std::exception&) {
    // best effort
  }
  session_ = 0;
}

}  // namespace stagecast::bench
