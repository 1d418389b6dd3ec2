#include "platform/account_service.h"

#include <algorithm>

#include "core/log.h"
#include "platform/email.h"
#include "platform/errors.h"
#include "platform/text.h"

namespace stagecast::platform {
namespace {

Error invalid(std::string message) {
  return make_error(errc::kValidationFailed, std::move(message));
}

bool valid_user_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
  });
}

bool valid_stripe_account_id(std::string_view id) {
  // Stripe Connect account ids look like "acct_1Nv0FGQ9RKHgCVdK".
  constexpr std::string_view kPrefix = "acct_";
  if (id.size() <= kPrefix.size() || id.size() > 255 || id.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  const std::string_view rest = id.substr(kPrefix.size());
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

std::string local_part(const std::string& email) {
  return email.substr(0, email.find('@'));
}

// A display name from a source we do not control (an email, a token claim): cleaned to fit.
std::string fitted_display_name(std::string_view raw, const std::string& email) {
  auto checked = checked_display_name(raw);
  if (checked) return std::move(checked).value();
  std::string fallback = local_part(email);
  if (fallback.size() > kDisplayNameMaxChars) fallback.resize(kDisplayNameMaxChars);
  return fallback;
}

Error unauthorized(std::string message) {
  return make_error(errc::kUnauthorized, std::move(message));
}

}  // namespace

Result<std::string> checked_display_name(std::string_view raw) {
  std::string name = trim(raw);
  const auto chars = utf8_length(name);
  if (!chars) return invalid("displayName must be valid UTF-8");
  if (*chars == 0 || *chars > kDisplayNameMaxChars) {
    return invalid("displayName must be 1 to 64 characters");
  }
  if (has_control_characters(name, false)) {
    return invalid("displayName must not contain control characters");
  }
  return name;
}

AccountService::AccountService(store::Store& store, const PasswordHasher& hasher,
                               const JwtIssuer& issuer, const JwtVerifier& verifier,
                               const Clock& clock)
    : store_(&store), hasher_(&hasher), issuer_(&issuer), verifier_(&verifier), clock_(&clock) {}

Result<Session> AccountService::register_account(const RegisterRequest& request) {
  auto email = normalize_email(request.email);
  if (!email) return email.error();
  auto password_ok = validate_password(request.password);
  if (!password_ok) return password_ok.error();
  auto display_name = checked_display_name(request.display_name);
  if (!display_name) return display_name.error();
  const auto role = store::parse_role(request.role);
  if (!role || *role == store::Role::kAdmin) return invalid("role must be FAN or ARTIST");

  auto hash = hasher_->hash(request.password);
  if (!hash) return hash.error();
  const int64_t now = clock_->unix_millis();
  store::User user;
  user.email = std::move(email).value();
  user.password_hash = std::move(hash).value();
  user.display_name = std::move(display_name).value();
  user.role = *role;
  user.created_at = now;
  user.updated_at = now;
  auto created = store_->users().create(user);
  if (!created) {
    if (created.error().code == errc::kConflict) {
      return make_error(errc::kConflict, "an account with this email already exists");
    }
    return errc::from_store(created.error());
  }
  spdlog::info("user {} registered as {}", created->id, store::to_string(created->role));
  Identity identity = with_operator(identity_of(*created), *created);
  IssuedToken token = issuer_->issue(identity.user_id, store::to_string(identity.role));
  return Session{std::move(identity), std::move(token)};
}

Result<Session> AccountService::login(std::string_view email, std::string_view password) {
  const auto rejected = [] {
    return make_error(errc::kInvalidCredentials, "email or password is wrong");
  };
  auto normalized = normalize_email(email);
  if (!normalized) {
    hasher_->burn_equivalent_time(password);
    return rejected();
  }
  auto user = store_->users().find_by_email(*normalized);
  if (!user) {
    if (user.error().code != errc::kNotFound) return errc::from_store(user.error());
    hasher_->burn_equivalent_time(password);
    return rejected();
  }
  if (!user->password_hash) {  // synced from the platform: it logs in there, not here
    hasher_->burn_equivalent_time(password);
    return rejected();
  }
  if (!hasher_->verify(*user->password_hash, password)) return rejected();

  if (hasher_->needs_rehash(*user->password_hash)) {
    // The cost settings went up since this hash was made; the plain password is at hand only now.
    auto rehashed = hasher_->hash(password);
    if (rehashed) {
      store::User updated = *user;
      updated.password_hash = std::move(rehashed).value();
      updated.updated_at = clock_->unix_millis();
      if (auto saved = store_->users().update(updated); !saved) {
        spdlog::warn("could not store a rehashed password for user {}: {}", user->id,
                     saved.error().code);
      }
    }
  }
  Identity identity = with_operator(identity_of(*user), *user);
  IssuedToken token = issuer_->issue(identity.user_id, store::to_string(identity.role));
  return Session{std::move(identity), std::move(token)};
}

Identity AccountService::with_operator(Identity identity, const store::User& user) {
  if (!operators_) return identity;
  auto is = operators_->is_operator(user);
  identity.is_operator = is && *is;
  return identity;
}

Result<Identity> AccountService::get_user(const std::string& id) {
  auto user = store_->users().find_by_id(id);
  if (!user) return errc::from_store(user.error());
  return identity_of(*user);
}

Result<Identity> AccountService::authenticate(std::string_view bearer_token) {
  if (bearer_token.empty()) return unauthorized("a bearer token is required");
  auto claims = verifier_->verify(bearer_token);
  if (!claims) return unauthorized(claims.error().message);
  auto user = store_->users().find_by_id(claims->subject);
  if (user) return with_operator(identity_of(*user, claims->source), *user);
  if (user.error().code != errc::kNotFound) return errc::from_store(user.error());
  if (claims->source == TokenSource::Platform) return provision_platform_user(*claims);
  return unauthorized("the account no longer exists");
}

Result<Identity> AccountService::provision_platform_user(const Claims& claims) {
  if (!valid_user_id(claims.subject)) return unauthorized("the token's subject is not a user id");
  auto email = normalize_email(claims.email);
  if (!email) return unauthorized("unknown user: the platform has not synced this account");
  const int64_t now = clock_->unix_millis();
  store::User user;
  user.id = claims.subject;
  user.email = *email;
  user.display_name = fitted_display_name(claims.name, *email);
  user.role = store::Role::kFan;
  user.created_at = now;
  user.updated_at = now;
  auto created = store_->users().create(user);
  if (created) {
    spdlog::info("user {} provisioned from a platform token", created->id);
    return identity_of(*created, TokenSource::Platform);
  }
  if (created.error().code != errc::kConflict) return errc::from_store(created.error());
  // Another request provisioned the same user a moment ago; or the email belongs to another id.
  auto again = store_->users().find_by_id(claims.subject);
  if (again) return identity_of(*again, TokenSource::Platform);
  return unauthorized("the token's email belongs to another account");
}

Result<Identity> AccountService::admin_upsert_user(const AdminUserUpsert& request) {
  if (!valid_user_id(request.id)) {
    return invalid("id must be 1 to 128 characters of letters, digits, '_', '-', '.', ':'");
  }
  const auto role = store::parse_role(request.role);
  if (!role) return invalid("role must be FAN, ARTIST or ADMIN");
  if (request.stripe_account_id && *request.stripe_account_id &&
      !valid_stripe_account_id(**request.stripe_account_id)) {
    return invalid("stripeAccountId must look like acct_...");
  }
  std::optional<std::string> email;
  if (request.email) {
    auto e = normalize_email(*request.email);
    if (!e) return e.error();
    email = std::move(e).value();
  }
  std::optional<std::string> display_name;
  if (request.display_name) {
    auto d = checked_display_name(*request.display_name);
    if (!d) return d.error();
    display_name = std::move(d).value();
  }

  const int64_t now = clock_->unix_millis();
  store::User user;
  auto existing = store_->users().find_by_id(request.id);
  if (existing) {
    user = std::move(existing).value();
    user.password_hash.reset();  // upsert keeps the stored hash when none is given
  } else if (existing.error().code == errc::kNotFound) {
    if (!email) return invalid("email is required for a new user");
    user.id = request.id;
    user.created_at = now;
  } else {
    return errc::from_store(existing.error());
  }
  if (email) user.email = *email;
  if (display_name) {
    user.display_name = *display_name;
  } else if (user.display_name.empty()) {
    user.display_name = fitted_display_name("", user.email);
  }
  user.role = *role;
  if (request.stripe_account_id) user.stripe_account_id = *request.stripe_account_id;
  user.updated_at = now;

  auto saved = store_->users().upsert(user);
  if (!saved) {
    if (saved.error().code == errc::kConflict) {
      return make_error(errc::kConflict, "the email belongs to another user");
    }
    return errc::from_store(saved.error());
  }
  spdlog::info("user {} synced: role {}, stripe account {}", saved->id,
               store::to_string(saved->role), saved->stripe_account_id ? "set" : "none");
  return identity_of(*saved);
}

Result<store::Subscription> AccountService::admin_upsert_subscription(
    const AdminSubscriptionUpsert& request) {
  if (!valid_user_id(request.fan_id) || !valid_user_id(request.artist_id)) {
    return invalid("fanId and artistId must be user ids");
  }
  if (request.fan_id == request.artist_id)
    return invalid("an artist cannot subscribe to themselves");
  if (request.tier < 1 || request.tier > 100) return invalid("tier must be 1 to 100");
  const auto status = store::parse_subscription_status(request.status);
  if (!status) return invalid("status must be ACTIVE, CANCELED or EXPIRED");
  if (request.expires_at && *request.expires_at < 0) return invalid("expiresAt must be a time");
  for (const std::string* id : {&request.fan_id, &request.artist_id}) {
    auto user = store_->users().find_by_id(*id);
    if (!user) {
      if (user.error().code == errc::kNotFound) {
        return make_error(errc::kNotFound, "user " + *id + " is not known; sync it first");
      }
      return errc::from_store(user.error());
    }
  }
  const int64_t now = clock_->unix_millis();
  store::Subscription s;
  s.fan_id = request.fan_id;
  s.artist_id = request.artist_id;
  s.tier = request.tier;
  s.status = *status;
  s.expires_at = request.expires_at;
  s.created_at = now;
  s.updated_at = now;
  auto saved = store_->subscriptions().upsert(s);
  if (!saved) return errc::from_store(saved.error());
  return saved;
}

}  // namespace stagecast::platform
