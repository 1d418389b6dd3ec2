#pragma once
// Streams: creation by verified artists, reads filtered through the access policy, owner edits,
// the stream key, the lifecycle CREATED/SCHEDULED -> LIVE -> ENDED, and playback grants.
// Synchronous: run it on a worker pool, never on an I/O thread.
//
// Decisions (see also docs and stream_settings.h for field rules):
//  * get and list show a stream's metadata to anyone, even when they may not watch it: fans must
//    see a TIER or PAID stream to subscribe or buy a ticket. StreamView::watch says whether the
//    caller may watch and, if not, why; media is only reachable through issue_playback. The API
//    should show chat_blocked_words, stream_key_rotated_at and record only when `manager` is set.
//  * patch: owner or admin; allowed in every state, except that while LIVE the access terms
//    (visibility, minTier, priceCents, currency) are fixed (conflict) — viewers were admitted on
//    those terms and hold playback tokens issued under them; and scheduledAt only changes before
//    the stream goes live (conflict).
//  * delete: owner or admin; refused while LIVE (conflict: end it first, so that a delete never
//    cuts a publisher off as a side effect). Soft delete: tips, chat and recordings keep their
//    stream for the audit trail.
//  * rotate key: owner or admin; refused once ENDED (nothing can be published any more). While
//    LIVE the StreamEvents listeners hear key_rotated so ingest can drop a publisher using the old
//    key (a leaked key is the usual reason to rotate).
//  * end: owner or admin; CREATED/SCHEDULED/LIVE -> ENDED (ending a stream that never went live
//    cancels it); conflict when already ENDED.
//  * PAID streams: the price must lie within the ticket terms (configured limits) and be in the
//    configured currency, or nobody could buy a ticket. A price change (allowed before going
//    live) applies to new buyers; a ticket keeps the price its fan paid.
//
// Errors: see errors.h.

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "platform/access_facts.h"
#include "platform/access_policy.h"
#include "platform/identity.h"
#include "platform/playback_token.h"
#include "platform/stream_events.h"
#include "platform/stream_settings.h"
#include "store/store.h"

namespace stagecast::platform {

struct CreatedStream {
  store::LiveStream stream;
  std::string stream_key;  // the plain key: shown to the artist now and never again
};

// The artist's public profile, carried with a stream (the seed's getStreamerInfo).
struct ArtistProfile {
  std::string id;
  std::string display_name;
  int64_t subscriber_count = 0;  // active subscriptions now
};

struct StreamView {
  store::LiveStream stream;  // never expose stream_key_hash
  Decision watch;            // may the caller watch, and if not, why
  bool manager = false;      // the caller is the owner or an admin
  // Ticket sales of a PAID stream, for its manager (get only; lists leave it out).
  std::optional<store::TicketTotals> tickets;
  std::string artist_name;              // the owner's display name (cards, the artist page)
  std::optional<ArtistProfile> artist;  // absent when the profile could not be read
};

// "Coming up" keeps a stream whose time has passed for this long (the artist is late), then
// drops it; it stays SCHEDULED until it goes live or is ended.
inline constexpr int64_t kUpcomingGraceMs = 3'600'000;

// What a PAID stream's price must be so that a ticket can be sold (payments.min_ticket_cents,
// max_ticket_cents, currency). Checked on create and patch (validation_failed).
struct TicketTerms {
  int64_t min_cents = 100;
  int64_t max_cents = 100'000;
  std::string currency = "usd";
};

struct StreamQuery {
  std::optional<std::string> status;  // CREATED | SCHEDULED | LIVE | ENDED
  std::optional<std::string> artist_id;
  int limit = 50;
  std::optional<std::string> cursor;
};

struct StreamListPage {
  std::vector<StreamView> items;
  std::optional<std::string> next_cursor;
};

// End reasons the service itself writes.
inline constexpr std::string_view kEndedByOwner = "ended_by_owner";
inline constexpr std::string_view kEndedByAdmin = "ended_by_admin";

class StreamService {
 public:
  StreamService(store::Store& store, const PlaybackTokenSigner& playback, AccessPolicy policy,
                const Clock& clock);

  // Listeners are not owned and must outlive the service. Add them while wiring, before serving.
  void add_listener(StreamEvents& listener);
  // Set while wiring, before serving (app/ wires payments after the platform).
  void set_ticket_terms(TicketTerms terms) { ticket_terms_ = std::move(terms); }
  const TicketTerms& ticket_terms() const { return ticket_terms_; }

