#include "api/whep_routes.h"

#include "api/webrtc_http.h"

namespace stagecast::api {

using webrtc_http::add_cors;
using webrtc_http::error;

void add_whep_routes(net::Router& router, whep::WhepServer& whep, WhepAccessCheck check) {
  router.add(
      "OPTIONS", "/whep/{id}",
      [](const net::Request&) { return webrtc_http::preflight("POST, OPTIONS", false); },
      net::Dispatch::Inline);
  router.add(
      "OPTIONS", "/whep/{id}/sessions/{sid}",
      [](const net::Request&) { return webrtc_http::preflight("PATCH, DELETE, OPTIONS", true); },
      net::Dispatch::Inline);

  router.add_async(
      "POST", "/whep/{id}", [&whep, check](const net::Request& req, net::Respond respond) {
        if (!webrtc_http::content_type_is(req, "application/sdp")) {
          return respond(
              error(make_error("unsupported_media_type",
                               "the offer must be sent as Content-Type: application/sdp")));
        }
        if (req.body.size() > webrtc_http::kMaxOfferBytes) {
          return respond(error(make_error("sdp_too_large", "the offer is larger than 64 KiB")));
        }
        const std::string id = req.param("id");
        auto viewer = check(id, req);
        if (!viewer) {
          return respond(error(make_error(
              "not_allowed", "this stream needs a playback token (the token query parameter)")));
        }
        whep.offer(id, req.body, req.remote_address, std::move(*viewer),
                   [respond, id](Result<whep::WhepAnswer> answer) {
                     if (!answer) return respond(error(answer.error()));
                     net::Response r;
                     r.status = 201;
                     r.headers["content-type"] = "application/sdp";
                     r.headers["location"] = "/whep/" + id + "/sessions/" + answer->session_id;
                     r.headers["etag"] = answer->etag;
                     r.headers["accept-patch"] = "application/trickle-ice-sdpfrag";
                     r.headers["cache-control"] = "no-store";
                     r.body = std::move(answer->sdp);
                     add_cors(r);
                     respond(std::move(r));
                   });
      });

  router.add_async(
      "PATCH", "/whep/{id}/sessions/{sid}",
      [&whep, check](const net::Request& req, net::Respond respond) {
        if (!req.header("authorization").empty()) {
          // A fresh playback token: the session now lasts as long as it does.
          auto viewer = check(req.param("id"), req);
          if (!viewer) {
            return respond(error(make_error("not_allowed", "the playback token is not valid")));
          }
          if (auto renewed = whep.renew(req.param("id"), req.param("sid"), viewer->expires_at_ms);
              !renewed) {
            return respond(error(renewed.error()));
          }
          if (req.body.empty()) {
            net::Response r;
            r.status = 204;
            add_cors(r);
            return respond(std::move(r));
          }
        }
        if (!webrtc_http::content_type_is(req, "application/trickle-ice-sdpfrag")) {
          return respond(
              error(make_error("unsupported_media_type",
                               "PATCH takes Content-Type: application/trickle-ice-sdpfrag")));
        }
        if (req.body.size() > webrtc_http::kMaxOfferBytes) {
          return respond(error(make_error("sdp_too_large", "the fragment is larger than 64 KiB")));
        }
        whep.patch(req.param("id"), req.param("sid"), std::string(req.header("if-match")), req.body,
                   [respond](Result<whep::WhepPatchResult> result) {
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

  router.add_async("DELETE", "/whep/{id}/sessions/{sid}",
                   [&whep](const net::Request& req, net::Respond respond) {
                     whep.end(req.param("id"), req.param("sid"), [respond](Result<void> result) {
                       if (!result) return respond(error(result.error()));
                       net::Response r;
                       r.status = 200;
                       add_cors(r);
                       respond(std::move(r));
                     });
                   });
}

}  // namespace stagecast::api
