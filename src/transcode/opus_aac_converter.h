#pragma once
// OpusAacConverter: WebRTC's Opus audio as the AAC-LC that HLS, the ladder and the recorder take.
// Synchronous and single-threaded; OpusToAac (opus_to_aac.h) runs it on the worker pool.
//
// In: one Opus packet per MediaFrame (RFC 7587: the RTP payload), pts on the 90 kHz server clock
// taken from the 48 kHz RTP clock, 2.5 to 120 ms, mono or stereo (the packet's TOC says which;
// libavcodec's native decoder always gives 48 kHz stereo float, mono upmixed, so the encoder's
// input needs no libswresample). Out: AAC-LC (libavcodec's native `aac`), 48 kHz stereo, one
// MediaFrame per 1024 samples, and the AudioSpecificConfig in config().
//
// Timeline. Timestamps come from the input and are never guessed: the first packet's pts is the
// anchor, and every sample after it is counted (48 kHz samples, exact 1920 ticks per AAC frame).
// Each packet's pts is compared with where the count says it should be:
//  * within half a sample: continuous;
//  * later by up to `max_gap` (loss, DTX silence, a queue drop): the hole is filled with
//    silence, so the AAC stays continuous and keeps the input's time;
//  * earlier (a duplicate, a reordered packet): the part already covered is cut, a packet that
//    is wholly covered is dropped;
//  * further than `max_gap` either way (a long outage, a restarted sender): resync. The timeline
//    in progress is ended (its last frame completed with silence, the encoder drained) and a new
//    one starts at the packet's pts with a fresh encoder; the output pts jump like the input's.
//
// Encoder delay. The AAC encoder's first packet carries only its priming (1024 samples of
// MDCT history, `initial_padding`); the fMP4 we write has no edit list to hide it, so a player
// would play it and every sample after it would sound 21.3 ms late. It is dropped instead: the
// first AAC frame's pts is the first Opus pts and decodes to the first Opus samples (the missing
// overlap of the dropped packet only fades in the first 21 ms). The Opus encoder's own lookahead
// (about 6.5 ms in libopus) is the sender's, as for any WebRTC receiver; it is not removed.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/result.h"
#include "media/media_frame.h"
#include "transcode/av_handles.h"

struct AVAudioFifo;

namespace stagecast::transcode {

inline constexpr int kAacSampleRate = 48'000;
inline constexpr int kAacFrameSamples = 1024;
// 1024 samples at 48 kHz on the 90 kHz clock.
inline constexpr int64_t kAacFrameTicks = kAacFrameSamples * media::kTimescale / kAacSampleRate;

struct OpusAacSettings {
  int bitrate = 128'000;                // AAC, stereo
  int64_t max_gap = media::kTimescale;  // 90 kHz ticks filled with silence; beyond: resync
};

struct OpusAacCounters {
  uint64_t packets = 0;          // Opus packets decoded
  uint64_t decode_errors = 0;    // refused by the decoder (then a hole like a lost packet)
  uint64_t late = 0;             // wholly before the timeline (duplicates, reordered)
  uint64_t gaps = 0;             // holes filled with silence
  uint64_t silence_samples = 0;  // 48 kHz samples of silence inserted
  uint64_t resyncs = 0;          // jumps beyond max_gap
  uint64_t frames_out = 0;       // AAC frames produced
};

class OpusAacConverter {
 public:
  static Result<std::unique_ptr<OpusAacConverter>> open(const OpusAacSettings& settings);
  // Use open(); public for std::make_unique.
  OpusAacConverter(const OpusAacSettings& settings, CodecContextPtr decoder);
  ~OpusAacConverter();
  OpusAacConverter(const OpusAacConverter&) = delete;
  OpusAacConverter& operator=(const OpusAacConverter&) = delete;

  // AAC-LC, 48 kHz, stereo: the same for the converter's whole life (a resync keeps it).
  const media::AudioConfig& config() const { return config_; }

  // One Opus packet in; the AAC frames it completes are appended to `out`. A packet that does
  // not decode is counted and treated as lost; an error means the encoder failed (the converter
  // is then unusable).
  Result<void> convert(const media::MediaFrame& opus, std::vector<media::MediaFramePtr>& out);
  // End of stream: the last partial frame completed with silence, the encoder drained.
  Result<void> flush(std::vector<media::MediaFramePtr>& out);

  const OpusAacCounters& counters() const { return counters_; }

 private:
  Result<void> open_encoder();
  // Appends samples of the decoded frame from `skip` on, or `silence` samples of zeros.
  void write_samples(const AVFrame& frame, int skip);
  void write_silence(int64_t samples);
  Result<void> encode_ready(std::vector<media::MediaFramePtr>& out);
  Result<void> end_timeline(std::vector<media::MediaFramePtr>& out);
  Result<void> receive(std::vector<media::MediaFramePtr>& out);

  const OpusAacSettings settings_;
  CodecContextPtr decoder_;
  CodecContextPtr encoder_;
  FramePtr decoded_;
  FramePtr pcm_;  // one encoder input frame of 1024 samples
  PacketPtr packet_;
  std::unique_ptr<AVAudioFifo, void (*)(AVAudioFifo*)> fifo_;
  media::AudioConfig config_;
  OpusAacCounters counters_;

  bool started_ = false;
  int64_t anchor_pts_ = 0;  // 90 kHz pts of the timeline's first sample
  int64_t fed_ = 0;         // samples of this timeline written to the FIFO (decoded + silence)
  int64_t encoded_ = 0;     // samples of this timeline given to the encoder
};

}  // namespace stagecast::transcode
