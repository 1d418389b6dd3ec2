#pragma once
// RenditionStore: what the HLS packagers produced, held in memory for the HTTP layer. Per stream
// and rendition: the current media playlist, the CMAF headers, the segments and parts of the
// window, each an immutable shared buffer written to sockets without a copy.
//
// Threads: each rendition has one writer (its packager, on the stream's thread); readers are the
// HTTP I/O threads. Every call is thread-safe. Blocking requests (LL-HLS blocking playlist reload,
// a request for the part named by EXT-X-PRELOAD-HINT) register a callback that runs once, never
// under the store's locks: from publish() on the packager's thread when the awaited playlist or
// part appears, from expire_waiters() when the deadline passes, or at once from the wait call.
// The callback must only hand the result on (post a response); it must not block.
//
// There is no timer thread here: the owner calls expire_waiters() periodically (every 100 ms is
// plenty; deadlines are seconds) from any thread. It also removes retired streams.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "hls/blocking_reload.h"
#include "hls/media_playlist.h"
#include "hls/multivariant_playlist.h"

namespace stagecast::hls {

using SharedBytes = std::shared_ptr<const Bytes>;
using Deadline = std::chrono::steady_clock::time_point;

struct PartData {
  PartRef ref;
  SharedBytes bytes;
};

struct SegmentData {
  int64_t msn = 0;
  SharedBytes bytes;
  int part_count = 0;
  // What its playlist entry says, for whoever keeps segments beyond the live window (record/).
  double duration = 0;  // seconds, EXTINF
  bool discontinuity = false;
  int init_version = 0;
  int64_t program_date_time_ms = 0;
};

// One atomic step of a rendition: what became available and the playlist that lists it.
struct RenditionUpdate {
  std::optional<int> init_version;  // set with init when a (new) CMAF header is published
  SharedBytes init;
  std::vector<PartData> parts;        // parts completed in this step
  std::vector<SegmentData> segments;  // segments completed in this step
  int64_t keep_segments_from = 0;     // older segments (and their parts) are dropped
  int64_t keep_parts_from = 0;        // parts of older segments are dropped
  RenditionEdge edge;
  std::string
      playlist;  // media playlist text, without EXT-X-RENDITION-REPORT (the store adds them)
  // Its Playlist Delta Update (_HLS_skip=YES), the same way; empty when it would skip nothing.
  std::string delta_playlist;
  VariantInfo variant;
};

enum class WaitResult {
  Ready,        // the playlist/part is there now: read it and respond
  TimedOut,     // 503 (6.2.5.2)
  TooFarAhead,  // 400 (6.2.5.2)
  NotFound,     // 404: unknown stream/rendition, or a hinted part that will never exist
  Overloaded,   // 503: too many requests already waiting on this rendition
};
using WaitCallback = std::function<void(WaitResult)>;

// Told of what every rendition publishes, for keeping it beyond the live window (the recorder,
// record/). Called on the publishing packager's thread, outside the store's locks, before the
// store takes the update: it must only take references to the shared bytes and hand the work on,
// never block.
class RenditionObserver {
 public:
  virtual ~RenditionObserver() = default;
  virtual void on_published(const std::string& stream_id, const std::string& rendition,
                            const RenditionUpdate& update) = 0;
  virtual void on_withdrawn(const std::string& stream_id, const std::string& rendition) = 0;
};

class RenditionStore {
 public:
  struct Options {
    // Bounds the memory of held requests; viewers past it are told to retry (503).
    size_t max_waiters_per_rendition = 20'000;
    // CMAF headers kept per rendition (a new one per codec change).
    size_t max_init_versions = 4;
    // How long a plain playlist request waits for a stream that has not produced its first part.
    std::chrono::milliseconds first_playlist_wait{6'000};
  };

  struct Stats {
    size_t streams = 0;
    size_t renditions = 0;
    size_t segments = 0;
    size_t parts = 0;
    size_t waiters = 0;
    uint64_t bytes = 0;  // media bytes held: headers, segments, parts, playlists
    // Since the store was made: media playlists asked for as a delta update, and those
    // answered with one (the others got the full playlist: nothing to skip yet).
    uint64_t delta_requests = 0;
    uint64_t delta_updates = 0;
  };

  explicit RenditionStore(const Clock& clock) : RenditionStore(clock, Options{}) {}
  RenditionStore(const Clock& clock, Options options);
  ~RenditionStore();
  RenditionStore(const RenditionStore&) = delete;
  RenditionStore& operator=(const RenditionStore&) = delete;

  // Set while wiring, before anything publishes; not owned.
  void set_observer(RenditionObserver* observer) { observer_ = observer; }

