#pragma once
// The one place that decides who may do what with a stream. A pure function of facts the caller
// gathers (access_facts.h loads them from the store); no I/O, no clock, so that one table-driven
// test (tests/unit/platform/access_policy_test.cpp) is the whole specification.
//
// Rules, in the order they are applied:
//  * State before permission: nobody chats on an ENDED stream (stream_ended) or when chat is off
//    (chat_disabled); tips need a LIVE stream (stream_ended / stream_not_live) whose owner is a
//    verified artist (artist_not_verified); nobody publishes to an ENDED stream.
//  * Admin may do everything except STREAM (only the owner's encoder publishes) and TIP (operator
//    accounts do not pay artists): watch any visibility, chat, moderate, manage.
//  * Owner may do everything on their own stream except TIP (cannot_tip_self); STREAM needs the
//    owner to be a verified artist (role ARTIST with a Stripe account).
//  * A banned user (permanent channel ban) can neither watch, chat, tip nor moderate; a timed-out
//    user may watch but neither chat nor tip (a tip carries a chat message, so it would get round
//    the timeout). Bans never apply to the owner or an admin.
//  * WATCH by visibility: PUBLIC for everyone signed in, and for anonymous viewers when
//    configuration allows; SUBSCRIBERS for active subscribers of the artist (any tier); TIER for
//    active subscribers at or above min_tier; PAID for holders of a paid ticket to this stream
//    (subscriptions do not include paid events). Moderators appointed by the owner may watch
//    whatever the visibility (they cannot moderate what they cannot see).
//    Anonymous callers are told login_required for anything but a watchable PUBLIC stream.
//  * CHAT: signed in, with watch access; a subscribers-only chat also needs an active
//    subscription; moderators may always chat (subject to the state rules). Chat is open before
//    the stream starts (CREATED/SCHEDULED: a waiting room).
//  * TIP: signed in, with watch access, not to yourself, during LIVE only.
//  * MODERATE: owner, appointed moderators (not banned) and admins, in any stream state (messages
//    of an ended stream's chat can still be removed).
//  * STREAM: the owner who is a verified artist, on a stream that has not ENDED.
//  * MANAGE (edit, delete, rotate key, end): owner or admin; whether the stream's state allows
//    the particular change is the StreamService's business (conflict), not the policy's.

#include <string_view>

#include "store/records.h"

namespace stagecast::platform {

enum class Action { kWatch, kChat, kTip, kModerate, kStream, kManage };

std::string_view to_string(Action action);

// What we know about the caller with respect to one stream's artist.
struct Subject {
  bool anonymous = true;
  store::Role role = store::Role::kFan;
  bool owner = false;         // the caller is the stream's artist
  int subscription_tier = 0;  // tier of an ACTIVE, unexpired subscription to the artist; 0: none
  bool ticket = false;        // holds a paid ticket for this stream
  bool moderator = false;     // appointed by the artist
  bool banned = false;        // permanent ban in the artist's channel
  bool timed_out = false;     // timeout in the artist's channel, not yet expired
};

struct StreamFacts {
  store::StreamStatus status = store::StreamStatus::kCreated;
  store::Visibility visibility = store::Visibility::kPublic;
  int min_tier = 1;
  bool chat_enabled = true;
  bool chat_subscribers_only = false;
  bool owner_verified = false;  // the artist has role ARTIST and a Stripe account id
};

struct AccessPolicyOptions {
  bool allow_anonymous_viewers = true;
};

// Reason codes (also the Error::code services return when they refuse): login_required (401),
// subscription_required, tier_required, ticket_required, banned, timed_out, chat_disabled,
// not_owner, not_moderator, artist_not_verified, cannot_tip_self, forbidden (403),
// stream_ended, stream_not_live (409).
struct Decision {
  bool allowed = false;
  std::string_view reason;  // empty when allowed

  static Decision allow() { return {true, {}}; }
  static Decision deny(std::string_view reason) { return {false, reason}; }
};

class AccessPolicy {
 public:
  explicit AccessPolicy(AccessPolicyOptions options = {}) : options_(options) {}

  Decision decide(const Subject& subject, const StreamFacts& stream, Action action) const;

 private:
  Decision watch(const Subject& s, const StreamFacts& f) const;
  Decision chat(const Subject& s, const StreamFacts& f) const;
  Decision tip(const Subject& s, const StreamFacts& f) const;
  Decision moderate(const Subject& s) const;
  Decision stream(const Subject& s, const StreamFacts& f) const;
  Decision manage(const Subject& s) const;

  AccessPolicyOptions options_;
};

}  // namespace stagecast::platform
