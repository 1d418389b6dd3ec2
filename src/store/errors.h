#pragma once
// The error codes every store implementation returns (Error::code). Callers branch on these.

#include <string>

#include "core/result.h"

namespace stagecast::store::errc {

inline constexpr const char* kNotFound = "not_found";
// A unique constraint (duplicate email, stream key hash, idempotency key, ...).
inline constexpr const char* kConflict = "conflict";
// The database cannot be reached or answered with an I/O, lock or corruption error, or a fault
// was injected: the caller may retry later; chat and media must keep flowing without it.
inline constexpr const char* kDbUnavailable = "db_unavailable";
// A status change not allowed from the current status (stream lifecycle, tip edges).
inline constexpr const char* kInvalidTransition = "invalid_transition";
// A record that breaks a rule of the schema (tier < 1, negative amount, unknown foreign key).
inline constexpr const char* kInvalidArgument = "invalid_argument";
// A bug (bad SQL, misuse of the API): never the caller's fault, log and answer 500.
inline constexpr const char* kInternal = "internal";
// The URL names a backend this binary does not have (yet).
inline constexpr const char* kUnsupported = "unsupported_backend";
// The database was migrated by a newer binary.
inline constexpr const char* kSchemaTooNew = "schema_too_new";

}  // namespace stagecast::store::errc
