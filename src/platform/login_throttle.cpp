#include "platform/login_throttle.h"

#include <algorithm>
#include <cmath>

namespace stagecast::platform {

namespace {

std::string key_of(std::string_view account) {
  std::string k(account);
  for (char& c : k) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return k;
}

}  // namespace

std::string_view address_host(std::string_view peer) {
  if (peer.starts_with('[')) {
    const size_t end = peer.find(']');
    return end == std::string_view::npos ? peer : peer.substr(1, end - 1);
  }
  const size_t colon = peer.rfind(':');
  if (colon != std::string_view::npos && peer.find(':') == colon) return peer.substr(0, colon);
  return peer;
}

template <typename Map>
void LoginThrottle::bound(Map& map, int64_t now_ms) {
  if (map.size() < options_.max_tracked) return;
  // Idle entries first (a lock that has run out, a bucket idle long enough to be full again).
  const auto refill_ms = static_cast<int64_t>(60'000.0 * options_.attempts_burst /
                                              std::max(1e-9, options_.attempts_per_minute));
  std::erase_if(map, [&](const auto& e) {
    if constexpr (std::is_same_v<typename Map::mapped_type, AccountState>) {
      return e.second.locked_until <= now_ms;
    } else {
      return now_ms - e.second.at >= refill_ms;
    }
  });
  if (map.size() >= options_.max_tracked) map.clear();  // a flood of distinct keys: start over
}

std::optional<std::chrono::milliseconds> LoginThrottle::admit(std::string_view account,
                                                              std::string_view address,
                                                              int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (!account.empty()) {
    auto it = accounts_.find(key_of(account));
    if (it != accounts_.end() && it->second.locked_until > now_ms)
      return std::chrono::milliseconds(it->second.locked_until - now_ms);
  }
  const std::string host(address_host(address));
  auto it = addresses_.find(host);
  if (it == addresses_.end()) {
    bound(addresses_, now_ms);
    it = addresses_.emplace(host, Bucket{options_.attempts_burst, now_ms}).first;
  }
  Bucket& b = it->second;
  const double rate_per_ms = options_.attempts_per_minute / 60'000.0;
  b.tokens = std::min(options_.attempts_burst,
                      b.tokens + static_cast<double>(now_ms - b.at) * rate_per_ms);
  b.at = now_ms;
  if (b.tokens < 1.0) {
    const auto wait = static_cast<int64_t>(std::ceil((1.0 - b.tokens) / rate_per_ms));
    return std::chrono::milliseconds(std::max<int64_t>(1, wait));
  }
  b.tokens -= 1.0;
  return std::nullopt;
}

void LoginThrottle::failed(std::string_view account, int64_t now_ms) {
  if (account.empty()) return;
  std::lock_guard lock(mu_);
  const std::string key = key_of(account);
  if (!accounts_.contains(key)) bound(accounts_, now_ms);
  AccountState& s = accounts_[key];
  ++s.failures;
  const int over = s.failures - options_.free_failures;
  if (over <= 0) return;
  const int64_t first = options_.first_delay.count();
  const int64_t delay =
      over >= 30 ? options_.max_delay.count()
                 : std::min<int64_t>(options_.max_delay.count(), first << std::min(over - 1, 29));
  s.locked_until = now_ms + delay;
}

size_t LoginThrottle::tracked() const {
  std::lock_guard lock(mu_);
  return accounts_.size() + addresses_.size();
}

void LoginThrottle::succeeded(std::string_view account) {
  std::lock_guard lock(mu_);
  accounts_.erase(key_of(account));
}

}  // namespace stagecast::platform
