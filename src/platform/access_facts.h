#pragma once
// Gathers from the store the facts AccessPolicy decides on: the caller's subscription, ticket,
// moderator appointment and ban in the stream's channel, and whether the stream's owner is a
// verified artist. Kept apart from the policy so the policy stays a pure function.

#include <optional>

#include "core/clock.h"
#include "core/result.h"
#include "platform/access_policy.h"
#include "platform/identity.h"
#include "store/store.h"

namespace stagecast::platform {

// The tier of a subscription that counts at now_ms (status ACTIVE and not expired), else 0.
int active_tier(const std::optional<store::Subscription>& subscription, int64_t now_ms);

class AccessFacts {
 public:
  AccessFacts(store::Store& store, const Clock& clock) : store_(&store), clock_(&clock) {}

  // caller null = anonymous. Errors: db_unavailable.
  Result<Subject> subject(const Identity* caller, const store::LiveStream& stream) const;

  // Loads the owner to tell whether they are (still) verified. Errors: db_unavailable.
  Result<StreamFacts> stream_facts(const store::LiveStream& stream) const;
  static StreamFacts stream_facts(const store::LiveStream& stream, bool owner_verified);

 private:
  store::Store* store_;
  const Clock* clock_;
};

}  // namespace stagecast::platform
