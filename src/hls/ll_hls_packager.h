#pragma once
// LlHlsPackager: a MediaSink that turns one rendition's frames into CMAF parts and segments and
// its Low-Latency HLS media playlist, published step by step into the RenditionStore.
//
// Segmenting (draft-pantos-hls-rfc8216bis 6.2.1, Apple LL-HLS): a segment starts on a video key
// frame once the open one reached about the segment target; a longer GOP makes a longer segment.
// EXT-X-TARGETDURATION and PART-TARGET never change (6.2.1), so nothing is published before the
// first segment is complete: its length (the source's GOP) and the source's frame duration fix
// both. Parts are cut by time (part_timing.h): each ends at a frame start within 85-100% of
// PART-TARGET, aiming at an even share of the GOP so that no segment ends in a sliver of a part
// that players skip, and a gap in the timestamps that leaves no such frame start ends the
// segment instead. A video sample's duration is the next frame's dts minus its own, so one video
// frame is held back; every duration written is exact, never estimated. Audio is placed by its
// timestamp into the part whose video covers it, whatever order the frames arrive in. The output
// timeline is continuous across discontinuities (EXT-X-DISCONTINUITY is still written), so
// players and tools that ignore the tag keep playing.
//
// Thread: the MediaSink calls may come from the hub's thread and, for on_config, from the thread
// that attaches the sink; a mutex serialises them. Store callbacks (blocking requests being
// answered) run on that thread during publish.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "hls/cmaf_fragment.h"
#include "hls/cmaf_init_segment.h"
#include "hls/media_playlist.h"
#include "hls/part_timing.h"
#include "hls/program_date_time_anchor.h"
#include "hls/rendition_store.h"
#include "media/stream_hub.h"

