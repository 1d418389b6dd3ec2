#pragma once
// LoginThrottle: password guessing slowed per account and per source address, before any hash
// is computed (nginx's limit_req, Twitch's growing waits). An account's first few failures cost
// nothing; after them each failure doubles the wait before the next attempt (1 s, 2 s, 4 s...
// up to max_delay); a success clears it. A source address has a token bucket of attempts (login
// and registration together). Memory is bounded: past max_tracked entries the idle ones go first.
// Thread-safe; cheap enough for an I/O thread (a map lookup under a mutex).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace stagecast::platform {

struct LoginThrottleOptions {
  int free_failures = 5;  // per account, before waits begin
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds max_delay{15 * 60 * 1000};
  double attempts_per_minute = 30;  // per source address (refill rate)
  double attempts_burst = 30;
  size_t max_tracked = 100'000;  // accounts and addresses each
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottleOptions options = {}) : options_(options) {}

  // Before the attempt: nullopt to go ahead (one address token is spent), or how long until the
  // caller may try again (429 with Retry-After). An empty account checks the address only.
  std::optional<std::chrono::milliseconds> admit(std::string_view account, std::string_view address,
                                                 int64_t now_ms);
  void failed(std::string_view account, int64_t now_ms);
  void succeeded(std::string_view account);
  // Entries held (accounts + addresses), for tests and metrics.
  size_t tracked() const;

 private:
  struct AccountState {
    int failures = 0;
    int64_t locked_until = 0;
  };
  struct Bucket {
    double tokens = 0;
    int64_t at = 0;
  };
  template <typename Map>
  void bound(Map& map, int64_t now_ms);

  const LoginThrottleOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, AccountState> accounts_;
  std::unordered_map<std::string, Bucket> addresses_;
};

// "127.0.0.1:5555" -> "127.0.0.1", "[::1]:5555" -> "::1": the host part of a peer address.
std::string_view address_host(std::string_view peer);

}  // namespace stagecast::platform
