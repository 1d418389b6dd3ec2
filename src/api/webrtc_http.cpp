#include "api/webrtc_http.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace stagecast::api::webrtc_http {

void add_cors(net::Response& r) {
  r.headers["access-control-allow-origin"] = "*";
  r.headers["access-control-expose-headers"] = "Location, ETag, Accept-Patch, Accept-Post";
}

int status_for(std::string_view code) {
  if (code.starts_with("sdp_"))
    return code == "sdp_too_large" ? 413 : code == "sdp_malformed" ? 400 : 422;
  if (code == "invalid_key" || code == "unauthorized") return 401;
  if (code == "not_allowed") return 403;
  if (code == "not_found" || code == "not_live") return 404;
  if (code == "already_publishing" || code == "stream_ended" || code == "no_realtime_rendition")
    return 409;
  if (code == "precondition_failed") return 412;
  if (code == "unsupported_media_type") return 415;
  if (code == "busy" || code == "unavailable") return 503;
  return 500;
}

net::Response error(const Error& e) {
  net::Response r = net::Response::json(
      status_for(e.code),
      nlohmann::json{{"error", {{"code", e.code}, {"message", e.message}}}}.dump());
  if (r.status == 401) r.headers["www-authenticate"] = "Bearer";
  if (r.status == 503) r.headers["retry-after"] = "5";
  add_cors(r);
  return r;
}

bool content_type_is(const net::Request& req, std::string_view want) {
  std::string_view ct = req.header("content-type");
  const size_t semicolon = ct.find(';');
  if (semicolon != std::string_view::npos) ct = ct.substr(0, semicolon);
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  if (ct.size() != want.size()) return false;
  for (size_t i = 0; i < ct.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(ct[i])) != want[i]) return false;
  }
  return true;
}

net::Response preflight(std::string_view methods, bool session) {
  net::Response r;
  r.status = 204;
  add_cors(r);
  r.headers["access-control-allow-methods"] = std::string(methods);
  r.headers["access-control-allow-headers"] = "Authorization, Content-Type, If-Match";
  r.headers["access-control-max-age"] = "86400";
  if (session) {
    r.headers["accept-patch"] = "application/trickle-ice-sdpfrag";
  } else {
    r.headers["accept-post"] = "application/sdp";
  }
  return r;
}

}  // namespace stagecast::api::webrtc_http
