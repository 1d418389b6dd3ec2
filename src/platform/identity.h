#pragma once
// Who is calling: the user behind a verified bearer token, as the store knows them now (role and
// Stripe account are read from the store on every authentication, so a change synced by the
// platform takes effect at once, whatever the token says). Never carries the password hash.

#include <cstdint>
#include <optional>
#include <string>

#include "platform/jwt.h"
#include "store/records.h"

namespace stagecast::platform {

struct Identity {
  std::string user_id;
  std::string email;
  std::string display_name;
  store::Role role = store::Role::kFan;
  std::optional<std::string> stripe_account_id;
  int64_t created_at = 0;  // unix ms
  TokenSource token_source = TokenSource::Local;

  // DESIGN.md's canUserStream: role ARTIST with a connected Stripe account.
  bool verified_artist() const {
    return role == store::Role::kArtist && stripe_account_id && !stripe_account_id->empty();
  }
};

inline Identity identity_of(const store::User& user, TokenSource source = TokenSource::Local) {
  return Identity{user.id,         user.email, user.display_name, user.role, user.stripe_account_id,
                  user.created_at, source};
}

inline bool is_verified_artist(const store::User& user) {
  return user.role == store::Role::kArtist && user.stripe_account_id &&
         !user.stripe_account_id->empty();
}

}  // namespace stagecast::platform
