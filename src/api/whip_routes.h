#pragma once
// WHIP over HTTP (RFC 9725), thin over ingest/webrtc's WhipServer (docs/webrtc.md):
//
//   OPTIONS /whip/{id}                        CORS preflight; Accept-Post: application/sdp
//   POST    /whip/{id}                        SDP offer in (Bearer: stream key or the owner's
//                                             session token); 201, SDP answer, Location, ETag
//   OPTIONS /whip/{id}/sessions/{sid}         CORS preflight; Accept-Patch
//   PATCH   /whip/{id}/sessions/{sid}         trickle-ice-sdpfrag: 204 (candidates), 200 (ICE
//                                             restart, with our new credentials), 412 (If-Match)
//   DELETE  /whip/{id}/sessions/{sid}         ends the session; 200
//
// Errors are the API's JSON `{"error": {"code", "message"}}`; every response carries CORS
// headers so a browser on another origin can publish (the credential is a header, never a
// cookie, so any origin may be allowed).

#include "ingest/webrtc/whip_server.h"
#include "net/router.h"

namespace stagecast::api {

void add_whip_routes(net::Router& router, ingest::webrtc::WhipServer& whip);

}  // namespace stagecast::api
