#pragma once
// The Error::code values platform services return, and the HTTP status each stands for. The API
// layer maps codes to statuses with http_status_for(); the transport itself stays out of here.
//
//   validation_failed      422  input breaks a rule (message names the field)
//   unauthorized           401  missing, malformed, expired or unknown bearer token or stream key
//   invalid_credentials    401  login: unknown email or wrong password (deliberately one answer)
//   login_required         401  the action needs a signed-in caller
//   forbidden              403  the caller's role may not do this (a fan creating a stream, ...)
//   artist_not_verified    403  not a verified artist (role ARTIST and a Stripe account id)
//   not_owner              403  only the stream's owner (or an admin) may do this
//   not_moderator          403
//   subscription_required  403
//   tier_required          403
//   ticket_required        403
//   banned                 403  banned from the artist's channel
//   timed_out              403  timed out in the artist's channel
//   chat_disabled          403
//   cannot_tip_self        403
//   cannot_buy_own_ticket  403  the owner (or an admin) buying a ticket
//   not_found              404  no such user or stream (deleted streams included)
//   conflict               409  email taken; a change the stream's state does not allow
//   stream_ended           409
//   stream_not_live        409
//   not_a_paid_stream      409  a ticket for a stream that is not PAID
//   price_changed          409  the price the buyer confirmed is no longer the price
//   ticket_price_unavailable 409  the stream's price is outside the ticket limits or currency
//   db_unavailable         503  the store cannot be reached; retry later
//   storage_unavailable    503  the object store (recordings) cannot be reached; retry later
//   clip_out_of_range      422  a clip outside its recording
//   recording_not_ready    409  no finished recording to cut a clip from (yet)
//   internal               500
//   invalid_config         500  start-up only (PlatformServices::create)
//   token_*                401  codes of JwtVerifier / PlaybackTokenSigner (jwt.h,
//                               playback_token.h) when passed on unchanged; /hls may prefer 403

#include <string_view>

#include "core/result.h"

namespace stagecast::platform::errc {

inline constexpr const char* kValidationFailed = "validation_failed";
inline constexpr const char* kUnauthorized = "unauthorized";
inline constexpr const char* kInvalidCredentials = "invalid_credentials";
inline constexpr const char* kLoginRequired = "login_required";
inline constexpr const char* kForbidden = "forbidden";
inline constexpr const char* kArtistNotVerified = "artist_not_verified";
inline constexpr const char* kNotOwner = "not_owner";
inline constexpr const char* kNotFound = "not_found";
inline constexpr const char* kConflict = "conflict";
inline constexpr const char* kStreamEnded = "stream_ended";
inline constexpr const char* kStreamNotLive = "stream_not_live";
inline constexpr const char* kDbUnavailable = "db_unavailable";
inline constexpr const char* kInternal = "internal";

// The status for any code above (and for the access policy's reason codes); 500 for unknown ones.
int http_status_for(std::string_view code);

// A store error as a service reports it: not_found, conflict and db_unavailable pass through;
// invalid_transition becomes conflict; invalid_argument becomes validation_failed; anything else
// is internal. The message is kept (store messages hold no secrets).
Error from_store(Error error);

}  // namespace stagecast::platform::errc
