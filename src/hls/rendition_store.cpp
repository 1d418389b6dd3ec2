#include "hls/rendition_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "hls/hls_names.h"

namespace stagecast::hls {

struct RenditionStore::Waiter {
  enum class Kind { AnyPlaylist, Playlist, Part };
  Kind kind = Kind::Playlist;
  int64_t msn = 0;
  std::optional<int> part;
  std::optional<Deadline> deadline;  // resolved against the rendition when registered
  WaitCallback callback;
};

// A complete segment is the concatenation of its parts. While all its parts are held (the newest
// segments: parts stay fetchable a while) it is kept as those parts only, and served as a gather
// of them; its own bytes exist once the parts are trimmed. Nothing is held twice.
struct RenditionStore::Segment {
  SharedBytes bytes;  // the whole segment, when it is not (any more) held as its parts
  std::vector<SharedBytes> parts;
  int part_count = 0;
  bool complete = false;

  // Every part of the segment is here.
  bool has_all_parts() const {
    if (parts.empty() || parts.size() != static_cast<size_t>(part_count)) return false;
    return std::all_of(parts.begin(), parts.end(), [](const auto& p) { return p != nullptr; });
  }
  bool held_as_parts() const { return complete && !bytes && has_all_parts(); }
  size_t parts_size() const {
    size_t total = 0;
    for (const auto& p : parts) total += p ? p->size() : 0;
    return total;
  }
  // The parts as one buffer (they must all be here).
  SharedBytes joined_parts() const {
    auto out = std::make_shared<Bytes>();
    out->reserve(parts_size());
    for (const auto& p : parts) out->insert(out->end(), p->begin(), p->end());
    return out;
  }
};

struct RenditionStore::Rendition {
  std::string name;
  SharedBytes playlist;  // with rendition reports
  SharedBytes delta_playlist;  // its delta update, likewise; null when it would skip nothing
  RenditionEdge edge;
  VariantInfo variant;
  std::map<int, SharedBytes> inits;
  std::map<int64_t, Segment> segments;
  std::vector<Waiter> waiters;
  uint64_t bytes = 0;
  // Withdrawn (withdraw_rendition): no playlist any more; what it listed is served until then.
  std::optional<Deadline> withdrawn_until;
};

struct RenditionStore::StreamSlot {
  mutable std::mutex mu;
  std::vector<std::unique_ptr<Rendition>> renditions;  // in the order they first appeared
  std::optional<Deadline> retire_at;
  std::vector<Waiter> multivariant_waiters;
};

namespace {

uint64_t size_of(const SharedBytes& b) {
  return b ? b->size() : 0;
}

Deadline after_seconds(Deadline now, double seconds) {
  return now + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

}  // namespace

RenditionStore::RenditionStore(const Clock& clock, Options options)
    : clock_(clock), options_(options) {}

RenditionStore::~RenditionStore() = default;

std::shared_ptr<RenditionStore::StreamSlot> RenditionStore::find_slot(
    const std::string& stream_id) const {
  std::shared_lock lock(mu_);
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second;
}

std::shared_ptr<RenditionStore::StreamSlot> RenditionStore::find_or_create_slot(
    const std::string& stream_id) {
  if (auto slot = find_slot(stream_id)) return slot;
  std::unique_lock lock(mu_);
  auto& slot = streams_[stream_id];
  if (!slot) slot = std::make_shared<StreamSlot>();
  return slot;
}

RenditionStore::Rendition* RenditionStore::find_rendition(StreamSlot& slot,
                                                          const std::string& rendition) {
  for (auto& r : slot.renditions)
    if (r->name == rendition) return r.get();
  return nullptr;
}

void RenditionStore::fire(Fired& fired) {
  for (auto& [callback, result] : fired) callback(result);
  fired.clear();
}

void RenditionStore::open_rendition(const std::string& stream_id, const std::string& rendition) {
  Fired fired;
  auto slot = find_or_create_slot(stream_id);
  {
    std::lock_guard lock(slot->mu);
    slot->retire_at.reset();
    if (Rendition* r = find_rendition(*slot, rendition)) {
      for (auto& w : r->waiters) fired.emplace_back(std::move(w.callback), WaitResult::NotFound);
      auto name = r->name;
      *r = Rendition{};
      r->name = std::move(name);
    } else {
      auto fresh = std::make_unique<Rendition>();
      fresh->name = rendition;
      slot->renditions.push_back(std::move(fresh));
    }
  }
  fire(fired);
}

void RenditionStore::compose_playlist(StreamSlot& slot, Rendition& r, const std::string& body,
                                      const std::string& delta) const {
  std::string reports;
  if (!r.edge.ended) {
    // 4.4.5.4: where the other renditions' live edges are, so a player switching rungs can ask
    // for the right part at once.
    for (const auto& other : slot.renditions) {
      if (other.get() == &r || !other->playlist || other->edge.ended || !other->edge.last_part)
        continue;
      reports += fmt::format("#EXT-X-RENDITION-REPORT:URI=\"{}\",LAST-MSN={},LAST-PART={}\n",
                             sibling_playlist_uri(other->name), other->edge.last_part->msn,
                             other->edge.last_part->part);
    }
  }
  auto compose = [&reports](const std::string& text) {
    auto bytes = std::make_shared<Bytes>();
    bytes->reserve(text.size() + reports.size());
    bytes->insert(bytes->end(), text.begin(), text.end());
    bytes->insert(bytes->end(), reports.begin(), reports.end());
    return SharedBytes(std::move(bytes));
  };
  r.bytes -= size_of(r.playlist) + size_of(r.delta_playlist);
  r.playlist = compose(body);
  r.delta_playlist = delta.empty() ? nullptr : compose(delta);
  r.bytes += size_of(r.playlist) + size_of(r.delta_playlist);
}

std::optional<WaitResult> RenditionStore::evaluate(const Rendition& r, const Waiter& w) {
  switch (w.kind) {
    case Waiter::Kind::AnyPlaylist:
      if (r.playlist) return WaitResult::Ready;
      return std::nullopt;
    case Waiter::Kind::Playlist: {
      if (!r.playlist) return std::nullopt;
      auto part_count = [&r](int64_t msn) -> std::optional<int> {
        auto it = r.segments.find(msn);
        if (it == r.segments.end()) return std::nullopt;
        return it->second.part_count;
      };
      switch (decide_blocking_reload(r.edge, w.msn, w.part, part_count)) {
        case ReloadDecision::Ready:
          return WaitResult::Ready;
        case ReloadDecision::TooFarAhead:
          return WaitResult::TooFarAhead;
        case ReloadDecision::Wait:
          return std::nullopt;
      }
      return std::nullopt;
    }
    case Waiter::Kind::Part: {
      const PartRef ref{w.msn, w.part.value_or(0)};
      auto it = r.segments.find(ref.msn);
      const bool exists = it != r.segments.end() && ref.part >= 0 &&
                          ref.part < static_cast<int>(it->second.parts.size()) &&
                          it->second.parts[static_cast<size_t>(ref.part)];
      if (exists) return WaitResult::Ready;
      // Only the hinted part may be waited for (6.2.6); a part the hint moved past without
      // producing (discontinuity, end) will never exist.
      if (r.edge.ended || !r.edge.preload_hint || ref < *r.edge.preload_hint)
        return WaitResult::NotFound;
      if (ref > *r.edge.preload_hint) return WaitResult::NotFound;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

void RenditionStore::settle_waiters(Rendition& r, Fired& fired) {
  auto keep_end = std::stable_partition(r.waiters.begin(), r.waiters.end(), [&](Waiter& w) {
    auto result = evaluate(r, w);
    // A waiter registered as admissible stays so: the edge only moves forward.
    if (!result || *result == WaitResult::TooFarAhead) return true;
    fired.emplace_back(std::move(w.callback), *result);
    return false;
  });
  r.waiters.erase(keep_end, r.waiters.end());
}

void RenditionStore::publish(const std::string& stream_id, const std::string& rendition,
                             RenditionUpdate update) {
  if (observer_) observer_->on_published(stream_id, rendition, update);
  Fired fired;
  auto slot = find_or_create_slot(stream_id);
  {
    std::lock_guard lock(slot->mu);
    Rendition* r = find_rendition(*slot, rendition);
    if (r && r->withdrawn_until) return;  // a packager finishing after its rung was withdrawn
    if (!r) {
      auto fresh = std::make_unique<Rendition>();
      fresh->name = rendition;
      r = fresh.get();
      slot->renditions.push_back(std::move(fresh));
    }
    if (update.init_version && update.init) {
      auto& slot_init = r->inits[*update.init_version];
      r->bytes -= size_of(slot_init);
      slot_init = std::move(update.init);
      r->bytes += size_of(slot_init);
      while (r->inits.size() > options_.max_init_versions) {
        r->bytes -= size_of(r->inits.begin()->second);
        r->inits.erase(r->inits.begin());
      }
    }
    for (auto& p : update.parts) {
      auto& seg = r->segments[p.ref.msn];
      if (p.ref.part < 0) continue;
      const auto index = static_cast<size_t>(p.ref.part);
      if (seg.parts.size() <= index) seg.parts.resize(index + 1);
      r->bytes -= size_of(seg.parts[index]);
      seg.parts[index] = std::move(p.bytes);
      r->bytes += size_of(seg.parts[index]);
      seg.part_count = std::max(seg.part_count, p.ref.part + 1);
    }
    for (auto& s : update.segments) {
      auto& seg = r->segments[s.msn];
      r->bytes -= size_of(seg.bytes);
      seg.bytes = std::move(s.bytes);
      seg.part_count = s.part_count;
      seg.complete = true;
      // The packager sends the whole segment; when its parts are all here and add up to it,
      // they are what is kept.
      if (seg.bytes && seg.has_all_parts() && seg.parts_size() == seg.bytes->size())
        seg.bytes.reset();
      r->bytes += size_of(seg.bytes);
    }
    for (auto it = r->segments.begin(); it != r->segments.end();) {
      if (it->first < update.keep_segments_from) {
        r->bytes -= size_of(it->second.bytes);
        for (const auto& p : it->second.parts) r->bytes -= size_of(p);
        it = r->segments.erase(it);
        continue;
      }
      if (it->first < update.keep_parts_from && !it->second.parts.empty()) {
        if (it->second.held_as_parts()) {
          it->second.bytes = it->second.joined_parts();  // the segment outlives its parts
          r->bytes += size_of(it->second.bytes);
        }
        for (const auto& p : it->second.parts) r->bytes -= size_of(p);
        it->second.parts.clear();
        it->second.parts.shrink_to_fit();
      }
      ++it;
    }
    r->edge = update.edge;
    r->variant = std::move(update.variant);
    r->variant.rendition = rendition;
    compose_playlist(*slot, *r, update.playlist, update.delta_playlist);
    settle_waiters(*r, fired);
    if (!slot->multivariant_waiters.empty() && has_multivariant(*slot)) {
      for (auto& w : slot->multivariant_waiters)
        fired.emplace_back(std::move(w.callback), WaitResult::Ready);
      slot->multivariant_waiters.clear();
    }
  }
  fire(fired);
}

bool RenditionStore::has_multivariant(const StreamSlot& slot) {
  for (const auto& r : slot.renditions)
    if (r->playlist && !r->inits.empty()) return true;
  return false;
}

void RenditionStore::wait_for_multivariant(const std::string& stream_id,
                                           std::optional<Deadline> deadline,
                                           WaitCallback callback) {
  std::optional<WaitResult> immediate = WaitResult::NotFound;
  if (auto slot = find_slot(stream_id)) {
    std::lock_guard lock(slot->mu);
    if (has_multivariant(*slot)) {
      immediate = WaitResult::Ready;
    } else if (slot->multivariant_waiters.size() >= options_.max_waiters_per_rendition) {
      immediate = WaitResult::Overloaded;
    } else {
      Waiter w;
      w.kind = Waiter::Kind::AnyPlaylist;
      w.deadline = deadline.value_or(clock_.steady_now() + options_.first_playlist_wait);
      w.callback = std::move(callback);
      slot->multivariant_waiters.push_back(std::move(w));
      immediate.reset();
    }
  }
  if (immediate) callback(*immediate);
}

void RenditionStore::retire_stream(const std::string& stream_id, std::chrono::milliseconds linger) {
  auto slot = find_slot(stream_id);
  if (!slot) return;
  std::lock_guard lock(slot->mu);
  slot->retire_at = clock_.steady_now() + linger;
}

void RenditionStore::withdraw_rendition(const std::string& stream_id,
                                        const std::string& rendition) {
  if (observer_) observer_->on_withdrawn(stream_id, rendition);
  auto slot = find_slot(stream_id);
  if (!slot) return;
  Fired fired;
  {
    std::lock_guard lock(slot->mu);
    Rendition* r = find_rendition(*slot, rendition);
    if (!r || r->withdrawn_until) return;
    for (auto& w : r->waiters) fired.emplace_back(std::move(w.callback), WaitResult::NotFound);
    r->waiters.clear();
    // 6.2.1: a playlist removed answers 404, but the media it listed MUST stay available for at
    // least the playlist's duration, so that playback in progress is not cut: its complete
    // segments and the open one, each under the target duration plus half a second (4.4.3.1).
    const int64_t listed = std::max<int64_t>(0, r->edge.last_complete_msn - r->edge.media_sequence + 1);
    r->withdrawn_until = after_seconds(clock_.steady_now(),
                                       static_cast<double>(listed + 1) * (r->edge.target_duration + 0.5));
    r->bytes -= size_of(r->playlist) + size_of(r->delta_playlist);
    r->playlist.reset();
    r->delta_playlist.reset();
  }
  fire(fired);
}

void RenditionStore::remove_stream(const std::string& stream_id) {
  std::shared_ptr<StreamSlot> slot;
  {
    std::unique_lock lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end()) return;
    slot = std::move(it->second);
    streams_.erase(it);
  }
  Fired fired;
  {
    std::lock_guard lock(slot->mu);
    for (auto& r : slot->renditions)
      for (auto& w : r->waiters) fired.emplace_back(std::move(w.callback), WaitResult::NotFound);
    for (auto& w : slot->multivariant_waiters)
      fired.emplace_back(std::move(w.callback), WaitResult::NotFound);
    slot->multivariant_waiters.clear();
    slot->renditions.clear();
  }
  fire(fired);
}

SharedBytes RenditionStore::media_playlist(const std::string& stream_id,
                                           const std::string& rendition, bool delta) const {
  auto slot = find_slot(stream_id);
  if (!slot) return nullptr;
  std::lock_guard lock(slot->mu);
  const Rendition* r = find_rendition(*slot, rendition);
  if (!r) return nullptr;
  if (delta && r->playlist) {
    delta_requests_.fetch_add(1, std::memory_order_relaxed);
    if (r->delta_playlist) {
      delta_updates_.fetch_add(1, std::memory_order_relaxed);
      return r->delta_playlist;
    }
  }
  return r->playlist;
}

std::optional<std::string> RenditionStore::multivariant_playlist(
    const std::string& stream_id) const {
  auto slot = find_slot(stream_id);
  if (!slot) return std::nullopt;
  std::vector<VariantInfo> variants;
  {
    std::lock_guard lock(slot->mu);
    for (const auto& r : slot->renditions)
      if (r->playlist && !r->inits.empty()) variants.push_back(r->variant);
  }
  if (variants.empty()) return std::nullopt;
  return render_multivariant_playlist(variants);
}

SharedBytes RenditionStore::init_segment(const std::string& stream_id, const std::string& rendition,
                                         int version) const {
  auto slot = find_slot(stream_id);
  if (!slot) return nullptr;
  std::lock_guard lock(slot->mu);
  const Rendition* r = find_rendition(*slot, rendition);
  if (!r) return nullptr;
  auto it = r->inits.find(version);
  return it == r->inits.end() ? nullptr : it->second;
}

SharedBytes RenditionStore::segment(const std::string& stream_id, const std::string& rendition,
                                    int64_t msn) const {
  auto slot = find_slot(stream_id);
  if (!slot) return nullptr;
  std::lock_guard lock(slot->mu);
  const Rendition* r = find_rendition(*slot, rendition);
  if (!r) return nullptr;
  auto it = r->segments.find(msn);
  if (it == r->segments.end()) return nullptr;
  if (it->second.held_as_parts()) return it->second.joined_parts();
  return it->second.bytes;
}

std::vector<SharedBytes> RenditionStore::segment_pieces(const std::string& stream_id,
                                                        const std::string& rendition,
                                                        int64_t msn) const {
  auto slot = find_slot(stream_id);
  if (!slot) return {};
  std::lock_guard lock(slot->mu);
  const Rendition* r = find_rendition(*slot, rendition);
  if (!r) return {};
  auto it = r->segments.find(msn);
  if (it == r->segments.end()) return {};
  if (it->second.held_as_parts()) return it->second.parts;
  if (it->second.bytes) return {it->second.bytes};
  return {};
}

SharedBytes RenditionStore::part(const std::string& stream_id, const std::string& rendition,
                                 PartRef ref) const {
  auto slot = find_slot(stream_id);
  if (!slot || ref.part < 0) return nullptr;
  std::lock_guard lock(slot->mu);
  const Rendition* r = find_rendition(*slot, rendition);
  if (!r) return nullptr;
  auto it = r->segments.find(ref.msn);
  if (it == r->segments.end() || static_cast<size_t>(ref.part) >= it->second.parts.size())
    return nullptr;
  return it->second.parts[static_cast<size_t>(ref.part)];
}

std::optional<RenditionEdge> RenditionStore::edge(const std::string& stream_id,
                                                  const std::string& rendition) const {
  auto slot = find_slot(stream_id);
  if (!slot) return std::nullopt;
  std::lock_guard lock(slot->mu);
  const Rendition* r = find_rendition(*slot, rendition);
  if (!r || !r->playlist) return std::nullopt;
  return r->edge;
}

bool RenditionStore::has_rendition(const std::string& stream_id,
                                   const std::string& rendition) const {
  auto slot = find_slot(stream_id);
  if (!slot) return false;
  std::lock_guard lock(slot->mu);
  const Rendition* r = find_rendition(*slot, rendition);
  return r && !r->withdrawn_until;
}

void RenditionStore::add_waiter(const std::string& stream_id, const std::string& rendition,
                                Waiter waiter) {
  std::optional<WaitResult> immediate = WaitResult::NotFound;
  if (auto slot = find_slot(stream_id)) {
    std::lock_guard lock(slot->mu);
    Rendition* r = find_rendition(*slot, rendition);
    if (r && !r->withdrawn_until) {
      immediate = evaluate(*r, waiter);
      if (!immediate) {
        if (r->waiters.size() >= options_.max_waiters_per_rendition) {
          immediate = WaitResult::Overloaded;
        } else {
          const Deadline now = clock_.steady_now();
          if (!waiter.deadline) {
            waiter.deadline = r->playlist ? after_seconds(now, 3.0 * r->edge.target_duration)
                                          : now + options_.first_playlist_wait;
          }
          r->waiters.push_back(std::move(waiter));
        }
      }
    }
  }
  if (immediate) waiter.callback(*immediate);
}

void RenditionStore::wait_for_playlist(const std::string& stream_id, const std::string& rendition,
                                       std::optional<int64_t> msn, std::optional<int> part,
                                       std::optional<Deadline> deadline, WaitCallback callback) {
  Waiter w;
  w.kind = msn ? Waiter::Kind::Playlist : Waiter::Kind::AnyPlaylist;
  w.msn = msn.value_or(0);
  w.part = part;
  w.deadline = deadline;
  w.callback = std::move(callback);
  add_waiter(stream_id, rendition, std::move(w));
}

void RenditionStore::wait_for_part(const std::string& stream_id, const std::string& rendition,
                                   PartRef ref, std::optional<Deadline> deadline,
                                   WaitCallback callback) {
  Waiter w;
  w.kind = Waiter::Kind::Part;
  w.msn = ref.msn;
  w.part = ref.part;
  w.deadline = deadline;
  w.callback = std::move(callback);
  add_waiter(stream_id, rendition, std::move(w));
}

void RenditionStore::expire_waiters() {
  const Deadline now = clock_.steady_now();
  std::vector<std::pair<std::string, std::shared_ptr<StreamSlot>>> slots;
  {
    std::shared_lock lock(mu_);
    slots.reserve(streams_.size());
    for (const auto& [id, slot] : streams_) slots.emplace_back(id, slot);
  }
  Fired fired;
  std::vector<std::string> retired;
  for (auto& [id, slot] : slots) {
    std::lock_guard lock(slot->mu);
    if (slot->retire_at && *slot->retire_at <= now) retired.push_back(id);
    auto expired = [&](Waiter& w) {
      if (w.deadline && *w.deadline > now) return true;
      fired.emplace_back(std::move(w.callback), WaitResult::TimedOut);
      return false;
    };
    auto& mv = slot->multivariant_waiters;
    mv.erase(std::stable_partition(mv.begin(), mv.end(), expired), mv.end());
    for (auto& r : slot->renditions) {
      r->waiters.erase(std::stable_partition(r->waiters.begin(), r->waiters.end(), expired),
                       r->waiters.end());
    }
    std::erase_if(slot->renditions,
                  [now](const auto& r) { return r->withdrawn_until && *r->withdrawn_until <= now; });
  }
  fire(fired);
  for (const auto& id : retired) {
    // Re-checked under the lock: the stream may have been reopened in between.
    auto slot = find_slot(id);
    if (!slot) continue;
    bool still_retired = false;
    {
      std::lock_guard lock(slot->mu);
      still_retired = slot->retire_at && *slot->retire_at <= now;
    }
    if (still_retired) remove_stream(id);
  }
}

std::optional<Deadline> RenditionStore::next_deadline() const {
  std::vector<std::shared_ptr<StreamSlot>> slots;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, slot] : streams_) slots.push_back(slot);
  }
  std::optional<Deadline> next;
  auto consider = [&next](Deadline d) {
    if (!next || d < *next) next = d;
  };
  for (const auto& slot : slots) {
    std::lock_guard lock(slot->mu);
    if (slot->retire_at) consider(*slot->retire_at);
    for (const auto& w : slot->multivariant_waiters)
      if (w.deadline) consider(*w.deadline);
    for (const auto& r : slot->renditions) {
      if (r->withdrawn_until) consider(*r->withdrawn_until);
      for (const auto& w : r->waiters)
        if (w.deadline) consider(*w.deadline);
    }
  }
  return next;
}

RenditionStore::Stats RenditionStore::stats() const {
  std::vector<std::shared_ptr<StreamSlot>> slots;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, slot] : streams_) slots.push_back(slot);
  }
  Stats s;
  s.streams = slots.size();
  s.delta_requests = delta_requests_.load(std::memory_order_relaxed);
  s.delta_updates = delta_updates_.load(std::memory_order_relaxed);
  for (const auto& slot : slots) {
    std::lock_guard lock(slot->mu);
    s.renditions += slot->renditions.size();
    s.waiters += slot->multivariant_waiters.size();
    for (const auto& r : slot->renditions) {
      s.bytes += r->bytes;
      s.waiters += r->waiters.size();
      for (const auto& [msn, seg] : r->segments) {
        if (seg.complete) ++s.segments;
        for (const auto& p : seg.parts) s.parts += p ? 1 : 0;
      }
    }
  }
  return s;
}

}  // namespace stagecast::hls
