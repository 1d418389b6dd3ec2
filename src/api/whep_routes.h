#pragma once
// WHEP playback (draft-ietf-wish-whep; docs/webrtc.md):
//
//   POST   /whep/{id}                  SDP offer in; 201, the answer, Location, ETag
//   PATCH  /whep/{id}/sessions/{sid}   trickle-ice-sdpfrag: candidates (204) or an ICE restart
//   DELETE /whep/{id}/sessions/{sid}   ends the session
//
// POST is allowed by the same rule as HLS: a PUBLIC stream, or a valid playback token for it in
// the `token` query parameter or as `Authorization: Bearer`; without access, 403 and no session.
// The session URL's random id is what allows PATCH and DELETE. A session made with a token ends
// when the token runs out, unless a PATCH carrying a fresh one (`Authorization: Bearer`, with an
// empty body or a fragment) renews it first.

#include <functional>
#include <optional>
#include <string>

#include "net/router.h"
#include "whep/whep_server.h"

namespace stagecast::api {

// Who may play (the request's token, its User-Agent); nullopt: refused.
using WhepAccessCheck = std::function<std::optional<whep::WhepViewer>(const std::string& stream_id,
                                                                      const net::Request&)>;

void add_whep_routes(net::Router& router, whep::WhepServer& whep, WhepAccessCheck check);

}  // namespace stagecast::api
