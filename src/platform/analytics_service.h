#pragma once
// Analytics of live streams (docs/analytics.md): viewers counted by person from both sides (HLS
// sessions and WebSocket presence), chat and tips, a per-bucket series, live figures pushed to
// the owner and the final summary computed once at the end and kept.
//
// Feeding it never blocks: HLS requests touch the sharded HlsSessionTable; presence, chat, tips
// and stream events take one mutex for a few map updates. tick() (on a worker, about once a
// second) sweeps the sessions, refreshes each live stream's figures (served from memory) and
// writes what changed to the store in a few transactions: the visits (stream_viewers), the
// figures and the buckets. The final summary is written at the first tick after the end, and
// retried while the store is down.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "platform/hls_sessions.h"
#include "platform/stream_events.h"
#include "platform/stream_tally.h"
#include "platform/tip_events.h"
#include "store/store.h"

namespace stagecast::platform {

struct AnalyticsOptions {
  bool hls_sessions = true;  // analytics.hls_sessions: session ids in playback URLs
  HlsSessionOptions sessions;
  int64_t bucket_ms = 60'000;      // analytics.bucket_ms: one point of the series
  int subscriber_check_ticks = 5;  // new subscribers are counted every this many ticks
};

struct AnalyticsReport {
  store::StreamAnalytics figures;
  std::vector<store::AnalyticsBucket> buckets;
};

class AnalyticsService final : public StreamEvents, public TipEvents {
 public:
  AnalyticsService(store::Store& store, const Clock& clock, AnalyticsOptions options);

  const AnalyticsOptions& options() const { return options_; }
  HlsSessionTable& sessions() { return sessions_; }

  // WebSocket presence of a (non-privileged) room member; any thread.
  void presence_started(const std::string& stream_id, const ViewerSource& who, int64_t at);
  void presence_ended(const std::string& stream_id, const std::string& person_key, int64_t at);
  void chat_message(const std::string& stream_id, const std::string& user_id, int64_t at);
  // People watching now; nullopt when the stream is not live here.
  std::optional<int64_t> viewers_now(const std::string& stream_id) const;
  // The live figures as JSON (analytics_view.h) as of the last tick; null when not live here.
  std::shared_ptr<const std::string> live_json(const std::string& stream_id) const;

  // On a worker, about once a second.
  void tick();

  // Live figures from memory, else the stored ones (final once ended). not_found when the stream
  // never had figures. Reads the store: call on a worker.
  Result<AnalyticsReport> report(const std::string& stream_id);
  // The stream's visits as stored (up to a tick behind). Worker.
  Result<std::vector<store::StreamViewer>> viewers(const std::string& stream_id, int64_t limit);

  // StreamEvents
  void went_live(const store::LiveStream& stream) override;
  void ended(const store::LiveStream& stream, std::string_view reason) override;
  // TipEvents
  void tip_succeeded(const store::Tip& tip, const store::LiveStream& stream,
                     const store::ChatMessage& chat_line) override;

 private:
  struct Live {
    std::unique_ptr<StreamTally> tally;
    std::shared_ptr<const AnalyticsReport> last;  // as of the last tick
    std::shared_ptr<const std::string> json;
    std::unordered_map<int64_t, store::AnalyticsBucket> written;  // buckets as stored
  };
  struct Write {
    std::string artist_id;
    std::vector<store::StreamViewer> rows;
    store::StreamAnalytics figures;
    std::vector<store::AnalyticsBucket> buckets;
  };
  void apply_sweep(const HlsSweep& sweep);  // mu_ held
  bool write(const Write& w);
  void count_subscribers();
  void finish_stored(const std::string& stream_id, int64_t ended_at);

  store::Store& store_;
  const Clock& clock_;
  const AnalyticsOptions options_;
  HlsSessionTable sessions_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Live> live_;
  std::vector<Live> finishing_;  // ended; the final summary is not stored yet
  std::vector<std::pair<std::string, int64_t>> finish_stored_;  // ended with no tally here
  std::vector<Write> retry_;  // writes the store refused (unavailable)

  std::mutex tick_mu_;  // one tick at a time
  uint64_t ticks_ = 0;
};

}  // namespace stagecast::platform
