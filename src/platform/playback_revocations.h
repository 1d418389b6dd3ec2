#pragma once
// PlaybackRevocations: bans and timeouts as the HLS path needs them, in memory. A playback token
// stays valid until it expires (minutes); a ban must end playback at once, on every stream of
// the artist. ModerationService tells this listener of each ban, timeout and unban; the HLS
// access check asks revoked() on every request, a map lookup, no database read.
//
// Scope: what was decided while this process runs. Tokens are issued only to users the access
// policy lets watch (bans are checked there, against the store), so after a restart a token
// issued before an earlier ban is the one gap, for at most its lifetime.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "platform/moderation_events.h"

namespace stagecast::platform {

class PlaybackRevocations final : public ModerationEvents {
 public:
  void moderated(const store::ModerationAction& action) override;

  // Whether the viewer is banned, or timed out until after now, in the artist's channel.
  bool revoked(const std::string& artist_id, const std::string& viewer_id, int64_t now_ms) const;

 private:
  mutable std::mutex mu_;
  // (artist, user) -> until when (unix ms); none: until unbanned.
  std::map<std::pair<std::string, std::string>, std::optional<int64_t>> until_;
};

}  // namespace stagecast::platform
