#include "platform/analytics_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "platform/analytics_view.h"

namespace stagecast::platform {

AnalyticsService::AnalyticsService(store::Store& store, const Clock& clock,
                                   AnalyticsOptions options)
    : store_(store), clock_(clock), options_(options), sessions_(options.sessions) {}

void AnalyticsService::presence_started(const std::string& stream_id, const ViewerSource& who,
                                        int64_t at) {
  std::lock_guard lock(mu_);
  if (auto it = live_.find(stream_id); it != live_.end()) it->second.tally->source_started(who, at);
}

void AnalyticsService::presence_ended(const std::string& stream_id, const std::string& person_key,
                                      int64_t at) {
  std::lock_guard lock(mu_);
  if (auto it = live_.find(stream_id); it != live_.end())
    it->second.tally->source_ended(person_key, at);
}

void AnalyticsService::chat_message(const std::string& stream_id, const std::string& user_id,
                                    int64_t at) {
  std::lock_guard lock(mu_);
  if (auto it = live_.find(stream_id); it != live_.end())
    it->second.tally->chat_message(user_id, at);
}

std::optional<int64_t> AnalyticsService::viewers_now(const std::string& stream_id) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(stream_id);
  if (it == live_.end()) return std::nullopt;
  return it->second.tally->viewers_now();
}

std::shared_ptr<const std::string> AnalyticsService::live_json(const std::string& stream_id) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(stream_id);
  return it == live_.end() ? nullptr : it->second.json;
}

void AnalyticsService::went_live(const store::LiveStream& stream) {
  const int64_t started = stream.started_at.value_or(clock_.unix_millis());
  std::lock_guard lock(mu_);
  if (live_.contains(stream.id)) return;
  Live live;
  live.tally =
      std::make_unique<StreamTally>(stream.id, stream.artist_id, started, options_.bucket_ms);
  live_.emplace(stream.id, std::move(live));
}

void AnalyticsService::ended(const store::LiveStream& stream, std::string_view) {
  const int64_t at = stream.ended_at.value_or(clock_.unix_millis());
  // HLS sessions that started since the last sweep count before the visits close; those still
  // fetching then end with the stream.
  const HlsSweep sweep = options_.hls_sessions ? sessions_.sweep(at) : HlsSweep{};
  sessions_.end_stream(stream.id);
  std::lock_guard lock(mu_);
  apply_sweep(sweep);
  auto it = live_.find(stream.id);
  if (it == live_.end()) {
    // Not live here (a restart ended what a killed run left LIVE): its stored live figures
    // become the summary.
    finish_stored_.emplace_back(stream.id, at);
    return;
  }
  it->second.tally->end(at);
  finishing_.push_back(std::move(it->second));
  live_.erase(it);
}

void AnalyticsService::tip_succeeded(const store::Tip& tip, const store::LiveStream& stream,
                                     const store::ChatMessage&) {
  const int64_t at = tip.updated_at > 0 ? tip.updated_at : clock_.unix_millis();
  std::lock_guard lock(mu_);
  if (auto it = live_.find(stream.id); it != live_.end()) {
    it->second.tally->tip(tip.amount_cents, tip.fee_cents, tip.currency, at);
    return;
  }
  for (Live& f : finishing_) {
    if (f.tally->stream_id() == stream.id)
      f.tally->tip(tip.amount_cents, tip.fee_cents, tip.currency, at);
  }
}

void AnalyticsService::apply_sweep(const HlsSweep& sweep) {
  auto key_of = [](const HlsSessionChange& c) {
    return c.user_id.empty() ? "hls:" + c.sid : c.user_id;
  };
  for (const HlsSessionChange& c : sweep.started) {
    auto it = live_.find(c.stream_id);
    if (it == live_.end()) continue;
    ViewerSource who;
    who.person_key = key_of(c);
    if (c.user_id.empty()) {
      who.session_id = c.sid;
    } else {
      who.user_id = c.user_id;
    }
    who.device = c.device;
    it->second.tally->source_started(who, c.first_ms);
  }
  for (const HlsSessionChange& c : sweep.ended) {
    auto it = live_.find(c.stream_id);
    if (it == live_.end()) continue;
    it->second.tally->source_ended(key_of(c), c.last_ms, c.rendition_ms);
  }
}

