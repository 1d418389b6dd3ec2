#include "platform/stream_tally.h"

#include <algorithm>

#include "core/random.h"

namespace stagecast::platform {

StreamTally::StreamTally(std::string stream_id, std::string artist_id, int64_t started_at,
                         int64_t bucket_ms)
    : stream_id_(std::move(stream_id)),
      artist_id_(std::move(artist_id)),
      started_at_(started_at),
      bucket_ms_(std::max<int64_t>(1, bucket_ms)) {}

int64_t StreamTally::bucket_of(int64_t at) const {
  return std::max<int64_t>(0, (at - started_at_) / bucket_ms_);
}

store::StreamViewer StreamTally::row_of(const Person& p, std::optional<int64_t> left_at) const {
  store::StreamViewer v;
  v.id = p.row_id;
  v.stream_id = stream_id_;
  v.user_id = p.who.user_id;
  v.session_id = p.who.session_id;
  v.joined_at = p.joined_at;
  v.left_at = left_at;
  v.watch_ms = left_at ? std::max<int64_t>(0, *left_at - p.joined_at) : 0;
  if (!p.who.device.empty()) v.device = p.who.device;
  int64_t best = -1;
  for (const auto& [name, ms] : p.rendition_ms) {
    if (ms > best) {
      best = ms;
      v.rendition = name;
    }
  }
  return v;
}

void StreamTally::source_started(const ViewerSource& source, int64_t at) {
  if (ended_at_) return;
  if (source.user_id && *source.user_id == artist_id_) return;
  auto [it, inserted] = people_.try_emplace(source.person_key);
  Person& p = it->second;
  if (inserted) p.who = source;
  if (p.who.device.empty() && !source.device.empty()) p.who.device = source.device;
  if (p.sources++ > 0) {
    // Another source of a person already watching: the visit began at the earliest of them
    // (an HLS session is reported up to a sweep after its first request).
    if (at < p.joined_at) {
      p.joined_at = at;
      visits_[open_visits_.at(p.row_id)].joined_at = at;
      changed_rows_[p.row_id] = row_of(p, std::nullopt);
    }
    return;
  }
  p.row_id = random_id();
  p.joined_at = std::max(at, started_at_);
  p.last_left = p.joined_at;
  p.rendition_ms.clear();
  open_visits_[p.row_id] = visits_.size();
  visits_.push_back(Visit{p.joined_at, std::nullopt});
  ++watching_;
  changed_rows_[p.row_id] = row_of(p, std::nullopt);
}

void StreamTally::close_visit(Person& p, int64_t at) {
  const int64_t left = std::max(p.joined_at, at);
  visits_[open_visits_.at(p.row_id)].left_at = left;
  open_visits_.erase(p.row_id);
  closed_watch_ms_ += left - p.joined_at;
  --watching_;
  changed_rows_[p.row_id] = row_of(p, left);
  p.row_id.clear();
  p.sources = 0;
}

void StreamTally::source_ended(const std::string& person_key, int64_t at,
                               const std::vector<std::pair<std::string, int64_t>>& rendition_ms) {
  if (ended_at_) return;
  auto it = people_.find(person_key);
  if (it == people_.end() || it->second.sources == 0) return;
  Person& p = it->second;
  for (const auto& [name, ms] : rendition_ms) p.rendition_ms[name] += ms;
  p.last_left = std::max(p.last_left, at);
  if (--p.sources > 0) return;
  close_visit(p, p.last_left);
}

void StreamTally::chat_message(const std::string& user_id, int64_t at) {
  if (ended_at_) return;
  ++messages_;
  chatters_.insert(user_id);
  auto& b = activity_[bucket_of(at)];
  ++b.messages;
}

void StreamTally::tip(int64_t gross, int64_t fee, const std::string& currency, int64_t at) {
  // A tip confirmed just after the end still belongs to the stream it was sent to: counted in
  // the last bucket (the summary is recomputed by AnalyticsService when it comes late).
  if (!currency_) currency_ = currency;
  ++tips_count_;
  tips_gross_ += gross;
  tips_fee_ += fee;
  auto& b = activity_[bucket_of(ended_at_ ? std::min(at, *ended_at_) : at)];
  ++b.tips;
  b.tips_gross += gross;
}

void StreamTally::end(int64_t at) {
  if (ended_at_) return;
  for (auto& [key, p] : people_) {
    if (p.sources == 0) continue;
    close_visit(p, at);  // still watching (or within their silence) at the end
  }
  ended_at_ = at;
}

std::vector<store::StreamViewer> StreamTally::take_changed_rows() {
  std::vector<store::StreamViewer> out;
  out.reserve(changed_rows_.size());
  for (auto& [id, row] : changed_rows_) out.push_back(std::move(row));
  changed_rows_.clear();
  return out;
}

TallySnapshot StreamTally::snapshot() const {
  TallySnapshot s;
  s.stream_id = stream_id_;
  s.started_at = started_at_;
  s.bucket_ms = bucket_ms_;
  s.ended_at = ended_at_;
  s.viewers_now = watching_;
  s.unique_viewers = static_cast<int64_t>(people_.size());
  s.closed_watch_ms = closed_watch_ms_;
  s.chatters = static_cast<int64_t>(chatters_.size());
  s.messages = messages_;
  s.tips_count = tips_count_;
  s.tips_gross = tips_gross_;
  s.tips_fee = tips_fee_;
  s.currency = currency_;
  s.new_subscribers = new_subscribers_;
  s.visits = visits_;
  s.activity = activity_;
  return s;
}

namespace {

int64_t bucket_in(const TallySnapshot& s, int64_t at) {
  return std::max<int64_t>(0, (at - s.started_at) / std::max<int64_t>(1, s.bucket_ms));
}

// Interval end points, leaves before joins at the same instant (back to back is not together).
std::vector<std::pair<int64_t, int>> points_of(const TallySnapshot& s) {
  std::vector<std::pair<int64_t, int>> points;
  points.reserve(s.visits.size() * 2);
  for (const auto& v : s.visits) {
    points.emplace_back(v.joined_at, +1);
    if (v.left_at) points.emplace_back(*v.left_at, -1);
  }
  std::sort(points.begin(), points.end());
  return points;
}

}  // namespace

std::vector<store::AnalyticsBucket> buckets_of(const TallySnapshot& s, int64_t now) {
  const int64_t until = s.ended_at ? *s.ended_at : now;
  const auto points = points_of(s);
  const int64_t last = bucket_in(s, until);
  std::vector<store::AnalyticsBucket> out;
  out.reserve(static_cast<size_t>(last + 1));
  int64_t current = 0;
  size_t i = 0;
  for (int64_t b = 0; b <= last; ++b) {
    store::AnalyticsBucket bucket;
    bucket.bucket = b;
    bucket.viewers = current;
    const int64_t bucket_end = s.started_at + (b + 1) * s.bucket_ms;
    while (i < points.size() && points[i].first < bucket_end) {
      current += points[i].second;
      bucket.viewers = std::max(bucket.viewers, current);
      ++i;
    }
    if (auto a = s.activity.find(b); a != s.activity.end()) {
      bucket.messages = a->second.messages;
      bucket.tips = a->second.tips;
      bucket.tips_gross = a->second.tips_gross;
    }
    out.push_back(bucket);
  }
  return out;
}

store::StreamAnalytics figures_of(const TallySnapshot& s, int64_t now) {
  const int64_t until = s.ended_at ? *s.ended_at : now;
  store::StreamAnalytics f;
  f.stream_id = s.stream_id;
  f.final = s.ended_at.has_value();
  f.started_at = s.started_at;
  f.ended_at = s.ended_at;
  f.bucket_ms = s.bucket_ms;
  f.viewers_now = s.viewers_now;
  int64_t watch = s.closed_watch_ms;
  for (const auto& v : s.visits)
    if (!v.left_at) watch += std::max<int64_t>(0, until - v.joined_at);
  // The peak and when: the first instant the most people watched at once.
  int64_t current = 0;
  for (const auto& [at, delta] : points_of(s)) {
    current += delta;
    if (current > f.peak_viewers) {
      f.peak_viewers = current;
      f.peak_at = at;
    }
  }
  f.unique_viewers = s.unique_viewers;
  f.watch_ms = watch;
  f.chatters = s.chatters;
  f.messages = s.messages;
  f.tips_count = s.tips_count;
  f.tips_gross = s.tips_gross;
  f.tips_fee = s.tips_fee;
  f.tips_net = s.tips_gross - s.tips_fee;
  f.currency = s.currency;
  f.new_subscribers = s.new_subscribers;
  f.updated_at = until;  // frozen once ended: the summary is the same however often read
  return f;
}

}  // namespace stagecast::platform
