#pragma once
// What the operator page does (docs/web.md, "Operator page"). Every call checks that the caller
// is the operator (OperatorRole) and then goes through the same services as the admin API and
// the owner's routes: AccountService for roles and subscriptions, StreamService for ending a
// stream and rotating its key (acting as an admin, so the access policy decides as it does for
// the admin), ArtistRequests for requests to become an artist. Reads are the audit records as
// stored: users, subscriptions, the moderation trail, tips and webhook events.
// Synchronous (store): call on a worker thread.
//
// Errors: forbidden (not the operator), the wrapped services' errors.

#include <string>
#include <vector>

#include "core/result.h"
#include "platform/account_service.h"
#include "platform/artist_requests.h"
#include "platform/identity.h"
#include "platform/stream_service.h"
#include "store/store.h"

namespace stagecast::platform {

class OperatorConsole {
 public:
  // Borrowed; must outlive this object.
  OperatorConsole(store::Store& store, AccountService& accounts, StreamService& streams,
                  ArtistRequests& requests)
      : store_(&store), accounts_(&accounts), streams_(&streams), requests_(&requests) {}

  Result<std::vector<store::User>> users(const Identity& caller, const store::UserQuery& query);
  // role: FAN | ARTIST | ADMIN. The operator cannot change their own role (they would lock
  // themselves out of nothing, but an operator page that demotes its only admin is a trap).
  Result<Identity> set_role(const Identity& caller, const std::string& user_id,
                            const std::string& role);
  Result<store::User> answer_artist_request(const Identity& caller, const std::string& user_id,
                                            bool approve);

  Result<std::vector<store::Subscription>> subscriptions(const Identity& caller, int limit);
  Result<store::Subscription> set_subscription(const Identity& caller,
                                               const AdminSubscriptionUpsert& request);

  Result<StreamListPage> streams(const Identity& caller, const StreamQuery& query);
  Result<store::LiveStream> end_stream(const Identity& caller, const std::string& stream_id);
  Result<std::string> rotate_key(const Identity& caller, const std::string& stream_id);

  Result<std::vector<store::ModerationAction>> moderation(const Identity& caller, int limit);
  Result<std::vector<store::Tip>> tips(const Identity& caller, int limit);
  Result<std::vector<store::PaymentEvent>> payment_events(const Identity& caller, int limit);

  // The identity the services see for the operator: their own, with the admin's role.
  static Identity as_admin(const Identity& caller);

 private:
  store::Store* store_;
  AccountService* accounts_;
  StreamService* streams_;
  ArtistRequests* requests_;
};

}  // namespace stagecast::platform
