#pragma once
// Email addresses as account identifiers: one canonical form so that "Ann@Example.com " and
// "ann@example.com" are the same account.

#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::platform {

inline constexpr size_t kEmailMaxLength = 254;  // RFC 5321 §4.5.3.1.3 path limit minus <>

// Trims surrounding whitespace and lowercases the whole address, then validates it.
// Lowercasing the local part is a deliberate departure from RFC 5321 (§2.4 lets the local part be
// case-sensitive): no provider in practice treats it so, and two accounts that differ only in case
// would be a support and phishing problem.
// Accepted: dot-atom local part (RFC 5322 §3.2.3, 1..64 chars) "@" a DNS name of at least two
// labels (letters, digits, hyphens, 1..63 chars, no leading/trailing hyphen, TLD not all digits).
// Refused: quoted local parts, IP literals, non-ASCII (the platform sends punycode).
// Errors: validation_failed.
Result<std::string> normalize_email(std::string_view raw);

}  // namespace stagecast::platform
