#pragma once
// What the WHIP and WHEP routes share (RFC 9725; draft-ietf-wish-whep): the JSON error answer
// with the status each error code means, CORS for a page on another origin, the content type
// checks, and the OPTIONS answers.

#include <string_view>

#include "core/result.h"
#include "net/router.h"

namespace stagecast::api::webrtc_http {

inline constexpr size_t kMaxOfferBytes = 64 * 1024;

void add_cors(net::Response& r);
// sdp_* 400/413/422, invalid_key and unauthorized 401, not_allowed 403, not_found and not_live
// 404, already_publishing and stream_ended 409, precondition_failed 412,
// unsupported_media_type 415, busy and unavailable 503; anything else 500.
int status_for(std::string_view code);
net::Response error(const Error& e);
bool content_type_is(const net::Request& req, std::string_view want);
// `session`: the answer for a session's URL (PATCH, DELETE) rather than the endpoint (POST).
net::Response preflight(std::string_view methods, bool session);

}  // namespace stagecast::api::webrtc_http