bool AnalyticsService::write(const Write& w) {
  if (auto r = store_.viewers().save_all(w.rows); !r) {
    spdlog::warn("analytics: stream {}: writing viewer sessions failed: {}", w.figures.stream_id,
                 r.error().message);
    return r.error().code != "db_unavailable";  // refused for good: dropped, else retried
  }
  if (auto r = store_.analytics().save(w.figures, w.buckets); !r) {
    spdlog::warn("analytics: stream {}: writing figures failed: {}", w.figures.stream_id,
                 r.error().message);
    return r.error().code != "db_unavailable";
  }
  (void)store_.streams().update_viewer_stats(w.figures.stream_id, w.figures.peak_viewers,
                                             w.figures.unique_viewers, w.figures.updated_at);
  return true;
}

void AnalyticsService::count_subscribers() {
  std::vector<std::pair<std::string, std::pair<std::string, int64_t>>> streams;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, live] : live_)
      streams.push_back({id, {live.tally->artist_id(), live.tally->started_at()}});
  }
  const int64_t now = clock_.unix_millis();
  for (const auto& [id, artist] : streams) {
    auto subs = store_.subscriptions().list_active_for_artist(artist.first, now);
    if (!subs) continue;
    int64_t n = 0;
    for (const auto& s : *subs)
      if (s.created_at >= artist.second) ++n;
    std::lock_guard lock(mu_);
    if (auto it = live_.find(id); it != live_.end()) it->second.tally->set_new_subscribers(n);
  }
}

void AnalyticsService::finish_stored(const std::string& stream_id, int64_t ended_at) {
  auto stored = store_.analytics().find(stream_id);
  if (!stored || stored->final) return;
  store::StreamAnalytics f = *stored;
  // The last figures written while it ran are all that is known: the visits end there.
  const int64_t last = std::min(ended_at, f.updated_at);
  (void)store_.viewers().close_all(stream_id, last);
  f.final = true;
  f.ended_at = ended_at;
  f.viewers_now = 0;
  if (auto r = store_.analytics().save(f, {}); !r)
    spdlog::warn("analytics: stream {}: storing the summary failed: {}", stream_id,
                 r.error().message);
}

