#include "platform/errors.h"

#include <array>
#include <utility>

namespace stagecast::platform::errc {

int http_status_for(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, int>, 38> kStatuses{{
      {"validation_failed", 422},
      {"unauthorized", 401},
      {"invalid_credentials", 401},
      {"login_required", 401},
      {"forbidden", 403},
      {"artist_not_verified", 403},
      {"not_owner", 403},
      {"not_moderator", 403},
      {"subscription_required", 403},
      {"tier_required", 403},
      {"ticket_required", 403},
      {"banned", 403},
      {"timed_out", 403},
      {"chat_disabled", 403},
      {"cannot_tip_self", 403},
      {"cannot_buy_own_ticket", 403},
      {"not_a_paid_stream", 409},
      {"price_changed", 409},
      {"ticket_price_unavailable", 409},
      {"not_found", 404},
      {"conflict", 409},
      {"stream_ended", 409},
      {"stream_not_live", 409},
      {"db_unavailable", 503},
      {"storage_unavailable", 503},
      {"clip_out_of_range", 422},
      {"recording_not_ready", 409},
      {"internal", 500},
      {"invalid_config", 500},
      // JwtVerifier and PlaybackTokenSigner codes, for callers that pass them on unchanged.
      {"token_too_large", 401},
      {"token_malformed", 401},
      {"token_algorithm_rejected", 401},
      {"token_signature_invalid", 401},
      {"token_expired", 401},
      {"token_not_yet_valid", 401},
      {"token_issuer_rejected", 401},
      {"token_audience_rejected", 401},
      {"token_claims_invalid", 401},
  }};
  for (const auto& [name, status] : kStatuses) {
    if (name == code) return status;
  }
  return 500;
}

Error from_store(Error error) {
  if (error.code == kNotFound || error.code == kConflict || error.code == kDbUnavailable) {
    return error;
  }
  if (error.code == "invalid_transition") return make_error(kConflict, std::move(error.message));
  if (error.code == "invalid_argument") {
    return make_error(kValidationFailed, std::move(error.message));
  }
  return make_error(kInternal, std::move(error.message));
}

}  // namespace stagecast::platform::errc
