#pragma once
// Accounts: self-registration and login (argon2id passwords, our HS256 tokens), bearer-token
// authentication (ours, or the hosting platform's HS256/RS256/ES256), and the admin API by which
// the platform syncs users, roles, Stripe account ids and subscriptions.
// Synchronous: run it on a worker pool (a password hash takes tens of milliseconds by design).
//
// Decisions:
//  * Emails are normalised (platform/email.h) before they are stored or looked up.
//  * Login answers invalid_credentials alike for an unknown email, a platform-synced account
//    without a password, and a wrong password, and spends one argon2id verification in every
//    case, so neither the answer nor its timing tells whether an email is registered.
//  * A token's role claim is never trusted: the role comes from the store on each call. A
//    platform token for a user the admin API has not synced yet is accepted when it carries a
//    valid email claim: the user is created on the spot as a FAN (display name from the name
//    claim); roles above FAN only ever come from the admin API. Without an email it is refused.
//  * Self-registration offers FAN or ARTIST, never ADMIN.
//
// Errors: see errors.h.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "platform/identity.h"
#include "platform/jwt.h"
#include "platform/operator_role.h"
#include "platform/password.h"
#include "store/store.h"

namespace stagecast::platform {

struct RegisterRequest {
  std::string email;
  std::string password;
  std::string display_name;
  std::string role;  // "FAN" | "ARTIST"
};

struct Session {
  Identity user;
  IssuedToken token;
};

struct AdminUserUpsert {
  std::string id;    // the platform's user id: 1..128 of [A-Za-z0-9_.:-]
  std::string role;  // "FAN" | "ARTIST" | "ADMIN"
  // Absent: keep (new user: none); null: remove; a value: "acct_" followed by letters/digits.
  std::optional<std::optional<std::string>> stripe_account_id;
  std::optional<std::string> display_name;  // absent: keep (new user: the email's local part)
  std::optional<std::string> email;         // absent: keep; required for a new user
};

struct AdminSubscriptionUpsert {
  std::string fan_id;
  std::string artist_id;
  int tier = 1;                       // 1..100
  std::string status;                 // "ACTIVE" | "CANCELED" | "EXPIRED"
  std::optional<int64_t> expires_at;  // unix ms; none = open-ended
};

inline constexpr size_t kDisplayNameMaxChars = 64;

class AccountService {
 public:
  // All collaborators are borrowed and must outlive the service.
  AccountService(store::Store& store, const PasswordHasher& hasher, const JwtIssuer& issuer,
                 const JwtVerifier& verifier, const Clock& clock);

  // Who operates the server (Identity::is_operator). Not owned; set while wiring.
  void set_operator_role(OperatorRole* operators) { operators_ = operators; }

  // Errors: validation_failed, conflict (email registered), db_unavailable.
  Result<Session> register_account(const RegisterRequest& request);
  // Errors: invalid_credentials, db_unavailable.
  Result<Session> login(std::string_view email, std::string_view password);
  // Errors: not_found, db_unavailable.
  Result<Identity> get_user(const std::string& id);

  // The caller behind "Authorization: Bearer <token>". Errors: unauthorized (the message says
  // why: expired, bad signature, unknown user...), db_unavailable.
  Result<Identity> authenticate(std::string_view bearer_token);

  // Errors: validation_failed, conflict (email taken by another user), db_unavailable.
  Result<Identity> admin_upsert_user(const AdminUserUpsert& request);
  // Errors: validation_failed, not_found (fan or artist unknown), db_unavailable.
  Result<store::Subscription> admin_upsert_subscription(const AdminSubscriptionUpsert& request);

 private:
  Result<Identity> provision_platform_user(const Claims& claims);
  Identity with_operator(Identity identity, const store::User& user);

  store::Store* store_;
  const PasswordHasher* hasher_;
  const JwtIssuer* issuer_;
  const JwtVerifier* verifier_;
  const Clock* clock_;
  OperatorRole* operators_ = nullptr;
};

// 1..64 characters after trimming, no control characters. Errors: validation_failed.
Result<std::string> checked_display_name(std::string_view raw);

}  // namespace stagecast::platform
