#include "platform/artist_requests.h"

#include <spdlog/spdlog.h>

#include "platform/errors.h"

namespace stagecast::platform {

Result<ArtistRequestOutcome> ArtistRequests::request(const Identity& caller) {
  if (caller.token_source == TokenSource::Platform) {
    return make_error(errc::kForbidden,
                      "your platform manages roles: ask it to make you an artist");
  }
  auto user = store_->users().find_by_id(caller.user_id);
  if (!user) {
    if (user.error().code == errc::kNotFound) {
      return make_error(errc::kUnauthorized, "the account no longer exists");
    }
    return errc::from_store(user.error());
  }
  if (user->role != store::Role::kFan) {
    return make_error(errc::kConflict, "the account is already an artist or an admin");
  }
  const int64_t now = clock_->unix_millis();
  if (auto_grant_) {
    user->role = store::Role::kArtist;
    user->artist_requested_at.reset();
  } else if (!user->artist_requested_at) {
    user->artist_requested_at = now;
  } else {
    return ArtistRequestOutcome{std::move(user).value(), false};  // asked before: still waiting
  }
  user->updated_at = now;
  auto saved = store_->users().update(*user);
  if (!saved) return errc::from_store(saved.error());
  spdlog::info("user {} asked to become an artist: {}", saved->id,
               auto_grant_ ? "granted" : "waiting for the operator");
  return ArtistRequestOutcome{std::move(saved).value(), auto_grant_};
}

Result<store::User> ArtistRequests::answer(const Identity& operator_, const std::string& user_id,
                                           bool approve) {
  if (!operator_.is_operator) return make_error(errc::kForbidden, "only the operator answers");
  auto user = store_->users().find_by_id(user_id);
  if (!user) return errc::from_store(user.error());
  if (!user->artist_requested_at || user->role != store::Role::kFan) {
    return make_error(errc::kNotFound, "no request to become an artist is waiting");
  }
  if (approve) user->role = store::Role::kArtist;
  user->artist_requested_at.reset();
  user->updated_at = clock_->unix_millis();
  auto saved = store_->users().update(*user);
  if (!saved) return errc::from_store(saved.error());
  spdlog::info("operator {} {} user {}'s request to become an artist", operator_.user_id,
               approve ? "approved" : "declined", user_id);
  return saved;
}

}  // namespace stagecast::platform
