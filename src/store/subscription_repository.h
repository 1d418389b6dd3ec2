#pragma once
// Fan -> artist subscriptions with a tier, synced from the platform (one row per pair).

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class SubscriptionRepository {
 public:
  virtual ~SubscriptionRepository() = default;

  // Inserts or replaces tier, status, expires_at, updated_at of (fan_id, artist_id); keeps
  // created_at of an existing row. invalid_argument: tier < 1; unknown fan or artist.
  virtual Result<Subscription> upsert(const Subscription& s) = 0;
  virtual Result<Subscription> find(const std::string& fan_id, const std::string& artist_id) = 0;
  // Subscriptions that count at `now_ms`: status ACTIVE and (no expiry or expiry after now).
  virtual Result<std::vector<Subscription>> list_active_for_artist(const std::string& artist_id,
                                                                   int64_t now_ms) = 0;
  virtual Result<std::vector<Subscription>> list_for_fan(const std::string& fan_id) = 0;
  // The most recently changed first (the operator page).
  virtual Result<std::vector<Subscription>> list_recent(int limit) = 0;
};

}  // namespace stagecast::store
