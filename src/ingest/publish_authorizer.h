#pragma once
// The one question ingest asks the platform before a publisher may go live: is this stream key
// valid (the stream's current key, owned by a verified artist)? app/ implements it over the
// platform's stream service; the media path never sees the database.

#include <functional>
#include <string>

#include "core/result.h"

namespace stagecast::ingest {

struct PublishRequest {
  std::string protocol;        // "rtmp" or "whip"
  std::string app;             // RTMP application, e.g. "live"
  // RTMP: the stream key. WHIP: the bearer token, either the stream key or the owner's session
  // token (the Studio). A secret either way: never log it (core/log.h redact()).
  std::string stream_name;
  std::string stream_id;       // WHIP: the stream its URL names (the grant must be this one)
  std::string remote_address;  // "ip:port" of the publisher
};

struct PublishGrant {
  std::string stream_id;  // the live stream the key belongs to: one StreamHub per stream id
};

class PublishAuthorizer {
 public:
  virtual ~PublishAuthorizer() = default;
  // Must not block: the caller is an I/O thread. `done` is called exactly once, on any thread,
  // now or later (production runs the lookup on a worker pool); callers post back to their own
  // executor. An Error's code says why: "invalid_key", "not_allowed" (not a verified artist),
  // "stream_ended", or "unavailable" (the platform could not answer).
  virtual void authorize(const PublishRequest& request,
                         std::function<void(Result<PublishGrant>)> done) = 0;
};

}  // namespace stagecast::ingest