  // --- writer side ---
  // Starts a rendition afresh (a new packager): drops what an earlier one left and cancels a
  // pending retirement of the stream.
  void open_rendition(const std::string& stream_id, const std::string& rendition);
  void publish(const std::string& stream_id, const std::string& rendition, RenditionUpdate update);
  // The stream ended: keep serving it for `linger` (players finishing the last segments), then
  // forget it. A later open_rendition() of the stream cancels this.
  void retire_stream(const std::string& stream_id, std::chrono::milliseconds linger);
  // One rendition of a live stream goes away (an ABR rung dropped or failed): it leaves the
  // multivariant playlist and the other renditions' reports, its playlist answers 404 (so a
  // player on it fails over to another rung), its waiters get NotFound. What its last playlist
  // listed (init, segments, parts) stays available for that playlist's duration (6.2.1), then
  // answers 404 too. The stream's other renditions go on.
  void withdraw_rendition(const std::string& stream_id, const std::string& rendition);
  // Forgets the stream now; requests waiting on it get NotFound.
  void remove_stream(const std::string& stream_id);

  // --- reader side (null/nullopt when unknown) ---
  // The media playlist; with `delta`, its Playlist Delta Update where there is one (else the full
  // playlist: a delta update that would skip nothing is not made).
  SharedBytes media_playlist(const std::string& stream_id, const std::string& rendition,
                             bool delta = false) const;
  std::optional<std::string> multivariant_playlist(const std::string& stream_id) const;
  SharedBytes init_segment(const std::string& stream_id, const std::string& rendition,
                           int version) const;
  // A complete segment's bytes (a copy when it is held as its parts; for tests and tools).
  SharedBytes segment(const std::string& stream_id, const std::string& rendition,
                      int64_t msn) const;
  // A complete segment as the pieces to write one after the other, without a copy: its parts
  // while they are held, else its bytes. Empty when unknown or not complete.
  std::vector<SharedBytes> segment_pieces(const std::string& stream_id,
                                          const std::string& rendition, int64_t msn) const;
  SharedBytes part(const std::string& stream_id, const std::string& rendition, PartRef ref) const;
  std::optional<RenditionEdge> edge(const std::string& stream_id,
                                    const std::string& rendition) const;
  bool has_rendition(const std::string& stream_id, const std::string& rendition) const;

  // Blocking playlist reload. msn set: _HLS_msn (and _HLS_part) per decide_blocking_reload();
  // msn unset: until the rendition has any playlist at all. Without a deadline the spec's three
  // target durations apply (first_playlist_wait before there is a playlist).
  void wait_for_playlist(const std::string& stream_id, const std::string& rendition,
                         std::optional<int64_t> msn, std::optional<int> part,
                         std::optional<Deadline> deadline, WaitCallback callback);
  // Until the stream has a multivariant playlist (its first rendition published its first part);
  // NotFound at once for a stream the store does not know.
  void wait_for_multivariant(const std::string& stream_id, std::optional<Deadline> deadline,
                             WaitCallback callback);
  // A request for a part that does not exist yet: held while it is the playlist's preload hint
  // (6.2.6), NotFound otherwise or if the hint is abandoned (discontinuity, end).
  void wait_for_part(const std::string& stream_id, const std::string& rendition, PartRef ref,
                     std::optional<Deadline> deadline, WaitCallback callback);

  // Times out waiters whose deadline passed and removes retired streams whose linger passed.
  void expire_waiters();
  std::optional<Deadline> next_deadline() const;

  Stats stats() const;

 private:
  struct Waiter;
  struct Segment;
  struct Rendition;
  struct StreamSlot;
  using Fired = std::vector<std::pair<WaitCallback, WaitResult>>;

  std::shared_ptr<StreamSlot> find_slot(const std::string& stream_id) const;
  std::shared_ptr<StreamSlot> find_or_create_slot(const std::string& stream_id);
  static Rendition* find_rendition(StreamSlot& slot, const std::string& rendition);
  void compose_playlist(StreamSlot& slot, Rendition& r, const std::string& body,
                        const std::string& delta) const;
  static std::optional<WaitResult> evaluate(const Rendition& r, const Waiter& w);
  static bool has_multivariant(const StreamSlot& slot);
  static void settle_waiters(Rendition& r, Fired& fired);
  void add_waiter(const std::string& stream_id, const std::string& rendition, Waiter waiter);
  static void fire(Fired& fired);

  const Clock& clock_;
  Options options_;
  RenditionObserver* observer_ = nullptr;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<StreamSlot>> streams_;
  mutable std::atomic<uint64_t> delta_requests_{0};
  mutable std::atomic<uint64_t> delta_updates_{0};
};

}  // namespace stagecast::hls
