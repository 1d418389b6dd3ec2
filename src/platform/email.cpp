#include "platform/email.h"

#include <algorithm>

namespace stagecast::platform {
namespace {

bool is_atext(char c) {
  // RFC 5322 §3.2.3 atext, after lowercasing.
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(c) != std::string_view::npos;
}

bool valid_local_part(std::string_view local) {
  if (local.empty() || local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  if (local.find("..") != std::string_view::npos) return false;
  return std::all_of(local.begin(), local.end(), [](char c) { return c == '.' || is_atext(c); });
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool valid_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  size_t labels = 0;
  std::string_view last;
  size_t start = 0;
  while (true) {
    const size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!valid_label(label)) return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const bool alpha_tld =
      std::any_of(last.begin(), last.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  return labels >= 2 && alpha_tld;
}

}  // namespace

Result<std::string> normalize_email(std::string_view raw) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = raw.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return make_error("validation_failed", "email is required");
  const size_t last = raw.find_last_not_of(kSpace);
  std::string email(raw.substr(first, last - first + 1));
  if (email.size() > kEmailMaxLength) {
    return make_error("validation_failed", "email is too long");
  }
  std::transform(email.begin(), email.end(), email.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  const size_t at = email.find('@');
  if (at == std::string::npos || email.find('@', at + 1) != std::string::npos ||
      !valid_local_part(std::string_view(email).substr(0, at)) ||
      !valid_domain(std::string_view(email).substr(at + 1))) {
    return make_error("validation_failed", "email is not a valid address");
  }
  return email;
}

}  // namespace stagecast::platform
