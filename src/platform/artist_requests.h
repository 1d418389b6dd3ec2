#pragma once
// Becoming an artist (docs/web.md, "Becoming an artist"): a fan who signed up here asks from the
// Studio. Granted at once, or kept waiting for the operator, by configuration
// (accounts.artist_approval: "auto", the default of the embedded setup, or "operator", the
// default in production mode). Accounts of a hosting platform (platform tokens) get their role
// from the platform's admin API only, and are refused here.
// Synchronous (store): call on a worker thread.
//
// Errors: forbidden (platform account), conflict (already an artist or admin), unauthorized
// (account gone), db_unavailable.

#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "platform/identity.h"
#include "store/store.h"

namespace stagecast::platform {

struct ArtistRequestOutcome {
  store::User user;
  bool granted = false;  // role ARTIST now; else waiting for the operator
};

class ArtistRequests {
 public:
  // Borrowed; must outlive this object. `auto_grant`: no operator needed.
  ArtistRequests(store::Store& store, const Clock& clock, bool auto_grant)
      : store_(&store), clock_(&clock), auto_grant_(auto_grant) {}

  bool auto_grant() const { return auto_grant_; }

  Result<ArtistRequestOutcome> request(const Identity& caller);

  // The operator answers a waiting request: approve makes the fan an ARTIST, decline forgets
  // the request. Errors: forbidden (not the operator), not_found (no such user or no request
  // waiting), db_unavailable.
  Result<store::User> answer(const Identity& operator_, const std::string& user_id, bool approve);

 private:
  store::Store* store_;
  const Clock* clock_;
  bool auto_grant_;
};

}  // namespace stagecast::platform
