#include "platform/stream_service.h"

#include <exception>
#include <map>

#include "core/log.h"
#include "platform/errors.h"
#include "platform/stream_key.h"

namespace stagecast::platform {

using store::StreamStatus;

namespace {

Error refusal(const Decision& d, std::string_view what) {
  return make_error(std::string(d.reason),
                    std::string(what) + " refused: " + std::string(d.reason));
}

}  // namespace

StreamService::StreamService(store::Store& store, const PlaybackTokenSigner& playback,
                             AccessPolicy policy, const Clock& clock)
    : store_(&store), playback_(&playback), policy_(policy), facts_(store, clock), clock_(&clock) {}

void StreamService::add_listener(StreamEvents& listener) {
  std::unique_lock lock(listeners_mutex_);
  listeners_.push_back(&listener);
}

Result<CreatedStream> StreamService::create(const Identity& caller, const StreamInput& input) {
  // Read the account afresh: verification is decided on what the store says now.
  auto user = store_->users().find_by_id(caller.user_id);
  if (!user) {
    if (user.error().code == errc::kNotFound) {
      return make_error(errc::kUnauthorized, "the account no longer exists");
    }
    return errc::from_store(user.error());
  }
  if (user->role != store::Role::kArtist) {
    return make_error(errc::kForbidden, "only artists can create streams");
  }
  if (!is_verified_artist(*user)) {
    return make_error(errc::kArtistNotVerified,
                      "connect a Stripe account before creating a stream");
  }
  const int64_t now = clock_->unix_millis();
  auto settings = settings_for_new_stream(input, now);
  if (!settings) return settings.error();
  if (auto terms =
          check_ticket_terms(settings->visibility, settings->price_cents, settings->currency);
      !terms) {
    return terms.error();
  }

  store::LiveStream stream = std::move(settings).value();
  stream.artist_id = user->id;
  stream.created_at = now;
  stream.updated_at = now;
  stream.stream_key_rotated_at = now;
  // A key-hash collision is practically impossible (192 random bits); one retry covers even that.
  for (int attempt = 0; attempt < 2; ++attempt) {
    StreamKey key = generate_stream_key();
    stream.stream_key_hash = key.hash;
    auto created = store_->streams().create(stream);
    if (created) {
      spdlog::info("stream {} created by {}", created->id, created->artist_id);
      if (created->scheduled_at) notify_schedule_changed(*created, std::nullopt, false);
      return CreatedStream{std::move(created).value(), std::move(key.plain)};
    }
    if (created.error().code != errc::kConflict) return errc::from_store(created.error());
  }
  return make_error(errc::kInternal, "could not allocate a unique stream key");
}

Result<Decision> StreamService::decide_on(const Identity* caller, const store::LiveStream& stream,
                                          Action action) {
  auto subject = facts_.subject(caller, stream);
  if (!subject) return subject.error();
  // Only TIP and STREAM depend on the owner's verification; spare the lookup otherwise.
  StreamFacts facts;
  if (action == Action::kTip || action == Action::kStream) {
    auto loaded = facts_.stream_facts(stream);
    if (!loaded) return loaded.error();
    facts = *loaded;
  } else {
    facts = AccessFacts::stream_facts(stream, false);
  }
  return policy_.decide(*subject, facts, action);
}

Result<StreamView> StreamService::get(const Identity* caller, const std::string& id) {
  auto stream = store_->streams().find(id);
  if (!stream) return errc::from_store(stream.error());
  auto watch = decide_on(caller, *stream, Action::kWatch);
  if (!watch) return watch.error();
  const bool manager = caller != nullptr && (caller->user_id == stream->artist_id ||
                                             caller->role == store::Role::kAdmin);
  StreamView view{std::move(stream).value(), *watch, manager, std::nullopt, {}, std::nullopt};
  view.artist = artist_profile(view.stream.artist_id);
  if (view.artist) view.artist_name = view.artist->display_name;
  if (manager) {
    auto totals = store_->tickets().totals_for_stream(id);
    if (!totals) return errc::from_store(totals.error());
    view.tickets = *totals;
  }
  return view;
}

Result<void> StreamService::check_ticket_terms(store::Visibility visibility, int64_t price_cents,
                                               const std::string& currency) const {
  if (visibility != store::Visibility::kPaid) return ok_result();
  const TicketTerms& t = ticket_terms_;
  if (price_cents < t.min_cents || price_cents > t.max_cents) {
    return make_error(errc::kValidationFailed,
                      fmt::format("a PAID stream's priceCents must be {} to {} ({} minor units)",
                                  t.min_cents, t.max_cents, t.currency));
  }
  if (currency != t.currency) {
    return make_error(errc::kValidationFailed,
                      fmt::format("a PAID stream's currency must be '{}'", t.currency));
  }
  return ok_result();
}

Result<StreamListPage> StreamService::list(const Identity* caller, const StreamQuery& query) {
  store::StreamFilter filter;
  if (query.status) {
    filter.status = store::parse_stream_status(*query.status);
    if (!filter.status) {
      return make_error(errc::kValidationFailed,
                        "status must be CREATED, SCHEDULED, LIVE or ENDED");
    }
  }
  if (query.limit < 1 || query.limit > 200) {
    return make_error(errc::kValidationFailed, "limit must be 1 to 200");
  }
  filter.artist_id = query.artist_id;
  filter.limit = query.limit;
  filter.cursor = query.cursor;
  auto page = store_->streams().list(filter);
  if (!page) return errc::from_store(page.error());

  StreamListPage out;
  out.next_cursor = page->next_cursor;
  out.items.reserve(page->items.size());
  std::map<std::string, std::optional<ArtistProfile>> artists;
  for (store::LiveStream& stream : page->items) {
    auto watch = decide_on(caller, stream, Action::kWatch);
    if (!watch) return watch.error();
    const bool manager = caller != nullptr && (caller->user_id == stream.artist_id ||
                                               caller->role == store::Role::kAdmin);
    auto [artist, fresh] = artists.try_emplace(stream.artist_id);
    if (fresh) artist->second = artist_profile(stream.artist_id);
    std::string name = artist->second ? artist->second->display_name : std::string();
    out.items.push_back(StreamView{std::move(stream), *watch, manager, std::nullopt,
                                   std::move(name), artist->second});
  }
  return out;
}

Result<std::vector<StreamView>> StreamService::upcoming(const Identity* caller, int limit) {
  if (limit < 1 || limit > 100)
    return make_error(errc::kValidationFailed, "limit must be 1 to 100");
  auto streams = store_->streams().list_upcoming(clock_->unix_millis() - kUpcomingGraceMs, limit);
  if (!streams) return errc::from_store(streams.error());
  std::map<std::string, std::string> names;
  std::vector<StreamView> out;
  out.reserve(streams->size());
  for (store::LiveStream& stream : *streams) {
    auto watch = decide_on(caller, stream, Action::kWatch);
    if (!watch) return watch.error();
    const bool manager = caller != nullptr && (caller->user_id == stream.artist_id ||
                                               caller->role == store::Role::kAdmin);
    auto name = names.find(stream.artist_id);
    if (name == names.end()) {
      auto artist = store_->users().find_by_id(stream.artist_id);
      if (!artist && artist.error().code != errc::kNotFound)
        return errc::from_store(artist.error());
      name = names.emplace(stream.artist_id, artist ? artist->display_name : std::string()).first;
    }
    StreamView view{std::move(stream), *watch, manager, std::nullopt, name->second, std::nullopt};
    out.push_back(std::move(view));
  }
  return out;
}

std::string StreamService::artist_name(const std::string& artist_id) {
  auto artist = store_->users().find_by_id(artist_id);
  return artist ? artist->display_name : std::string();
}

std::optional<ArtistProfile> StreamService::artist_profile(const std::string& artist_id) {
  auto user = store_->users().find_by_id(artist_id);
  if (!user) return std::nullopt;
  ArtistProfile p;
  p.id = artist_id;
  p.display_name = user->display_name;
  if (auto subs = store_->subscriptions().list_active_for_artist(artist_id, clock_->unix_millis()))
    p.subscriber_count = static_cast<int64_t>(subs->size());
  return p;
}

Result<store::LiveStream> StreamService::load_managed(const Identity& caller,
                                                      const std::string& id) {
  auto stream = store_->streams().find(id);
  if (!stream) return errc::from_store(stream.error());
  auto decision = decide_on(&caller, *stream, Action::kManage);
  if (!decision) return decision.error();
  if (!decision->allowed) return refusal(*decision, "managing this stream");
  return stream;
}

Result<store::LiveStream> StreamService::patch(const Identity& caller, const std::string& id,
                                               const StreamInput& input) {
  auto stream = load_managed(caller, id);
  if (!stream) return stream.error();
  const int64_t now = clock_->unix_millis();
  auto update = settings_update(input, *stream, now);
  if (!update) return update.error();
  if (auto terms = check_ticket_terms(update->visibility.value_or(stream->visibility),
                                      update->price_cents.value_or(stream->price_cents),
                                      update->currency.value_or(stream->currency));
      !terms) {
    return terms.error();
  }
  if (stream->status == StreamStatus::kLive && changes_access_terms(*update, *stream)) {
    return make_error(errc::kConflict,
                      "visibility, minTier, priceCents and currency cannot change while live");
  }
  if (update->scheduled_at &&
      (stream->status == StreamStatus::kLive || stream->status == StreamStatus::kEnded)) {
    return make_error(errc::kConflict, "scheduledAt can only change before the stream goes live");
  }
  auto updated = store_->streams().update_settings(id, *update, now);
  if (!updated) return errc::from_store(updated.error());
  notify_settings_changed(*updated);
  if (updated->scheduled_at != stream->scheduled_at) {
    notify_schedule_changed(*updated, stream->scheduled_at, false);
  }
  return updated;
}

Result<void> StreamService::remove(const Identity& caller, const std::string& id) {
  auto stream = load_managed(caller, id);
  if (!stream) return stream.error();
  if (stream->status == StreamStatus::kLive) {
    return make_error(errc::kConflict, "end the stream before deleting it");
  }
  auto deleted = store_->streams().soft_delete(id, clock_->unix_millis());
  if (!deleted) return errc::from_store(deleted.error());
  spdlog::info("stream {} deleted by {}", id, caller.user_id);
  if (stream->status == StreamStatus::kScheduled) {
    notify_schedule_changed(*stream, stream->scheduled_at, true);
  }
  return ok_result();
}

Result<std::string> StreamService::rotate_key(const Identity& caller, const std::string& id) {
  auto stream = load_managed(caller, id);
  if (!stream) return stream.error();
  if (stream->status == StreamStatus::kEnded) {
    return make_error(errc::kStreamEnded, "an ended stream has no use for a key");
  }
  const int64_t now = clock_->unix_millis();
  for (int attempt = 0; attempt < 2; ++attempt) {
    StreamKey key = generate_stream_key();
    auto rotated = store_->streams().rotate_key(id, key.hash, now);
    if (rotated) {
      spdlog::info("stream {} key rotated by {}", id, caller.user_id);
      if (stream->status == StreamStatus::kLive) notify_key_rotated(id);
      return std::move(key.plain);
    }
    if (rotated.error().code != errc::kConflict) return errc::from_store(rotated.error());
  }
  return make_error(errc::kInternal, "could not allocate a unique stream key");
}

Result<store::LiveStream> StreamService::end(const Identity& caller, const std::string& id) {
  auto stream = load_managed(caller, id);
  if (!stream) return stream.error();
  if (stream->status == StreamStatus::kEnded) {
    return make_error(errc::kStreamEnded, "the stream has already ended");
  }
  const bool by_owner = caller.user_id == stream->artist_id;
  auto ended = mark_ended(id, by_owner ? kEndedByOwner : kEndedByAdmin);
  // Ending a stream that was waiting for its scheduled time cancels it.
  if (ended && stream->status == StreamStatus::kScheduled) {
    notify_schedule_changed(*ended, stream->scheduled_at, true);
  }
  return ended;
}

Result<Decision> StreamService::decide(const Identity* caller, const std::string& id,
                                       Action action) {
  auto stream = store_->streams().find(id);
  if (!stream) return errc::from_store(stream.error());
  return decide_on(caller, *stream, action);
}

Result<PlaybackGrant> StreamService::issue_playback(const Identity* caller, const std::string& id) {
  auto decision = decide(caller, id, Action::kWatch);
  if (!decision) return decision.error();
  if (!decision->allowed) return refusal(*decision, "watching this stream");
  return playback_->issue(id,
                          caller != nullptr ? std::string_view(caller->user_id) : kAnonymousViewer);
}

Result<std::string> StreamService::authorize_publish(std::string_view stream_key) {
  const auto unknown = [] {
    return make_error(errc::kUnauthorized, "the stream key is not valid");
  };
  if (!looks_like_stream_key(stream_key)) return unknown();
  // Looking up by the hash needs no constant-time comparison: the timing of an index lookup
  // tells an attacker nothing about a key they have not already guessed whole.
  auto stream = store_->streams().find_by_key_hash(hash_stream_key(stream_key));
  if (!stream) {
    if (stream.error().code == errc::kNotFound) return unknown();
    return errc::from_store(stream.error());
  }
  auto facts = facts_.stream_facts(*stream);
  if (!facts) return facts.error();
  // Whoever holds the current key acts as the owner's encoder.
  Subject owner;
  owner.anonymous = false;
  owner.role = store::Role::kArtist;
  owner.owner = true;
  const Decision d = policy_.decide(owner, *facts, Action::kStream);
  if (!d.allowed) return refusal(d, "publishing");
  return stream->id;
}

Result<std::string> StreamService::authorize_owner_publish(const Identity& caller,
                                                           const std::string& id) {
  auto stream = store_->streams().find(id);
  if (!stream) return errc::from_store(stream.error());
  if (caller.user_id != stream->artist_id) {
    return make_error(errc::kNotOwner, "only the stream's owner may publish to it");
  }
  auto decision = decide_on(&caller, *stream, Action::kStream);
  if (!decision) return decision.error();
  if (!decision->allowed) return refusal(*decision, "publishing");
  return stream->id;
}

Result<store::LiveStream> StreamService::mark_live(const std::string& id) {
  const int64_t now = clock_->unix_millis();
  auto live = store_->streams().mark_live(id, now);
  if (!live) {
    if (live.error().code == "invalid_transition") {
      return make_error(errc::kStreamEnded, "an ended stream cannot go live again");
    }
    return errc::from_store(live.error());
  }
  // The store keeps the original started_at when the stream was LIVE already (a second node or
  // a late reconnect); only the call that really started the stream announces it.
  if (live->started_at && *live->started_at == now) notify_live(*live);
  return live;
}

Result<store::LiveStream> StreamService::mark_resumed(const std::string& id) {
  auto stream = store_->streams().find(id);
  if (!stream) return errc::from_store(stream.error());
  if (stream->status != StreamStatus::kLive) {
    return make_error(errc::kConflict, "only a live stream can resume");
  }
  auto live = store_->streams().mark_live(id, clock_->unix_millis());
  if (!live) return errc::from_store(live.error());
  return live;
}

Result<store::LiveStream> StreamService::mark_ended(const std::string& id,
                                                    std::string_view reason) {
  auto ended = store_->streams().mark_ended(id, clock_->unix_millis(), std::string(reason));
  if (!ended) {
    if (ended.error().code == "invalid_transition") {
      return make_error(errc::kStreamEnded, "the stream has already ended");
    }
    return errc::from_store(ended.error());
  }
  spdlog::info("stream {} ended ({})", id, reason);
  notify_ended(*ended, reason);
  return ended;
}

void StreamService::notify_live(const store::LiveStream& stream) {
  std::shared_lock lock(listeners_mutex_);
  for (StreamEvents* l : listeners_) {
    try {
      l->went_live(stream);
    } catch (const std::exception& e) {
      spdlog::error("went_live listener failed for stream {}: {}", stream.id, e.what());
    }
  }
}

void StreamService::notify_ended(const store::LiveStream& stream, std::string_view reason) {
  std::shared_lock lock(listeners_mutex_);
  for (StreamEvents* l : listeners_) {
    try {
      l->ended(stream, reason);
    } catch (const std::exception& e) {
      spdlog::error("ended listener failed for stream {}: {}", stream.id, e.what());
    }
  }
}

void StreamService::notify_key_rotated(const std::string& stream_id) {
  std::shared_lock lock(listeners_mutex_);
  for (StreamEvents* l : listeners_) {
    try {
      l->key_rotated(stream_id);
    } catch (const std::exception& e) {
      spdlog::error("key_rotated listener failed for stream {}: {}", stream_id, e.what());
    }
  }
}

void StreamService::notify_schedule_changed(const store::LiveStream& stream,
                                            std::optional<int64_t> previous_at, bool cancelled) {
  std::shared_lock lock(listeners_mutex_);
  for (StreamEvents* l : listeners_) {
    try {
      l->schedule_changed(stream, previous_at, cancelled);
    } catch (const std::exception& e) {
      spdlog::error("schedule_changed listener failed for stream {}: {}", stream.id, e.what());
    }
  }
}

void StreamService::notify_settings_changed(const store::LiveStream& stream) {
  std::shared_lock lock(listeners_mutex_);
  for (StreamEvents* l : listeners_) {
    try {
      l->settings_changed(stream);
    } catch (const std::exception& e) {
      spdlog::error("settings_changed listener failed for stream {}: {}", stream.id, e.what());
    }
  }
}

}  // namespace stagecast::platform
