#pragma once
// /api/livestream/{id}/recordings: a stream's recordings and clips (docs/recording.md).
//
//   GET    /api/livestream/{id}/recordings          by access: the list; replay and download
//                                                   URLs (signed) when the caller may watch
//   DELETE /api/livestream/{id}/recordings/{rid}    owner or admin: the recording and its objects

#include "api/api_context.h"
#include "net/router.h"
#include "platform/recording_service.h"

namespace stagecast::api {

void add_recording_routes(net::Router& router, ApiContext& ctx,
                          platform::RecordingService& recordings);

// A recording as the API shows it; `token_query` ("token=...", or empty) signs its URLs.
nlohmann::json recording_json(const ApiContext& ctx, const store::Recording& r, bool may_watch,
                              const std::string& token_query);

}  // namespace stagecast::api
