#include "platform/artist_onboarding.h"

#include <spdlog/spdlog.h>

#include "platform/errors.h"

namespace stagecast::platform {

ArtistOnboarding::ArtistOnboarding(store::Store& store, payments::PaymentProvider& provider,
                                   const Clock& clock)
    : store_(&store), provider_(&provider), clock_(&clock) {}

Result<OnboardingLink> ArtistOnboarding::start(const Identity& caller, const std::string& return_url,
                                               const std::string& refresh_url) {
  auto user = store_->users().find_by_id(caller.user_id);
  if (!user) {
    if (user.error().code == errc::kNotFound) {
      return make_error(errc::kUnauthorized, "the account no longer exists");
    }
    return errc::from_store(user.error());
  }
  if (user->role != store::Role::kArtist) {
    return make_error(errc::kForbidden, "only artists connect a payout account");
  }
  OnboardingLink out;
  if (user->stripe_account_id && !user->stripe_account_id->empty()) {
    out.account_id = *user->stripe_account_id;
  } else {
    payments::ConnectedAccountRequest request{user->email, user->id,
                                              "stagecast-account-" + user->id};
    auto account = provider_->create_connected_account(request);
    if (!account) return account.error();
    user->stripe_account_id = account->id;
    // Not verified until Stripe's account.updated says charges and payouts are enabled.
    user->payouts_status = store::PayoutsStatus::kPending;
    user->payouts_reason.reset();
    user->payouts_event_at = 0;
    user->updated_at = clock_->unix_millis();
    auto saved = store_->users().update(*user);
    if (!saved) return errc::from_store(saved.error());
    out.account_id = account->id;
    out.account_created = true;
    spdlog::info("artist {}: connected account {} created", user->id, account->id);
  }
  auto link = provider_->create_account_link({out.account_id, refresh_url, return_url});
  if (!link) return link.error();
  out.url = std::move(link->url);
  out.expires_at = link->expires_at;
  return out;
}

}  // namespace stagecast::platform
