// The access policy's specification: every role against every visibility and action on a live
// stream, then the same roles under the stream states that change the answer. "ok" = allowed;
// anything else is the reason code of the refusal.

#include "platform/access_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace stagecast::platform {
namespace {

using store::Role;
using store::StreamStatus;
using store::Visibility;

constexpr Visibility PUB = Visibility::kPublic;
constexpr Visibility SUBS = Visibility::kSubscribers;
constexpr Visibility TIER = Visibility::kTier;  // min_tier 2 in every scenario
constexpr Visibility PAID = Visibility::kPaid;

// Shorthands for the reason codes so that the table stays one row per line.
constexpr const char* ok = "ok";
constexpr const char* login = "login_required";
constexpr const char* sub_req = "subscription_required";
constexpr const char* tier_req = "tier_required";
constexpr const char* ticket_req = "ticket_required";
constexpr const char* banned = "banned";
constexpr const char* timed_out = "timed_out";
constexpr const char* not_owner = "not_owner";
constexpr const char* not_mod = "not_moderator";
constexpr const char* self_tip = "cannot_tip_self";
constexpr const char* forbidden = "forbidden";
constexpr const char* chat_off = "chat_disabled";
constexpr const char* ended = "stream_ended";
constexpr const char* not_live = "stream_not_live";
constexpr const char* unverified = "artist_not_verified";

// The subjects. Banned and timed-out fans hold a tier-3 subscription and a ticket, to show that
// the ban or timeout wins over everything they paid for.
std::map<std::string, Subject> subjects() {
  Subject anon;
  Subject fan{false, Role::kFan};
  Subject subscriber = fan;
  subscriber.subscription_tier = 1;
  Subject tier_subscriber = fan;
  tier_subscriber.subscription_tier = 3;
  // Tickets as AccessFacts reads them (StreamTicket::admits): PAID and DISPUTED purchases, grants
  // and comps admit; PENDING, FAILED, REFUNDED (refund or lost dispute) and REVOKED do not.
  Subject ticket_holder = fan;  // a PAID purchase
  ticket_holder.ticket = true;
  Subject ticket_pending = fan;
  Subject ticket_refunded = fan;
  Subject ticket_comped = fan;
  ticket_comped.ticket = true;
  Subject owner{false, Role::kArtist};
  owner.owner = true;
  Subject moderator = fan;
  moderator.moderator = true;
  Subject banned_fan = tier_subscriber;
  banned_fan.ticket = true;
  banned_fan.banned = true;
  Subject timed_out_fan = tier_subscriber;
  timed_out_fan.ticket = true;
  timed_out_fan.timed_out = true;
  Subject admin{false, Role::kAdmin};
  Subject other_artist{false, Role::kArtist};
  return {{"anonymous", anon},
          {"fan", fan},
          {"subscriber", subscriber},
          {"tier_subscriber", tier_subscriber},
          {"ticket_holder", ticket_holder},
          {"ticket_pending", ticket_pending},
          {"ticket_refunded", ticket_refunded},
          {"ticket_comped", ticket_comped},
          {"owner", owner},
          {"moderator", moderator},
          {"banned", banned_fan},
          {"timed_out", timed_out_fan},
          {"admin", admin},
          {"other_artist", other_artist}};
}

struct Scenario {
  StreamStatus status = StreamStatus::kLive;
  bool chat_enabled = true;
  bool subscribers_only_chat = false;
  bool owner_verified = true;
  bool anonymous_allowed = true;
};

const std::map<std::string, Scenario>& scenarios() {
  static const std::map<std::string, Scenario> all = {
      {"live", {}},
      {"no_anon", {.anonymous_allowed = false}},
      {"chat_off", {.chat_enabled = false}},
      {"subs_chat", {.subscribers_only_chat = true}},
      {"ended", {.status = StreamStatus::kEnded}},
      {"scheduled", {.status = StreamStatus::kScheduled}},
      {"unverified", {.owner_verified = false}},
  };
  return all;
}

struct Row {
  const char* scenario;
  const char* role;
  Visibility visibility;
  const char* watch;
  const char* chat;
  const char* tip;
  const char* moderate;
  const char* stream;
  const char* manage;
};

// clang-format off
const Row kTable[] = {
  // scenario     role              vis    WATCH       CHAT        TIP         MODERATE  STREAM      MANAGE
  // ---- the full matrix on a LIVE stream, chat on, verified owner, anonymous viewers allowed ----
  {"live", "anonymous",       PUB,  ok,         login,      login,      login,    login,      login},
  {"live", "anonymous",       SUBS, login,      login,      login,      login,    login,      login},
  {"live", "anonymous",       TIER, login,      login,      login,      login,    login,      login},
  {"live", "anonymous",       PAID, login,      login,      login,      login,    login,      login},
  {"live", "fan",             PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "fan",             SUBS, sub_req,    sub_req,    sub_req,    not_mod,  not_owner,  not_owner},
  {"live", "fan",             TIER, tier_req,   tier_req,   tier_req,   not_mod,  not_owner,  not_owner},
  {"live", "fan",             PAID, ticket_req, ticket_req, ticket_req, not_mod,  not_owner,  not_owner},
  {"live", "subscriber",      PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "subscriber",      SUBS, ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "subscriber",      TIER, tier_req,   tier_req,   tier_req,   not_mod,  not_owner,  not_owner},
  {"live", "subscriber",      PAID, ticket_req, ticket_req, ticket_req, not_mod,  not_owner,  not_owner},
  {"live", "tier_subscriber", PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "tier_subscriber", SUBS, ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "tier_subscriber", TIER, ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "tier_subscriber", PAID, ticket_req, ticket_req, ticket_req, not_mod,  not_owner,  not_owner},
  {"live", "ticket_holder",   PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "ticket_holder",   SUBS, sub_req,    sub_req,    sub_req,    not_mod,  not_owner,  not_owner},
  {"live", "ticket_holder",   TIER, tier_req,   tier_req,   tier_req,   not_mod,  not_owner,  not_owner},
  {"live", "ticket_holder",   PAID, ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "ticket_pending",  PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "ticket_pending",  SUBS, sub_req,    sub_req,    sub_req,    not_mod,  not_owner,  not_owner},
  {"live", "ticket_pending",  TIER, tier_req,   tier_req,   tier_req,   not_mod,  not_owner,  not_owner},
  {"live", "ticket_pending",  PAID, ticket_req, ticket_req, ticket_req, not_mod,  not_owner,  not_owner},
  {"live", "ticket_refunded", PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "ticket_refunded", SUBS, sub_req,    sub_req,    sub_req,    not_mod,  not_owner,  not_owner},
  {"live", "ticket_refunded", TIER, tier_req,   tier_req,   tier_req,   not_mod,  not_owner,  not_owner},
  {"live", "ticket_refunded", PAID, ticket_req, ticket_req, ticket_req, not_mod,  not_owner,  not_owner},
  {"live", "ticket_comped",   PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "ticket_comped",   SUBS, sub_req,    sub_req,    sub_req,    not_mod,  not_owner,  not_owner},
  {"live", "ticket_comped",   TIER, tier_req,   tier_req,   tier_req,   not_mod,  not_owner,  not_owner},
  {"live", "ticket_comped",   PAID, ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "owner",           PUB,  ok,         ok,         self_tip,   ok,       ok,         ok},
  {"live", "owner",           SUBS, ok,         ok,         self_tip,   ok,       ok,         ok},
  {"live", "owner",           TIER, ok,         ok,         self_tip,   ok,       ok,         ok},
  {"live", "owner",           PAID, ok,         ok,         self_tip,   ok,       ok,         ok},
  {"live", "moderator",       PUB,  ok,         ok,         ok,         ok,       not_owner,  not_owner},
  {"live", "moderator",       SUBS, ok,         ok,         ok,         ok,       not_owner,  not_owner},
  {"live", "moderator",       TIER, ok,         ok,         ok,         ok,       not_owner,  not_owner},
  {"live", "moderator",       PAID, ok,         ok,         ok,         ok,       not_owner,  not_owner},
  {"live", "banned",          PUB,  banned,     banned,     banned,     banned,   not_owner,  not_owner},
  {"live", "banned",          SUBS, banned,     banned,     banned,     banned,   not_owner,  not_owner},
  {"live", "banned",          TIER, banned,     banned,     banned,     banned,   not_owner,  not_owner},
  {"live", "banned",          PAID, banned,     banned,     banned,     banned,   not_owner,  not_owner},
  {"live", "timed_out",       PUB,  ok,         timed_out,  timed_out,  not_mod,  not_owner,  not_owner},
  {"live", "timed_out",       SUBS, ok,         timed_out,  timed_out,  not_mod,  not_owner,  not_owner},
  {"live", "timed_out",       TIER, ok,         timed_out,  timed_out,  not_mod,  not_owner,  not_owner},
  {"live", "timed_out",       PAID, ok,         timed_out,  timed_out,  not_mod,  not_owner,  not_owner},
  {"live", "admin",           PUB,  ok,         ok,         forbidden,  ok,       not_owner,  ok},
  {"live", "admin",           SUBS, ok,         ok,         forbidden,  ok,       not_owner,  ok},
  {"live", "admin",           TIER, ok,         ok,         forbidden,  ok,       not_owner,  ok},
  {"live", "admin",           PAID, ok,         ok,         forbidden,  ok,       not_owner,  ok},
  {"live", "other_artist",    PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},
  {"live", "other_artist",    SUBS, sub_req,    sub_req,    sub_req,    not_mod,  not_owner,  not_owner},
  {"live", "other_artist",    TIER, tier_req,   tier_req,   tier_req,   not_mod,  not_owner,  not_owner},
  {"live", "other_artist",    PAID, ticket_req, ticket_req, ticket_req, not_mod,  not_owner,  not_owner},

  // ---- anonymous viewers switched off in configuration ----
  {"no_anon", "anonymous",    PUB,  login,      login,      login,      login,    login,      login},
  {"no_anon", "fan",          PUB,  ok,         ok,         ok,         not_mod,  not_owner,  not_owner},

  // ---- chat disabled: nobody chats, not even the owner or an admin; the rest is unchanged ----
  {"chat_off", "anonymous",   PUB,  ok,         chat_off,   login,      login,    login,      login},
  {"chat_off", "fan",         PUB,  ok,         chat_off,   ok,         not_mod,  not_owner,  not_owner},
  {"chat_off", "moderator",   PUB,  ok,         chat_off,   ok,         ok,       not_owner,  not_owner},
  {"chat_off", "owner",       PUB,  ok,         chat_off,   self_tip,   ok,       ok,         ok},
  {"chat_off", "admin",       PUB,  ok,         chat_off,   forbidden,  ok,       not_owner,  ok},

  // ---- subscribers-only chat ----
  {"subs_chat", "fan",           PUB,  ok,      sub_req,    ok,         not_mod,  not_owner,  not_owner},
  {"subs_chat", "subscriber",    PUB,  ok,      ok,         ok,         not_mod,  not_owner,  not_owner},
  {"subs_chat", "ticket_holder", PAID, ok,      sub_req,    ok,         not_mod,  not_owner,  not_owner},
  {"subs_chat", "moderator",     PUB,  ok,      ok,         ok,         ok,       not_owner,  not_owner},
  {"subs_chat", "owner",         PUB,  ok,      ok,         self_tip,   ok,       ok,         ok},
  {"subs_chat", "admin",         PUB,  ok,      ok,         forbidden,  ok,       not_owner,  ok},

  // ---- ENDED: watching means the replay; no chat, no tips, no publishing; moderation and
  //      management go on ----
  {"ended", "anonymous",      PUB,  ok,         ended,      login,      login,    login,      login},
  {"ended", "fan",            PUB,  ok,         ended,      ended,      not_mod,  not_owner,  not_owner},
  {"ended", "fan",            PAID, ticket_req, ended,      ended,      not_mod,  not_owner,  not_owner},
  {"ended", "ticket_holder",  PAID, ok,         ended,      ended,      not_mod,  not_owner,  not_owner},
  {"ended", "ticket_comped",  PAID, ok,         ended,      ended,      not_mod,  not_owner,  not_owner},
  {"ended", "ticket_refunded", PAID, ticket_req, ended,     ended,      not_mod,  not_owner,  not_owner},
  {"ended", "ticket_pending", PAID, ticket_req, ended,      ended,      not_mod,  not_owner,  not_owner},
  {"ended", "moderator",      PUB,  ok,         ended,      ended,      ok,       not_owner,  not_owner},
  {"ended", "owner",          PUB,  ok,         ended,      self_tip,   ok,       ended,      ok},
  {"ended", "admin",          PUB,  ok,         ended,      forbidden,  ok,       not_owner,  ok},

  // ---- SCHEDULED (CREATED behaves the same): chat is a waiting room, tips wait for LIVE ----
  {"scheduled", "fan",        PUB,  ok,         ok,         not_live,   not_mod,  not_owner,  not_owner},
  {"scheduled", "subscriber", SUBS, ok,         ok,         not_live,   not_mod,  not_owner,  not_owner},
  {"scheduled", "owner",      PUB,  ok,         ok,         self_tip,   ok,       ok,         ok},
  {"scheduled", "ticket_holder", PAID, ok,      ok,         not_live,   not_mod,  not_owner,  not_owner},
  {"scheduled", "ticket_pending", PAID, ticket_req, ticket_req, not_live, not_mod, not_owner, not_owner},

  // ---- the owner lost verification (role or Stripe account removed by the platform) ----
  {"unverified", "owner",     PUB,  ok,         ok,         self_tip,   ok,       unverified, ok},
  {"unverified", "fan",       PUB,  ok,         ok,         unverified, not_mod,  not_owner,  not_owner},
  {"unverified", "banned",    PUB,  banned,     banned,     unverified, banned,   not_owner,  not_owner},
  {"unverified", "admin",     PUB,  ok,         ok,         forbidden,  ok,       not_owner,  ok},
};
// clang-format on

const char* visibility_name(Visibility v) {
  switch (v) {
    case Visibility::kPublic:
      return "PUBLIC";
    case Visibility::kSubscribers:
      return "SUBSCRIBERS";
    case Visibility::kTier:
      return "TIER";
    case Visibility::kPaid:
      return "PAID";
  }
  return "?";
}

TEST(AccessPolicy, MatrixOfRolesVisibilitiesAndActions) {
  const auto all_subjects = subjects();
  std::set<std::pair<std::string, Visibility>> live_cells;
  for (const Row& row : kTable) {
    SCOPED_TRACE(std::string(row.scenario) + " / " + row.role + " / " +
                 visibility_name(row.visibility));
    ASSERT_TRUE(scenarios().count(row.scenario)) << "unknown scenario";
    ASSERT_TRUE(all_subjects.count(row.role)) << "unknown role";
    const Scenario& sc = scenarios().at(row.scenario);
    if (std::string(row.scenario) == "live") live_cells.emplace(row.role, row.visibility);

    const AccessPolicy policy({.allow_anonymous_viewers = sc.anonymous_allowed});
    StreamFacts facts;
    facts.status = sc.status;
    facts.visibility = row.visibility;
    facts.min_tier = 2;
    facts.chat_enabled = sc.chat_enabled;
    facts.chat_subscribers_only = sc.subscribers_only_chat;
    facts.owner_verified = sc.owner_verified;

    const std::pair<Action, const char*> expected[] = {
        {Action::kWatch, row.watch},   {Action::kChat, row.chat},
        {Action::kTip, row.tip},       {Action::kModerate, row.moderate},
        {Action::kStream, row.stream}, {Action::kManage, row.manage}};
    for (const auto& [action, want] : expected) {
      const Decision d = policy.decide(all_subjects.at(row.role), facts, action);
      const std::string got = d.allowed ? "ok" : std::string(d.reason);
      EXPECT_EQ(got, want) << to_string(action);
      EXPECT_EQ(d.allowed, d.reason.empty()) << to_string(action);
    }
  }
  // The "live" block is the complete matrix: every role against every visibility.
  EXPECT_EQ(live_cells.size(), all_subjects.size() * 4);
}

}  // namespace
}  // namespace stagecast::platform