void AnalyticsService::tick() {
  std::lock_guard tick_lock(tick_mu_);
  const int64_t now = clock_.unix_millis();
  if (options_.subscriber_check_ticks > 0 && ticks_++ % options_.subscriber_check_ticks == 0)
    count_subscribers();
  const HlsSweep sweep = options_.hls_sessions ? sessions_.sweep(now) : HlsSweep{};
  // Under the lock only what is cheap: the sweep applied, each tally copied out flat. Sorting
  // the visits and building the series and the JSON happen outside it, so the rooms and the
  // HLS requests that feed the service are never held up by them.
  struct Pending {
    std::string artist_id;
    TallySnapshot snapshot;
    std::vector<store::StreamViewer> rows;
  };
  std::vector<Pending> pending;
  std::vector<Write> writes;
  std::vector<std::pair<std::string, int64_t>> stored_to_finish;
  {
    std::lock_guard lock(mu_);
    apply_sweep(sweep);
    writes = std::move(retry_);
    retry_.clear();
    for (auto& [id, live] : live_)
      pending.push_back(
          {live.tally->artist_id(), live.tally->snapshot(), live.tally->take_changed_rows()});
    for (Live& f : finishing_)
      pending.push_back({f.tally->artist_id(), f.tally->snapshot(), f.tally->take_changed_rows()});
    finishing_.clear();
    stored_to_finish.swap(finish_stored_);
  }
  std::vector<std::shared_ptr<const AnalyticsReport>> reports;
  std::vector<std::shared_ptr<const std::string>> jsons;
  for (const Pending& p : pending) {
    auto report = std::make_shared<AnalyticsReport>(
        AnalyticsReport{figures_of(p.snapshot, now), buckets_of(p.snapshot, now)});
    jsons.push_back(std::make_shared<const std::string>(
        analytics_json(report->figures, report->buckets).dump()));
    reports.push_back(std::move(report));
  }
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < pending.size(); ++i) {
      const AnalyticsReport& r = *reports[i];
      Write w;
      w.artist_id = pending[i].artist_id;
      w.rows = std::move(pending[i].rows);
      w.figures = r.figures;
      auto it = r.figures.final ? live_.end() : live_.find(r.figures.stream_id);
      if (it == live_.end()) {
        w.buckets = r.buckets;  // the summary (or a stream that just ended): every bucket
      } else {
        Live& live = it->second;
        live.last = reports[i];
        live.json = jsons[i];
        for (const auto& b : r.buckets) {  // only the buckets that changed
          auto [stored, fresh] = live.written.try_emplace(b.bucket, b);
          if (!fresh && stored->second.viewers == b.viewers &&
              stored->second.messages == b.messages && stored->second.tips == b.tips &&
              stored->second.tips_gross == b.tips_gross)
            continue;
          stored->second = b;
          w.buckets.push_back(b);
        }
      }
      writes.push_back(std::move(w));
    }
  }
  std::vector<Write> failed;
  for (const Write& w : writes) {
    if (!write(w)) failed.push_back(w);
  }
  for (const auto& [id, at] : stored_to_finish) finish_stored(id, at);
  if (!failed.empty()) {
    std::lock_guard lock(mu_);
    for (Write& w : failed) retry_.push_back(std::move(w));
    // Bounded while the store is down: the oldest live snapshots go first (a later one of the
    // same stream carries its figures; rows of visits in the dropped ones are lost, and logged).
    constexpr size_t kMaxRetries = 512;
    while (retry_.size() > kMaxRetries) {
      auto victim = std::find_if(retry_.begin(), retry_.end(),
                                 [](const Write& w) { return !w.figures.final; });
      if (victim == retry_.end()) victim = retry_.begin();
      spdlog::warn("analytics: stream {}: dropping {} unwritten viewer rows (store down)",
                   victim->figures.stream_id, victim->rows.size());
      retry_.erase(victim);
    }
  }
}

Result<AnalyticsReport> AnalyticsService::report(const std::string& stream_id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = live_.find(stream_id); it != live_.end()) {
      if (it->second.last) return *it->second.last;
      const int64_t now = clock_.unix_millis();
      return AnalyticsReport{it->second.tally->figures(now), it->second.tally->buckets(now)};
    }
    const int64_t now = clock_.unix_millis();
    for (const Live& f : finishing_) {
      if (f.tally->stream_id() == stream_id)
        return AnalyticsReport{f.tally->figures(now), f.tally->buckets(now)};
    }
    // Ended and the summary not stored yet (the store is down): the final write carries all.
    for (auto w = retry_.rbegin(); w != retry_.rend(); ++w) {
      if (w->figures.stream_id == stream_id && w->figures.final)
        return AnalyticsReport{w->figures, w->buckets};
    }
  }
  auto figures = store_.analytics().find(stream_id);
  if (!figures) return figures.error();
  auto buckets = store_.analytics().buckets(stream_id);
  if (!buckets) return buckets.error();
  return AnalyticsReport{*figures, *buckets};
}

Result<std::vector<store::StreamViewer>> AnalyticsService::viewers(const std::string& stream_id,
                                                                   int64_t limit) {
  return store_.viewers().list_for_stream(stream_id, limit);
}

}  // namespace stagecast::platform
