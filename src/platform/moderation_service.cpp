#include "platform/moderation_service.h"

#include <exception>

#include "core/log.h"
#include "platform/errors.h"
#include "platform/text.h"

namespace stagecast::platform {

using store::ModerationActionKind;

namespace {

Error forbidden(std::string message) { return make_error(errc::kForbidden, std::move(message)); }

Result<std::optional<std::string>> checked_reason(std::optional<std::string> reason) {
  if (!reason) return std::optional<std::string>{};
  std::string r = trim(*reason);
  if (r.empty()) return std::optional<std::string>{};
  const auto chars = utf8_length(r);
  if (!chars || *chars > kMaxModerationReasonChars || has_control_characters(r, false)) {
    return make_error(errc::kValidationFailed,
                      "reason must be at most 500 characters of text on one line");
  }
  return std::optional<std::string>(std::move(r));
}

bool privileged(const Subject& s) {
  return !s.anonymous && (s.owner || s.role == store::Role::kAdmin);
}

}  // namespace

ModerationService::ModerationService(store::Store& store, AccessPolicy policy, const Clock& clock)
    : store_(&store), policy_(policy), facts_(store, clock), clock_(&clock) {}

void ModerationService::add_listener(ModerationEvents& listener) {
  std::unique_lock lock(listeners_mutex_);
  listeners_.push_back(&listener);
}

Result<ModerationService::Context> ModerationService::authorize(const Identity& actor,
                                                                const std::string& stream_id,
                                                                Action action) {
  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  auto subject = facts_.subject(&actor, *stream);
  if (!subject) return subject.error();
  const Decision d =
      policy_.decide(*subject, AccessFacts::stream_facts(*stream, false), action);
  if (!d.allowed) {
    return make_error(std::string(d.reason),
                      std::string(to_string(action)) + " refused: " + std::string(d.reason));
  }
  return Context{std::move(stream).value(), *subject};
}

Result<store::User> ModerationService::protected_target(const Identity& actor, const Context& ctx,
                                                        const std::string& user_id) {
  if (user_id == actor.user_id) {
    return make_error(errc::kValidationFailed, "you cannot moderate yourself");
  }
  auto user = store_->users().find_by_id(user_id);
  if (!user) {
    if (user.error().code == errc::kNotFound) return make_error(errc::kNotFound, "no such user");
    return errc::from_store(user.error());
  }
  if (user->id == ctx.stream.artist_id) return forbidden("the stream's owner cannot be moderated");
  if (user->role == store::Role::kAdmin) return forbidden("admins cannot be moderated");
  if (!privileged(ctx.actor)) {
    auto mod = store_->moderation().is_moderator(ctx.stream.artist_id, user_id);
    if (!mod) return errc::from_store(mod.error());
    if (*mod) return forbidden("only the owner may moderate another moderator");
  }
  return user;
}

store::ModerationAction ModerationService::action(ModerationActionKind kind,
                                                  const std::string& stream_id,
                                                  const std::string& artist_id,
                                                  const Identity& actor,
                                                  std::optional<std::string> target_user_id) {
  store::ModerationAction a;
  a.stream_id = stream_id;
  a.artist_id = artist_id;
  a.actor_id = actor.user_id;
  a.target_user_id = std::move(target_user_id);
  a.action = kind;
  return a;
}

Result<void> ModerationService::hide_messages_of(const std::string& stream_id,
                                                 const std::string& user_id, const Identity& actor,
                                                 int64_t now) {
  // Messages still queued for the store are marked there; the stored ones in the store.
  if (pending_ != nullptr) pending_->moderate_pending_from(stream_id, user_id, actor.user_id, now);
  if (auto hidden = store_->chat().mark_user_moderated(stream_id, user_id, actor.user_id, now);
      !hidden) {
    return errc::from_store(hidden.error());
  }
  return {};
}

Result<store::ModerationAction> ModerationService::record(store::ModerationAction action) {
  action.created_at = clock_->unix_millis();
  auto stored = store_->moderation().record_action(action);
  if (!stored) return errc::from_store(stored.error());
  spdlog::info("moderation: {} by {} in stream {} (target {})", store::to_string(stored->action),
               stored->actor_id, stored->stream_id.value_or("-"),
               stored->target_user_id.value_or("-"));
  std::shared_lock lock(listeners_mutex_);
  for (ModerationEvents* l : listeners_) {
    try {
      l->moderated(*stored);
    } catch (const std::exception& e) {
      spdlog::error("moderation listener failed: {}", e.what());
    }
  }
  return stored;
}

Result<store::ModerationAction> ModerationService::delete_message(
    const Identity& actor, const std::string& stream_id, const std::string& message_id,
    std::optional<std::string> reason) {
  auto why = checked_reason(std::move(reason));
  if (!why) return why.error();
  auto ctx = authorize(actor, stream_id, Action::kModerate);
  if (!ctx) return ctx.error();

  std::optional<store::ChatMessage> message;
  bool pending = false;
  auto stored = store_->chat().find(message_id);
  if (stored) {
    message = std::move(stored).value();
  } else if (stored.error().code != errc::kNotFound) {
    return errc::from_store(stored.error());
  } else if (pending_ != nullptr) {
    message = pending_->find_pending(message_id);
    pending = message.has_value();
  }
  if (!message || message->stream_id != stream_id) {
    return make_error(errc::kNotFound, "no such message in this stream");
  }
  if (message->user_id && !privileged(ctx->actor)) {
    if (*message->user_id == ctx->stream.artist_id) {
      return forbidden("the owner's messages can only be deleted by the owner");
    }
    auto author = store_->users().find_by_id(*message->user_id);
    if (author && author->role == store::Role::kAdmin) {
      return forbidden("an admin's messages cannot be deleted by moderators");
    }
    auto mod = store_->moderation().is_moderator(ctx->stream.artist_id, *message->user_id);
    if (!mod) return errc::from_store(mod.error());
    if (*mod && *message->user_id != actor.user_id) {
      return forbidden("only the owner may delete another moderator's messages");
    }
  }

  const int64_t now = clock_->unix_millis();
  // A queued write that has just been taken off the queue is in the store by the time it is no
  // longer pending; then the store is marked instead.
  if (!pending || !pending_->moderate_pending(message_id, actor.user_id, now)) {
    auto marked = store_->chat().mark_moderated(message_id, actor.user_id, now);
    if (!marked) return errc::from_store(marked.error());
  }

  auto a = action(ModerationActionKind::kDeleteMessage, stream_id, ctx->stream.artist_id, actor,
                  message->user_id);
  a.message_id = message_id;
  a.reason = *why;
  return record(std::move(a));
}

Result<store::ModerationAction> ModerationService::timeout(const Identity& actor,
                                                           const std::string& stream_id,
                                                           const std::string& user_id,
                                                           int64_t seconds,
                                                           std::optional<std::string> reason) {
  if (seconds < 1 || seconds > kMaxTimeoutSeconds) {
    return make_error(errc::kValidationFailed, "seconds must be 1 to 1209600 (14 days)");
  }
  auto why = checked_reason(std::move(reason));
  if (!why) return why.error();
  auto ctx = authorize(actor, stream_id, Action::kModerate);
  if (!ctx) return ctx.error();
  auto target = protected_target(actor, *ctx, user_id);
  if (!target) return target.error();

  const int64_t now = clock_->unix_millis();
  const std::string& artist = ctx->stream.artist_id;
  auto existing = store_->moderation().find_active_ban(artist, user_id, now);
  if (!existing) return errc::from_store(existing.error());
  if (existing->has_value() && !(*existing)->expires_at) {
    return make_error(errc::kConflict, "the user is banned; unban them first");
  }
  store::StreamBan ban{artist, user_id, now + seconds * 1000, *why, actor.user_id, now};
  if (auto put = store_->moderation().put_ban(ban); !put) return errc::from_store(put.error());
  if (auto hidden = hide_messages_of(stream_id, user_id, actor, now); !hidden)
    return hidden.error();

  auto a = action(ModerationActionKind::kTimeout, stream_id, artist, actor, user_id);
  a.duration_seconds = seconds;
  a.reason = *why;
  return record(std::move(a));
}

Result<store::ModerationAction> ModerationService::ban(const Identity& actor,
                                                       const std::string& stream_id,
                                                       const std::string& user_id,
                                                       std::optional<std::string> reason) {
  auto why = checked_reason(std::move(reason));
  if (!why) return why.error();
  auto ctx = authorize(actor, stream_id, Action::kModerate);
  if (!ctx) return ctx.error();
  auto target = protected_target(actor, *ctx, user_id);
  if (!target) return target.error();

  const int64_t now = clock_->unix_millis();
  const std::string& artist = ctx->stream.artist_id;
  store::StreamBan ban{artist, user_id, std::nullopt, *why, actor.user_id, now};
  if (auto put = store_->moderation().put_ban(ban); !put) return errc::from_store(put.error());
  if (auto removed = store_->moderation().remove_moderator(artist, user_id); !removed) {
    return errc::from_store(removed.error());
  }
  if (auto hidden = hide_messages_of(stream_id, user_id, actor, now); !hidden)
    return hidden.error();

  auto a = action(ModerationActionKind::kBan, stream_id, artist, actor, user_id);
  a.reason = *why;
  return record(std::move(a));
}

Result<store::ModerationAction> ModerationService::unban(const Identity& actor,
                                                         const std::string& stream_id,
                                                         const std::string& user_id,
                                                         std::optional<std::string> reason) {
  auto why = checked_reason(std::move(reason));
  if (!why) return why.error();
  auto ctx = authorize(actor, stream_id, Action::kModerate);
  if (!ctx) return ctx.error();
  auto removed = store_->moderation().remove_ban(ctx->stream.artist_id, user_id);
  if (!removed) return errc::from_store(removed.error());
  if (!*removed) return make_error(errc::kNotFound, "the user is neither banned nor timed out");

  auto a = action(ModerationActionKind::kUnban, stream_id, ctx->stream.artist_id, actor, user_id);
  a.reason = *why;
  return record(std::move(a));
}

Result<store::ModerationAction> ModerationService::appoint_moderator(const Identity& actor,
                                                                     const std::string& stream_id,
                                                                     const std::string& user_id) {
  auto ctx = authorize(actor, stream_id, Action::kManage);
  if (!ctx) return ctx.error();
  const std::string& artist = ctx->stream.artist_id;
  if (user_id == artist) {
    return make_error(errc::kValidationFailed, "the owner moderates their channel already");
  }
  auto user = store_->users().find_by_id(user_id);
  if (!user) {
    if (user.error().code == errc::kNotFound) return make_error(errc::kNotFound, "no such user");
    return errc::from_store(user.error());
  }
  store::StreamModerator m{artist, user_id, actor.user_id, clock_->unix_millis()};
  if (auto added = store_->moderation().add_moderator(m); !added) {
    return errc::from_store(added.error());
  }

  return record(action(ModerationActionKind::kAppointModerator, stream_id, artist, actor, user_id));
}

Result<store::ModerationAction> ModerationService::remove_moderator(const Identity& actor,
                                                                   const std::string& stream_id,
                                                                   const std::string& user_id) {
  auto ctx = authorize(actor, stream_id, Action::kManage);
  if (!ctx) return ctx.error();
  auto removed = store_->moderation().remove_moderator(ctx->stream.artist_id, user_id);
  if (!removed) return errc::from_store(removed.error());
  if (!*removed) return make_error(errc::kNotFound, "the user is not a moderator");

  return record(action(ModerationActionKind::kRemoveModerator, stream_id, ctx->stream.artist_id,
                       actor, user_id));
}

Result<std::vector<store::StreamModerator>> ModerationService::moderators(
    const Identity& actor, const std::string& stream_id) {
  auto ctx = authorize(actor, stream_id, Action::kModerate);
  if (!ctx) return ctx.error();
  auto list = store_->moderation().list_moderators(ctx->stream.artist_id);
  if (!list) return errc::from_store(list.error());
  return list;
}

Result<std::vector<store::ModerationAction>> ModerationService::actions(
    const Identity& actor, const std::string& stream_id, int limit) {
  if (limit < 1 || limit > 500) return make_error(errc::kValidationFailed, "limit must be 1 to 500");
  auto ctx = authorize(actor, stream_id, Action::kManage);
  if (!ctx) return ctx.error();
  auto list = store_->moderation().list_actions_for_stream(stream_id, limit);
  if (!list) return errc::from_store(list.error());
  return list;
}

}  // namespace stagecast::platform
