#include "platform/payout_verification.h"

#include <spdlog/spdlog.h>

#include "platform/errors.h"
#include "platform/stripe_event_types.h"

namespace stagecast::platform {

using store::PayoutsStatus;
using stripe_events::kAccountUpdated;

Result<std::optional<WebhookOutcome>> PayoutVerification::apply_payment_event(
    const payments::WebhookEvent& e) {
  using Outcome = std::optional<WebhookOutcome>;
  if (e.type != kAccountUpdated || e.object_type != "account" || e.object_id.empty()) {
    return Outcome{};
  }
  auto user = store_->users().find_by_stripe_account(e.object_id);
  if (!user) {
    if (user.error().code == errc::kNotFound) return Outcome{};
    return errc::from_store(user.error());
  }
  WebhookOutcome out{e.id, e.type, false, "unchanged", std::nullopt, std::nullopt, false};
  const bool enabled = e.charges_enabled == true && e.payouts_enabled == true;
  PayoutsStatus next = PayoutsStatus::kEnabled;
  std::optional<std::string> reason;
  if (!enabled) {
    const bool was_enabled =
        !user->payouts_status || *user->payouts_status != PayoutsStatus::kPending;
    next = was_enabled ? PayoutsStatus::kDisabled : PayoutsStatus::kPending;
    reason = e.disabled_reason
                 ? *e.disabled_reason
                 : std::string(e.charges_enabled == true ? "payouts_disabled" : "charges_disabled");
  }
  auto set = store_->users().set_payouts(user->id, e.object_id, next, reason, simulated_, e.created,
                                         clock_->unix_millis());
  if (!set) return errc::from_store(set.error());
  if (!*set) {
    out.effect = "stale";  // a later event was applied already
    return Outcome(out);
  }
  out.effect = next == PayoutsStatus::kEnabled    ? "payouts_enabled"
               : next == PayoutsStatus::kDisabled ? "payouts_disabled"
                                                  : "payouts_pending";
  spdlog::info("artist {}: payouts {}{}{}", user->id, store::to_string(next),
               reason ? " (" + *reason + ")" : "", simulated_ ? " [sandbox]" : "");
  return Outcome(out);
}

std::string payouts_reason_text(const std::optional<std::string>& reason) {
  if (!reason) return "";
  const std::string& r = *reason;
  if (r.starts_with("requirements.past_due")) {
    return "Stripe needs more information about you or your business";
  }
  if (r.starts_with("requirements.pending_verification")) {
    return "Stripe is verifying the information you gave";
  }
  if (r.starts_with("rejected.")) return "Stripe rejected the account";
  if (r == "listed") return "Stripe is reviewing the account";
  if (r == "under_review") return "Stripe is reviewing the account";
  if (r == "platform_paused") return "payouts are paused by the platform";
  if (r == "charges_disabled") return "the account cannot take payments";
  if (r == "payouts_disabled") return "payouts to the account are disabled";
  return "Stripe has disabled the account (" + r + ")";
}

}  // namespace stagecast::platform
