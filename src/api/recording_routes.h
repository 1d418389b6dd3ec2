#pragma once
// /api/livestream/{id}/recordings: a stream's recordings and clips (docs/recording.md).
//
//   GET    /api/livestream/{id}/recordings          by access: the list; replay and download
//                                                   URLs (signed) when the caller may watch
//   DELETE /api/livestream/{id}/recordings/{rid}    owner or admin: the recording and its objects
//   POST   /api/livestream/{id}/clips               owner, admin, moderators: cut a clip

#include <functional>
#include <optional>

#include "api/api_context.h"
#include "net/router.h"
#include "platform/recording_service.h"

namespace stagecast::api {

struct ClipInput {
  std::optional<std::string> recording_id;
  int64_t start_ms = 0;
  int64_t duration_ms = 0;
  std::string title;
};
// Cuts a clip (app/ over the object store); blocking. Returns the clip's row.
using ClipCutter = std::function<Result<store::Recording>(
    const platform::Identity& caller, const std::string& stream_id, const ClipInput& input)>;

// Longest clip: 5 minutes.
inline constexpr int64_t kMaxClipMs = 300'000;

void add_recording_routes(net::Router& router, ApiContext& ctx,
                          platform::RecordingService& recordings, ClipCutter cut_clip);

// A recording as the API shows it; `token_query` ("token=...", or empty) signs its URLs.
nlohmann::json recording_json(const ApiContext& ctx, const store::Recording& r, bool may_watch,
                              const std::string& token_query);

}  // namespace stagecast::api