  // Only a verified artist. Errors: forbidden (not an artist), artist_not_verified (no Stripe
  // account), validation_failed, db_unavailable.
  Result<CreatedStream> create(const Identity& caller, const StreamInput& input);

  // caller null = anonymous. Errors: not_found, db_unavailable.
  Result<StreamView> get(const Identity* caller, const std::string& id);
  // Errors: validation_failed (bad status), db_unavailable.
  Result<StreamListPage> list(const Identity* caller, const StreamQuery& query);
  // "Coming up": SCHEDULED streams whose time is at most kUpcomingGraceMs past, soonest first,
  // with their artist's name. Errors: validation_failed (limit not 1..100), db_unavailable.
  Result<std::vector<StreamView>> upcoming(const Identity* caller, int limit);
  // The artist's display name; empty when unknown or the store is down (a label only).
  std::string artist_name(const std::string& artist_id);

  // Owner or admin. Errors: not_found, login_required, not_owner, validation_failed, conflict,
  // stream_ended (rotate/end of an ENDED stream), db_unavailable.
  Result<store::LiveStream> patch(const Identity& caller, const std::string& id,
                                  const StreamInput& input);
  Result<void> remove(const Identity& caller, const std::string& id);
  // Returns the new plain key (shown once); the old key stops working at once.
  Result<std::string> rotate_key(const Identity& caller, const std::string& id);
  Result<store::LiveStream> end(const Identity& caller, const std::string& id);

  // Whether `caller` may do `action` on the stream (realtime chat, tips, moderation use this).
  // Errors: not_found, db_unavailable.
  Result<Decision> decide(const Identity* caller, const std::string& id, Action action);

  // A signed playback token for the stream when the policy allows WATCH.
  // Errors: not_found, login_required, subscription_required, tier_required, ticket_required,
  // banned, db_unavailable.
  Result<PlaybackGrant> issue_playback(const Identity* caller, const std::string& id);

  // ---- for the media path (wired by app/) ----
  // The stream id when `stream_key` is the stream's current key, the stream has not ENDED and
  // its artist is still a verified artist. Errors: unauthorized (unknown or malformed key),
  // stream_ended, artist_not_verified, db_unavailable. Never logs the key.
  Result<std::string> authorize_publish(std::string_view stream_key);
  // The same question for a publisher signed in as the stream's owner (WHIP from the Studio): the
  // stream id when `caller` owns stream `id`, it has not ENDED and the policy lets them stream.
  // Errors: not_found, not_owner, stream_ended, artist_not_verified, db_unavailable.
  Result<std::string> authorize_owner_publish(const Identity& caller, const std::string& id);
  // CREATED/SCHEDULED -> LIVE; tells listeners went_live. Idempotent on a LIVE stream (no second
  // went_live). Errors: not_found, stream_ended.
  Result<store::LiveStream> mark_live(const std::string& id);
  // A publisher came back within the grace period: LIVE stays LIVE, started_at is kept, no
  // went_live. Errors: not_found, conflict (not LIVE).
  Result<store::LiveStream> mark_resumed(const std::string& id);
  // -> ENDED with `reason`; tells listeners ended. Errors: not_found, stream_ended (already).
  Result<store::LiveStream> mark_ended(const std::string& id, std::string_view reason);

 private:
  // The artist's public profile; nullopt when it cannot be read.
  std::optional<ArtistProfile> artist_profile(const std::string& artist_id);
  Result<store::LiveStream> load_managed(const Identity& caller, const std::string& id);
  Result<void> check_ticket_terms(store::Visibility visibility, int64_t price_cents,
                                  const std::string& currency) const;
  Result<Decision> decide_on(const Identity* caller, const store::LiveStream& stream,
                             Action action);
  void notify_live(const store::LiveStream& stream);
  void notify_ended(const store::LiveStream& stream, std::string_view reason);
  void notify_key_rotated(const std::string& stream_id);
  void notify_settings_changed(const store::LiveStream& stream);
  void notify_schedule_changed(const store::LiveStream& stream, std::optional<int64_t> previous_at,
                               bool cancelled);

  store::Store* store_;
  const PlaybackTokenSigner* playback_;
  AccessPolicy policy_;
  AccessFacts facts_;
  const Clock* clock_;
  TicketTerms ticket_terms_;
  std::shared_mutex listeners_mutex_;
  std::vector<StreamEvents*> listeners_;
};

}  // namespace stagecast::platform
