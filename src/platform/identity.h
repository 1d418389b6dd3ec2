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
  std::optional<store::PayoutsStatus> payouts_status;
  std::optional<std::string> payouts_reason;
  bool payouts_simulated = false;
  std::optional<int64_t> artist_requested_at;  // a fan waiting for an operator to make them artist
  // The operator of this server (docs/web.md, Operator page): set by AccountService.
  bool is_operator = false;

  // DESIGN.md's canUserStream: role ARTIST with a connected Stripe account that Stripe lets
  // take charges and payouts (docs/payments.md, Payout verification). An account synced by the
  // hosting platform, of which Stripe said nothing here, counts as the platform says.
  bool verified_artist() const {
    return role == store::Role::kArtist && stripe_account_id && !stripe_account_id->empty() &&
           (!payouts_status || *payouts_status == store::PayoutsStatus::kEnabled);
  }
};

inline Identity identity_of(const store::User& user, TokenSource source = TokenSource::Local) {
  Identity id{user.id,         user.email, user.display_name,  user.role, user.stripe_account_id,
              user.created_at, source,     user.payouts_status};
  id.payouts_reason = user.payouts_reason;
  id.payouts_simulated = user.payouts_simulated;
  id.artist_requested_at = user.artist_requested_at;
  return id;
}

inline bool is_verified_artist(const store::User& user) {
  return identity_of(user).verified_artist();
}

}  // namespace stagecast::platform