namespace stagecast::hls {

struct LlHlsConfig {
  std::string stream_id;
  std::string rendition = "source";
  std::chrono::milliseconds segment_target{2'000};
  // The part duration aimed at; PART-TARGET is it in whole frames (part_timing.h).
  std::chrono::milliseconds part_target{250};
  size_t window_segments = 6;          // complete segments listed in the playlist
  // PART-HOLD-BACK in percent of PART-TARGET: at least 200 (4.4.3.8), SHOULD 300.
  int part_hold_back_percent = 300;
  // Playlist Delta Updates (_HLS_skip, CAN-SKIP-UNTIL): they skip something only in a window
  // longer than six target durations (docs/hls.md).
  bool delta_updates = true;
  size_t retained_extra_segments = 4;  // kept in the store after leaving it, for late fetches
  // The first segment (which fixes the target duration) is cut without a key frame past this: a
  // source that sends no second key frame must not keep the stream from starting.
  std::chrono::milliseconds max_segment{12'000};
  uint64_t bandwidth = 0;  // configured peak bits/s for EXT-X-STREAM-INF; 0: measured
  int64_t first_media_sequence = 0;
  // Shared by every rendition of the stream (EXT-X-PROGRAM-DATE-TIME); null: this one's own.
  std::shared_ptr<ProgramDateTimeAnchor> date_anchor;
};

class LlHlsPackager final : public media::MediaSink {
 public:
  LlHlsPackager(LlHlsConfig config, RenditionStore& store, const Clock& clock);

  void on_config(const media::StreamConfig& config) override;
  void on_frame(const media::MediaFramePtr& frame) override;
  void on_discontinuity() override;
  void on_end() override;

  struct Counters {
    uint64_t frames_in = 0;
    uint64_t frames_dropped = 0;  // before a configuration/key frame, unusable track, overlap
    uint64_t parts = 0;
    uint64_t segments = 0;
    uint64_t forced_cuts = 0;  // segments cut without a key frame (a GOP past the target duration)
    uint64_t gap_cuts = 0;     // segments ended early at a gap in the timestamps (part_timing.h)
    uint64_t long_frames = 0;  // video frames longer than PART-TARGET (a part that is too)
  };
  Counters counters() const;

 private:
  struct PendingVideo {
    media::MediaFramePtr frame;
    int64_t dts = 0;  // output timeline, 90 kHz
    int64_t pts = 0;
  };
  struct OpenPart {
    int64_t start = 0;  // 90 kHz
    bool independent = false;
    uint64_t video_base = 0;  // 90 kHz
    uint64_t audio_base = 0;  // audio timescale
    std::vector<CmafSample> video;
    std::vector<CmafSample> audio;
  };
  struct OpenSegment {
    int64_t msn = 0;
    int64_t start = 0;  // 90 kHz
    Bytes data;         // its parts so far
    bool independent = true;  // starts with a key frame (false after a cut without one)
    int64_t step = 0;         // the grid its parts aim at (part_timing.h: grid_step)
  };

  void handle_video(const media::MediaFramePtr& frame);
  void handle_audio(const media::MediaFramePtr& frame);
  void place_audio(const media::MediaFramePtr& frame);
  void place_queued_audio(int64_t before);
  void start_session(int64_t input_dts);
  void close_session();
  void commit_pending_video(int64_t duration);
  void cut(int64_t at, bool new_segment, bool next_independent, bool publish_now = true);
  void end_segment_at_gap(int64_t at, bool keyframe);
  int64_t part_aim() const;
  void open_segment(int64_t at);
  void open_part(int64_t at, bool independent);
  void close_part(int64_t at);
  void announce_with_first_segment(int64_t at);
  void emit_part(OpenPart part, int64_t at);
  void close_segment(int64_t at);
  void evict();
  void fix_targets(int64_t first_segment, double frame);
  int64_t frame_duration() const;
  double measured_frame_rate() const;
  void publish();
  RenditionEdge current_edge() const;
  VariantInfo variant() const;
  int64_t audio_to_90k(uint64_t t) const;
  bool lead_is_video() const { return layout_.has_video(); }

  const LlHlsConfig config_;
  RenditionStore& store_;
  const Clock& clock_;
  const int64_t segment_target_;  // 90 kHz ticks
  const int64_t part_target_;
  const int64_t max_segment_;

  mutable std::mutex mu_;
  std::optional<media::StreamConfig> stream_config_;
  CmafTrackLayout layout_;
  int init_version_ = -1;
  SharedBytes init_;
  bool init_pending_ = false;
  bool ended_ = false;

  bool session_active_ = false;
  bool discontinuity_pending_ = false;
  int64_t offset_ = 0;  // input dts + offset_ = output dts
  int64_t session_start_ = 0;
  int64_t timeline_end_ = 0;  // end of the media closed so far, 90 kHz
  int64_t anchor_wall_ms_ = 0;
  int64_t anchor_dts_ = 0;

  std::optional<PendingVideo> pending_video_;
  int64_t last_video_duration_ = 3'000;  // 30 fps until measured
  int64_t expected_segment_;             // the last GOP: what a segment's parts are shared over
  std::deque<int64_t> recent_dts_;       // output dts of the last video frames, for the frame rate
  bool audio_started_ = false;
  uint64_t audio_next_ = 0;  // audio timescale
  // AAC frames not yet placed: before the first video key frame, and ahead of the video (a
  // source's video encoder lags its audio; a rung's video comes out of the encoder later).
  std::deque<media::MediaFramePtr> audio_queue_;

  // Fixed once, when the first segment is complete (6.2.1: they MUST NOT change).
  bool announced_ = false;
  PartTiming timing_;            // PART-TARGET and the shortest part it allows
  int64_t longest_part_ = 0;     // an audio rendition's, before announcing
  bool all_independent_ = true;  // every segment so far starts with a key frame

  std::optional<OpenPart> part_;
  std::optional<OpenSegment> segment_;
  uint32_t fragment_sequence_ = 1;
  int64_t next_msn_ = 0;
  int64_t last_complete_msn_ = -1;
  std::optional<PartRef> last_part_;

  MediaPlaylist playlist_;
  RenditionUpdate update_;  // what the next publish() hands over

  uint64_t peak_bps_ = 0;
  double total_bits_ = 0;
  double total_seconds_ = 0;
  uint64_t video_samples_ = 0;
  int64_t video_ticks_ = 0;
  Counters counters_;
};

}  // namespace stagecast::hls
