#pragma once
// One live stream's analytics as they happen (docs/analytics.md): who is watching, by person
// rather than by connection; chat; tips. A person is their user id when signed in (their HLS
// sessions and WebSocket connections are one person), an anonymous HLS session ("hls:" + sid) or
// an anonymous WebSocket session ("ws:" + session id). A person's visit runs from their first
// source (an HLS session, a WebSocket connection) to the last one's end; each visit is one
// stream_viewers row. Concurrency (viewers now, peak and when, the per-bucket series) is
// computed from the visits' intervals, so an HLS session reported as ended only after its
// silence still counts as having left at its last request.
//
// Not thread-safe: AnalyticsService serialises access.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/records.h"

namespace stagecast::platform {

struct ViewerSource {
  std::string person_key;  // user id, "hls:" + sid or "ws:" + session id
  std::optional<std::string> user_id;
  std::optional<std::string> session_id;
  std::string device;  // empty: unknown
};

// What the figures are computed from, copied out of a tally in one pass (flat and cheap) so that
// the sorting and the series are computed without the tally's lock held.
struct TallySnapshot {
  struct Visit {
    int64_t joined_at = 0;
    std::optional<int64_t> left_at;
  };
  std::string stream_id;
  int64_t started_at = 0;
  int64_t bucket_ms = 60'000;
  std::optional<int64_t> ended_at;
  int64_t viewers_now = 0;
  int64_t unique_viewers = 0;
  int64_t closed_watch_ms = 0;
  int64_t chatters = 0;
  int64_t messages = 0;
  int64_t tips_count = 0;
  int64_t tips_gross = 0;
  int64_t tips_fee = 0;
  std::optional<std::string> currency;
  int64_t new_subscribers = 0;
  std::vector<Visit> visits;
  std::map<int64_t, store::AnalyticsBucket> activity;  // messages and tips by bucket
};

// Figures at `now` (frozen at the end once ended), and the per-bucket series.
store::StreamAnalytics figures_of(const TallySnapshot& s, int64_t now);
std::vector<store::AnalyticsBucket> buckets_of(const TallySnapshot& s, int64_t now);

class StreamTally {
 public:
  StreamTally(std::string stream_id, std::string artist_id, int64_t started_at, int64_t bucket_ms);

  const std::string& stream_id() const { return stream_id_; }
  const std::string& artist_id() const { return artist_id_; }
  int64_t started_at() const { return started_at_; }

  // A source of a person started at `at` (the artist's own sources are not counted).
  void source_started(const ViewerSource& source, int64_t at);
  // A source ended at `at`; `rendition_ms` is what an HLS session watched of each rendition.
  void source_ended(const std::string& person_key, int64_t at,
                    const std::vector<std::pair<std::string, int64_t>>& rendition_ms = {});
  void chat_message(const std::string& user_id, int64_t at);
  void tip(int64_t gross, int64_t fee, const std::string& currency, int64_t at);
  void set_new_subscribers(int64_t n) { new_subscribers_ = n; }

  // Closes every open visit at `at` (the stream ended) and freezes the figures.
  void end(int64_t at);
  bool ended() const { return ended_at_.has_value(); }

  int64_t viewers_now() const { return watching_; }
  TallySnapshot snapshot() const;
  // Figures at `now` (frozen at the end once ended): figures_of(snapshot(), now).
  store::StreamAnalytics figures(int64_t now) const { return figures_of(snapshot(), now); }
  std::vector<store::AnalyticsBucket> buckets(int64_t now) const {
    return buckets_of(snapshot(), now);
  }
  // Rows opened or closed since the last call, as they are now.
  std::vector<store::StreamViewer> take_changed_rows();

 private:
  struct Person {
    ViewerSource who;
    int sources = 0;
    std::string row_id;  // the open visit's stream_viewers row; empty between visits
    int64_t joined_at = 0;
    int64_t last_left = 0;
    std::map<std::string, int64_t> rendition_ms;  // of this visit
  };
  using Visit = TallySnapshot::Visit;
  store::StreamViewer row_of(const Person& p, std::optional<int64_t> left_at) const;
  void close_visit(Person& p, int64_t at);
  int64_t bucket_of(int64_t at) const;

  const std::string stream_id_;
  const std::string artist_id_;
  const int64_t started_at_;
  const int64_t bucket_ms_;
  std::optional<int64_t> ended_at_;

  std::unordered_map<std::string, Person> people_;       // everyone who came: unique viewers
  std::unordered_map<std::string, size_t> open_visits_;  // row id -> index in visits_
  std::vector<Visit> visits_;
  int64_t watching_ = 0;
  int64_t closed_watch_ms_ = 0;
  std::unordered_map<std::string, store::StreamViewer> changed_rows_;

  std::unordered_set<std::string> chatters_;
  int64_t messages_ = 0;
  int64_t tips_count_ = 0;
  int64_t tips_gross_ = 0;
  int64_t tips_fee_ = 0;
  std::optional<std::string> currency_;
  int64_t new_subscribers_ = 0;
  std::map<int64_t, store::AnalyticsBucket> activity_;  // messages and tips by bucket
};

}  // namespace stagecast::platform
