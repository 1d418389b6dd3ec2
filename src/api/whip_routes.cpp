#include "api/whip_routes.h"

#include "api/webrtc_http.h"

namespace stagecast::api {

void add_whip_routes(net::Router& router, ingest::webrtc::WhipServer& whip) {
  router.add(
      "OPTIONS", "/whip/{id}",
      [](const net::Request&) { return webrtc_http::preflight("POST, OPTIONS", false); },
      net::Dispatch::Inline);
  router.add(
      "OPTIONS", "/whip/{id}/sessions/{sid}",
      [](const net::Request&) { return webrtc_http::preflight("PATCH, DELETE, OPTIONS", true); },
      net::Dispatch::Inline);

  router.add_async("POST", "/whip/{id}", [&whip](const net::Request& req, net::Respond respond) {
    if (!webrtc_http::content_type_is(req, "application/sdp")) {
      return respond(webrtc_http::error(make_error(
          "unsupported_media_type", "the offer must be sent as Content-Type: application/sdp")));
    }
    const std::string bearer = req.bearer_token();
    if (bearer.empty()) {
      return respond(webrtc_http::error(make_error(
          "unauthorized", "Authorization: Bearer <stream key or session token> is required")));
    }
    if (req.body.size() > webrtc_http::kMaxOfferBytes) {
      return respond(
          webrtc_http::error(make_error("sdp_too_large", "the offer is larger than 64 KiB")));
    }
    ingest::webrtc::WhipOffer offer;
    offer.stream_id = req.param("id");
    offer.sdp = req.body;
    offer.bearer = bearer;
    offer.remote_address = req.remote_address;
    const std::string id = offer.stream_id;
    whip.offer(std::move(offer), [respond, id](Result<ingest::webrtc::WhipAnswer> answer) {
      if (!answer) return respond(webrtc_http::error(answer.error()));
      net::Response r;
      r.status = 201;
      r.headers["content-type"] = "application/sdp";
      r.headers["location"] = "/whip/" + id + "/sessions/" + answer->session_id;
      r.headers["etag"] = answer->etag;
      r.headers["accept-patch"] = "application/trickle-ice-sdpfrag";
      r.headers["cache-control"] = "no-store";
      r.body = std::move(answer->sdp);
      webrtc_http::add_cors(r);
      respond(std::move(r));
    });
  });

  router.add_async(
      "PATCH", "/whip/{id}/sessions/{sid}", [&whip](const net::Request& req, net::Respond respond) {
        if (!webrtc_http::content_type_is(req, "application/trickle-ice-sdpfrag")) {
          return respond(webrtc_http::error(
              make_error("unsupported_media_type",
                         "PATCH takes Content-Type: application/trickle-ice-sdpfrag")));
        }
        if (req.body.size() > webrtc_http::kMaxOfferBytes) {
          return respond(webrtc_http::error(
              make_error("sdp_too_large", "the fragment is larger than 64 KiB")));
        }
        whip.patch(req.param("id"), req.param("sid"), req.bearer_token(),
                   std::string(req.header("if-match")), req.body,
                   [respond](Result<ingest::webrtc::WhipPatchResult> result) {
                     if (!result) return respond(webrtc_http::error(result.error()));
                     net::Response r;
                     r.status = result->status;
                     r.headers["etag"] = result->etag;
                     if (!result->body.empty()) {
                       r.headers["content-type"] = "application/trickle-ice-sdpfrag";
                       r.body = std::move(result->body);
                     }
                     webrtc_http::add_cors(r);
                     respond(std::move(r));
                   });
      });

  router.add_async("DELETE", "/whip/{id}/sessions/{sid}",
                   [&whip](const net::Request& req, net::Respond respond) {
                     whip.end(req.param("id"), req.param("sid"), req.bearer_token(),
                              [respond](Result<void> result) {
                                if (!result) return respond(webrtc_http::error(result.error()));
                                net::Response r;
                                r.status = 200;
                                webrtc_http::add_cors(r);
                                respond(std::move(r));
                              });
                   });
}

}  // namespace stagecast::api
