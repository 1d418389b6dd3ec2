#pragma once
// One 90 kHz timeline for a WebRTC publisher's video and audio. Each track runs on its own RTP
// clock with a random start (RFC 3550 5.1); what ties them together is the sender report of each
// SSRC, which pairs an RTP timestamp with the sender's NTP wall clock (RFC 3550 6.4.1).
//
// Browsers send a video report every second but an audio report only every five (libwebrtc's
// defaults), so waiting for both would hold the start for seconds. Instead the tracks start
// aligned by arrival time (on a good path a few tens of ms off) after at most `report_wait`, and
// once both reports are known the audio's offset is corrected once to what they say. Video
// timestamps never move: they advance by exact RTP differences from the first frame. The audio
// moves once, by the correction (tens of ms): the AAC stage fills the step forward with silence
// or cuts the step back, so its output stays continuous. After that nothing is re-guessed.
//
// Single-threaded; the clock is passed in.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "media/media_frame.h"

namespace stagecast::ingest::webrtc {

struct AvTimelineOptions {
  bool has_audio = true;
  // How long frames may wait for both sender reports before arrival times are used (0: start at
  // once and correct when the reports come).
  std::chrono::milliseconds report_wait{0};
  // Frames held while waiting (both tracks together); past it the oldest are dropped.
  size_t max_held_frames = 600;
};

enum class AlignmentMode : uint8_t { Waiting, SenderReports, ArrivalTimes };

class AvTimeline {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit AvTimeline(AvTimelineOptions options = {}) : options_(options) {}

  // A sender report of a track: its NTP timestamp (64-bit, RFC 3550 4) and RTP timestamp.
  void on_sender_report(media::TrackKind kind, uint64_t ntp, uint32_t rtp_timestamp);

  // A frame with its extended RTP timestamp (video 90 kHz, audio 48 kHz). Frames whose time is
  // known come out in `out` with pts and dts on the common timeline (dts = pts: no B-frames).
  void push(media::MediaFramePtr frame, int64_t extended_rtp, TimePoint arrival,
            std::vector<media::MediaFramePtr>& out);
  // Releases held frames once the wait is over.
  void poll(TimePoint now, std::vector<media::MediaFramePtr>& out);

  // Where a video RTP time (extended) falls on the common timeline, once the video's place on it
  // is fixed: what its frame's pts is or will be. Nothing before that, or before the timeline's
  // start.
  std::optional<int64_t> video_time(int64_t extended_rtp) const;

  AlignmentMode mode() const { return mode_; }
  // The one correction applied to the audio when the reports came after the start (90 kHz).
  std::optional<int64_t> report_correction() const { return correction_; }
  uint64_t dropped() const { return dropped_; }
  // The audio offset from video that the mapping fixed (positive: audio starts later), in 90 kHz.
  std::optional<int64_t> audio_minus_video() const;

 private:
  struct Track {
    bool started = false;
    int64_t first_rtp = 0;  // extended
    TimePoint first_arrival{};
    int64_t last_rtp = 0;  // extended, to unwrap report timestamps near it
    std::optional<std::pair<uint64_t, int64_t>> report;  // NTP, extended RTP
    std::optional<int64_t> offset;                       // 90 kHz timeline of first_rtp, once fixed
    int64_t clock = 90'000;
  };
  struct Held {
    media::MediaFramePtr frame;
    int64_t rtp = 0;
  };

  Track& track(media::TrackKind kind) { return kind == media::TrackKind::Video ? video_ : audio_; }
  void lock(TimePoint now);
  void correct_from_reports();
  void fix_late_track(Track& t, TimePoint now);
  double reference_seconds(const Track& t) const;  // wall time of first_rtp in the chosen mode
  void release(std::vector<media::MediaFramePtr>& out);
  media::MediaFramePtr stamp(const Held& held);

  AvTimelineOptions options_;
  AlignmentMode mode_ = AlignmentMode::Waiting;
  std::optional<TimePoint> first_arrival_;
  double base_seconds_ = 0;
  Track video_;
  Track audio_{.clock = 48'000};
  std::deque<Held> held_;
  uint64_t dropped_ = 0;
  std::optional<int64_t> correction_;
};

}  // namespace stagecast::ingest::webrtc
