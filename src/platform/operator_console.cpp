#include "platform/operator_console.h"

#include <spdlog/spdlog.h>

#include "platform/errors.h"

namespace stagecast::platform {

namespace {

Result<void> gate(const Identity& caller) {
  if (!caller.is_operator) {
    return make_error(errc::kForbidden, "only the operator of this server may do this");
  }
  return {};
}

template <typename T>
Result<T> from_store(Result<T> r) {
  if (!r) return errc::from_store(r.error());
  return r;
}

}  // namespace

Identity OperatorConsole::as_admin(const Identity& caller) {
  Identity admin = caller;
  admin.role = store::Role::kAdmin;
  return admin;
}

Result<std::vector<store::User>> OperatorConsole::users(const Identity& caller,
                                                        const store::UserQuery& query) {
  if (auto g = gate(caller); !g) return g.error();
  return from_store(store_->users().list(query));
}

Result<Identity> OperatorConsole::set_role(const Identity& caller, const std::string& user_id,
                                           const std::string& role) {
  if (auto g = gate(caller); !g) return g.error();
  if (user_id == caller.user_id) {
    return make_error(errc::kConflict, "the operator's own role is changed in configuration");
  }
  auto user = store_->users().find_by_id(user_id);
  if (!user) return errc::from_store(user.error());
  AdminUserUpsert request;
  request.id = user_id;
  request.role = role;
  auto saved = accounts_->admin_upsert_user(request);
  if (saved) spdlog::info("operator {} set user {}'s role to {}", caller.user_id, user_id, role);
  return saved;
}

Result<store::User> OperatorConsole::answer_artist_request(const Identity& caller,
                                                           const std::string& user_id,
                                                           bool approve) {
  if (auto g = gate(caller); !g) return g.error();
  return requests_->answer(caller, user_id, approve);
}

Result<std::vector<store::Subscription>> OperatorConsole::subscriptions(const Identity& caller,
                                                                        int limit) {
  if (auto g = gate(caller); !g) return g.error();
  return from_store(store_->subscriptions().list_recent(limit));
}

Result<store::Subscription> OperatorConsole::set_subscription(
    const Identity& caller, const AdminSubscriptionUpsert& request) {
  if (auto g = gate(caller); !g) return g.error();
  auto saved = accounts_->admin_upsert_subscription(request);
  if (saved) {
    spdlog::info("operator {} set {}'s subscription to {}: tier {} {}", caller.user_id,
                 request.fan_id, request.artist_id, request.tier, request.status);
  }
  return saved;
}

Result<StreamListPage> OperatorConsole::streams(const Identity& caller, const StreamQuery& query) {
  if (auto g = gate(caller); !g) return g.error();
  const Identity admin = as_admin(caller);
  return streams_->list(&admin, query);
}

Result<store::LiveStream> OperatorConsole::end_stream(const Identity& caller,
                                                      const std::string& stream_id) {
  if (auto g = gate(caller); !g) return g.error();
  return streams_->end(as_admin(caller), stream_id);
}

Result<std::string> OperatorConsole::rotate_key(const Identity& caller,
                                                const std::string& stream_id) {
  if (auto g = gate(caller); !g) return g.error();
  return streams_->rotate_key(as_admin(caller), stream_id);
}

Result<std::vector<store::ModerationAction>> OperatorConsole::moderation(const Identity& caller,
                                                                         int limit) {
  if (auto g = gate(caller); !g) return g.error();
  return from_store(store_->moderation().list_recent_actions(limit));
}

Result<std::vector<store::Tip>> OperatorConsole::tips(const Identity& caller, int limit) {
  if (auto g = gate(caller); !g) return g.error();
  return from_store(store_->tips().list_recent(limit));
}

Result<std::vector<store::PaymentEvent>> OperatorConsole::payment_events(const Identity& caller,
                                                                         int limit) {
  if (auto g = gate(caller); !g) return g.error();
  return from_store(store_->payment_events().list_recent(limit));
}

}  // namespace stagecast::platform
