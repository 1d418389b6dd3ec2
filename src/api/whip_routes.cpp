#include "api/whip_routes.h"

#include <nlohmann/json.hpp>

namespace stagecast::api {

namespace {

constexpr size_t kMaxOfferBytes = 64 * 1024;

void add_cors(net::Response& r) {
  r.headers["access-control-allow-origin"] = "*";
  r.headers["access-control-expose-headers"] = "Location, ETag, Accept-Patch, Accept-Post";
}

int status_for(std::string_view code) {
  if (code.starts_with("sdp_"))
    return code == "sdp_too_large" ? 413 : code == "sdp_malformed" ? 400 : 422;
  if (code == "invalid_key" || code == "unauthorized") return 401;
  if (code == "not_allowed") return 403;
  if (code == "not_found") return 404;
  if (code == "already_publishing" || code == "stream_ended") return 409;
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

}  // namespace

void add_whip_routes(net::Router& router, ingest::webrtc::WhipServer& whip) {
  router.add(
      "OPTIONS", "/whip/{id}",
      [](const net::Request&) { return preflight("POST, OPTIONS", false); }, net::Dispatch::Inline);
  router.add(
      "OPTIONS", "/whip/{id}/sessions/{sid}",
      [](const net::Request&) { return preflight("PATCH, DELETE, OPTIONS", true); },
      net::Dispatch::Inline);

  router.add_async("POST", "/whip/{id}", [&whip](const net::Request& req, net::Respond respond) {
    if (!content_type_is(req, "application/sdp")) {
      return respond(error(make_error("unsupported_media_type",
                                      "the offer must be sent as Content-Type: application/sdp")));
    }
    const std::string bearer = req.bearer_token();
    if (bearer.empty()) {
      return respond(error(make_error(
          "unauthorized", "Authorization: Bearer <stream key or session token> is required")));
    }
    if (req.body.size() > kMaxOfferBytes) {
      return respond(error(make_error("sdp_too_large", "the offer is larger than 64 KiB")));
    }
    ingest::webrtc::WhipOffer offer;
    offer.stream_id = req.param("id");
    offer.sdp = req.body;
    offer.bearer = bearer;
    offer.remote_address = req.remote_address;
    const std::string id = offer.stream_id;
    whip.offer(std::move(offer), [respond, id](Result<ingest::webrtc::WhipAnswer> answer) {
      if (!answer) return respond(error(answer.error()));
      net::Response r;
      r.status = 201;
      r.headers["content-type"] = "application/sdp";
      r.headers["location"] = "/whip/" + id + "/sessions/" + answer->session_id;
      r.headers["etag"] = answer->etag;
      r.headers["accept-patch"] = "application/trickle-ice-sdpfrag";
      r.headers["cache-control"] = "no-store";
      r.body = std::move(answer->sdp);
      add_cors(r);
      respond(std::move(r));
    });
  });

  router.add_async(
      "PATCH", "/whip/{id}/sessions/{sid}", [&whip](const net::Request& req, net::Respond respond) {
        if (!content_type_is(req, "application/trickle-ice-sdpfrag")) {
          return respond(
              error(make_error("unsupported_media_type",
                               "PATCH takes Content-Type: application/trickle-ice-sdpfrag")));
        }
        if (req.body.size() > kMaxOfferBytes) {
          return respond(error(make_error("sdp_too_large", "the fragment is larger than 64 KiB")));
        }
        whip.patch(req.param("id"), req.param("sid"), req.bearer_token(),
                   std::string(req.header("if-match")), req.body,
                   [respond](Result<ingest::webrtc::WhipPatchResult> result) {
                     if (!result) return respond(error(result.error()));
                     net::Response r;
                     r.status = result->status;
                     r.headers["etag"] = result->etag;
                     if (!result->body.empty()) {
                       r.headers["content-type"] = "application/trickle-ice-sdpfrag";
                       r.body = std::move(result->body);
                     }
                     add_cors(r);
                     respond(std::move(r));
                   });
      });

  router.add_async("DELETE", "/whip/{id}/sessions/{sid}",
                   [&whip](const net::Request& req, net::Respond respond) {
                     whip.end(req.param("id"), req.param("sid"), req.bearer_token(),
                              [respond](Result<void> result) {
                                if (!result) return respond(error(result.error()));
                                net::Response r;
                                r.status = 200;
                                add_cors(r);
                                respond(std::move(r));
                              });
                   });
}

}  // namespace stagecast::api
