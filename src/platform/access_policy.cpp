#include "platform/access_policy.h"

namespace stagecast::platform {

using store::Role;
using store::StreamStatus;
using store::Visibility;

std::string_view to_string(Action action) {
  switch (action) {
    case Action::kWatch:
      return "WATCH";
    case Action::kChat:
      return "CHAT";
    case Action::kTip:
      return "TIP";
    case Action::kModerate:
      return "MODERATE";
    case Action::kStream:
      return "STREAM";
    case Action::kManage:
      return "MANAGE";
  }
  return "?";
}

namespace {
bool is_admin(const Subject& s) {
  return !s.anonymous && s.role == Role::kAdmin;
}
// Owner and admin stand above channel bans and visibility.
bool is_privileged(const Subject& s) {
  return !s.anonymous && (s.owner || is_admin(s));
}
}  // namespace

Decision AccessPolicy::decide(const Subject& subject, const StreamFacts& stream,
                              Action action) const {
  switch (action) {
    case Action::kWatch:
      return watch(subject, stream);
    case Action::kChat:
      return chat(subject, stream);
    case Action::kTip:
      return tip(subject, stream);
    case Action::kModerate:
      return moderate(subject);
    case Action::kStream:
      return this->stream(subject, stream);
    case Action::kManage:
      return manage(subject);
  }
  return Decision::deny("forbidden");
}

Decision AccessPolicy::watch(const Subject& s, const StreamFacts& f) const {
  if (is_privileged(s)) return Decision::allow();
  if (s.anonymous) {
    if (f.visibility == Visibility::kPublic && options_.allow_anonymous_viewers) {
      return Decision::allow();
    }
    return Decision::deny("login_required");
  }
  if (s.banned) return Decision::deny("banned");
  if (s.moderator) return Decision::allow();
  switch (f.visibility) {
    case Visibility::kPublic:
      return Decision::allow();
    case Visibility::kSubscribers:
      return s.subscription_tier >= 1 ? Decision::allow() : Decision::deny("subscription_required");
    case Visibility::kTier:
      return s.subscription_tier >= f.min_tier && s.subscription_tier >= 1
                 ? Decision::allow()
                 : Decision::deny("tier_required");
    case Visibility::kPaid:
      return s.ticket ? Decision::allow() : Decision::deny("ticket_required");
  }
  return Decision::deny("forbidden");
}

Decision AccessPolicy::chat(const Subject& s, const StreamFacts& f) const {
  if (f.status == StreamStatus::kEnded) return Decision::deny("stream_ended");
  if (!f.chat_enabled) return Decision::deny("chat_disabled");
  if (s.anonymous) return Decision::deny("login_required");
  if (is_privileged(s)) return Decision::allow();
  if (s.banned) return Decision::deny("banned");
  if (s.timed_out) return Decision::deny("timed_out");
  if (s.moderator) return Decision::allow();
  const Decision can_watch = watch(s, f);
  if (!can_watch.allowed) return can_watch;
  if (f.chat_subscribers_only && s.subscription_tier < 1) {
    return Decision::deny("subscription_required");
  }
  return Decision::allow();
}

Decision AccessPolicy::tip(const Subject& s, const StreamFacts& f) const {
  if (s.anonymous) return Decision::deny("login_required");
  if (s.owner) return Decision::deny("cannot_tip_self");
  if (is_admin(s)) return Decision::deny("forbidden");
  if (f.status == StreamStatus::kEnded) return Decision::deny("stream_ended");
  if (f.status != StreamStatus::kLive) return Decision::deny("stream_not_live");
  if (!f.owner_verified) return Decision::deny("artist_not_verified");
  if (s.banned) return Decision::deny("banned");
  if (s.timed_out) return Decision::deny("timed_out");
  return watch(s, f);
}

Decision AccessPolicy::moderate(const Subject& s) const {
  if (s.anonymous) return Decision::deny("login_required");
  if (is_privileged(s)) return Decision::allow();
  if (s.banned) return Decision::deny("banned");
  return s.moderator ? Decision::allow() : Decision::deny("not_moderator");
}

Decision AccessPolicy::stream(const Subject& s, const StreamFacts& f) const {
  if (s.anonymous) return Decision::deny("login_required");
  if (!s.owner) return Decision::deny("not_owner");
  if (!f.owner_verified) return Decision::deny("artist_not_verified");
  if (f.status == StreamStatus::kEnded) return Decision::deny("stream_ended");
  return Decision::allow();
}

Decision AccessPolicy::manage(const Subject& s) const {
  if (s.anonymous) return Decision::deny("login_required");
  return is_privileged(s) ? Decision::allow() : Decision::deny("not_owner");
}

}  // namespace stagecast::platform
