#pragma once
// HLS playback sessions, seen from the requests they make (docs/analytics.md). The playback URL
// the API hands out carries a session id (`sid`); every playlist, part and segment URL of that
// playback carries it too. Each request touches its session here: a hash-map update in one of
// 64 shards under that shard's mutex, no allocation once the session exists, no database. A
// sweep (on a worker, about once a second) reports the sessions that started and the ones that
// went silent for longer than `silence`: those ended at the last request they made.
//
// Thread-safe. touch() runs on I/O threads and never blocks on anything but its shard's mutex.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stagecast::platform {

struct HlsSessionOptions {
  int64_t silence_ms = 10'000;  // ended after this long without a request
  size_t max_sessions = 200'000;
  // Time between two requests counted toward the rendition asked for, at most this much (a
  // player that paused and came back within the silence is not credited for the pause).
  int64_t max_gap_ms = 5'000;
};

// Who a session is, worked out once when it starts.
struct HlsSessionIdentity {
  std::string user_id;  // from the playback token; empty: anonymous
  std::string device;   // device_class of the first request's User-Agent
};

// A session that started or ended, as a sweep reports it.
struct HlsSessionChange {
  std::string stream_id;
  std::string sid;
  std::string user_id;
  std::string device;
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  std::string top_rendition;  // the rendition it spent most time on (ended only)
  std::vector<std::pair<std::string, int64_t>> rendition_ms;  // ended only
};

struct HlsSweep {
  std::vector<HlsSessionChange> started;
  std::vector<HlsSessionChange> ended;
};

// A session id as the server makes them: 16 to 64 characters of [A-Za-z0-9_-].
bool valid_session_id(std::string_view sid);

class HlsSessionTable {
 public:
  explicit HlsSessionTable(HlsSessionOptions options = {}) : options_(options) {}

  // One request of session `sid` to stream `stream_id`, for `rendition` (empty for the
  // multivariant playlist). `identify()` -> HlsSessionIdentity is called only for a new session,
  // outside of nothing but the shard lock: it must be cheap (an HMAC check, a UA scan). Returns
  // false when the request is not counted (bad sid, another stream's sid, table full).
  template <typename Identify>
  bool touch(std::string_view stream_id, std::string_view sid, std::string_view rendition,
             int64_t now_ms, Identify&& identify) {
    if (!valid_session_id(sid)) return false;
    Shard& shard = shard_of(sid);
    std::lock_guard lock(shard.mu);
    auto it = shard.sessions.find(sid);
    if (it == shard.sessions.end()) {
      if (count_.load(std::memory_order_relaxed) >= options_.max_sessions) return false;
      count_.fetch_add(1, std::memory_order_relaxed);
      Entry e;
      e.stream_id = std::string(stream_id);
      HlsSessionIdentity who = identify();
      e.user_id = std::move(who.user_id);
      e.device = std::move(who.device);
      e.first_ms = now_ms;
      e.last_ms = now_ms;
      e.last_rendition_ms = now_ms;
      it = shard.sessions.emplace(std::string(sid), std::move(e)).first;
    } else if (it->second.stream_id != stream_id) {
      return false;
    }
    seen(it->second, rendition, now_ms);
    return true;
  }

  // Sessions that started since the last sweep, and those silent since before now - silence.
  HlsSweep sweep(int64_t now_ms);
  // Ends every session of the stream now (the stream ended); reported by the next sweep.
  void end_stream(const std::string& stream_id);
  size_t size() const { return count_.load(std::memory_order_relaxed); }
  const HlsSessionOptions& options() const { return options_; }

 private:
  struct Entry {
    std::string stream_id;
    std::string user_id;
    std::string device;
    int64_t first_ms = 0;
    int64_t last_ms = 0;
    int64_t last_rendition_ms = 0;
    std::vector<std::pair<std::string, int64_t>> rendition_ms;  // a handful of rungs
    bool reported = false;
    bool ended = false;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> sessions;
  };
  static constexpr size_t kShards = 64;

  Shard& shard_of(std::string_view sid) { return shards_[Hash{}(sid) % kShards]; }
  void seen(Entry& e, std::string_view rendition, int64_t now_ms) const;
  static HlsSessionChange change_of(const std::string& sid, const Entry& e, bool ended);

  HlsSessionOptions options_;
  std::array<Shard, kShards> shards_;
  std::atomic<size_t> count_{0};
};

}  // namespace stagecast::platform
