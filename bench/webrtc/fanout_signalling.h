#pragma once
// Signalling for the fan-out benchmark's viewers (bench/webrtc/fanout.mjs): WHEP (an SDP offer
// POSTed to Stagecast, the answer back) and Janus's HTTP API for its streaming plugin (a session,
// a handle on janus.plugin.streaming, "watch" a mountpoint: Janus sends the offer, the viewer
// answers with "start"). Blocking HTTP/1.1 over loopback, one connection per request: it runs
// only while viewers are being added, never while a window is measured.

#include <cstdint>
#include <string>

namespace stagecast::bench {

struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target;  // path and query
};

// "http://host:port/path?query"; throws std::runtime_error on anything else.
HttpUrl parse_http_url(const std::string& url);

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string location;
};

// Throws std::runtime_error on a connection or protocol error (not on a non-2xx status).
HttpResponse http_request(const std::string& method, const HttpUrl& url, const std::string& target,
                          const std::string& content_type, const std::string& body);

// WHEP: POST the offer; returns the answer and the session's URL path. Throws unless 201.
struct WhepAnswer {
  std::string sdp;
  std::string location;
};
WhepAnswer whep_offer(const HttpUrl& endpoint, const std::string& offer);
void whep_delete(const HttpUrl& endpoint, const std::string& location);

// Janus: one session and one streaming handle per viewer.
class JanusViewer {
 public:
  explicit JanusViewer(HttpUrl api) : api_(std::move(api)) {}
  // create + attach + watch; returns Janus's offer. Throws on any error.
  std::string watch(int mountpoint);
  // "start" with our answer. Throws on any error.
  void start(const std::string& answer);
  // Destroys the session (best effort).
  void destroy();

 private:
  std::string post(const std::string& target, const std::string& json);
  HttpUrl api_;  // .../janus
  uint64_t session_ = 0;
  uint64_t handle_ = 0;
  uint64_t transaction_ = 0;
};

}  // namespace stagecast::bench
