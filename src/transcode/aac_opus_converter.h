#pragma once
// AacOpusConverter: a stream's AAC as the Opus that WebRTC viewers play (browsers play no AAC
// over WebRTC). Synchronous and single-threaded; AacToOpus (aac_to_opus.h) runs it on the worker
// pool, once per stream for all its WHEP viewers.
//
// In: one raw AAC access unit per MediaFrame (the hub's audio), with the stream's
// AudioSpecificConfig; any sample rate and channel count libavcodec's AAC decoder takes. Out:
// Opus (libopus) at 48 kHz stereo, one MediaFrame per 20 ms packet (RFC 7587: the RTP payload).
//
// Timeline. The first frame's pts is the anchor; output pts count the 48 kHz samples produced
// from it (960 samples, 1800 ticks, per packet), so Opus timestamps never drift from the
// samples. An input frame more than a second away from where the count says it should be (a
// publisher's reconnect) restarts the timeline there: what was buffered is dropped and the
// output pts jump like the input's (a WebRTC receiver takes a timestamp jump as a gap).

#include <cstdint>
#include <memory>
#include <vector>

#include "core/result.h"
#include "media/media_frame.h"
#include "transcode/av_handles.h"

struct AVAudioFifo;
struct SwrContext;

namespace stagecast::transcode {

inline constexpr int kOpusSampleRate = 48'000;
inline constexpr int kOpusFrameSamples = 960;  // 20 ms

struct AacOpusSettings {
  int bitrate = 96'000;  // Opus, stereo
};

struct AacOpusCounters {
  uint64_t frames_in = 0;      // AAC frames decoded
  uint64_t decode_errors = 0;  // refused by the decoder (skipped)
  uint64_t resyncs = 0;        // timeline restarts
  uint64_t packets_out = 0;    // Opus packets produced
};

class AacOpusConverter {
 public:
  // `asc`: the AudioSpecificConfig of the AAC that will be converted.
  static Result<std::unique_ptr<AacOpusConverter>> open(const media::AudioConfig& aac,
                                                        const AacOpusSettings& settings);
  AacOpusConverter(const AacOpusSettings& settings, CodecContextPtr decoder);
  ~AacOpusConverter();
  AacOpusConverter(const AacOpusConverter&) = delete;
  AacOpusConverter& operator=(const AacOpusConverter&) = delete;

  // One AAC frame in; the Opus packets it completes are appended to `out`. A frame that does not
  // decode is counted and skipped; an error means the encoder failed for good.
  Result<void> convert(const media::MediaFrame& aac, std::vector<media::MediaFramePtr>& out);
  // End of stream: the encoder drained (the last partial packet is dropped).
  Result<void> flush(std::vector<media::MediaFramePtr>& out);

  const AacOpusCounters& counters() const { return counters_; }

 private:
  Result<void> open_encoder();
  Result<void> resample(const AVFrame& decoded);
  Result<void> encode_ready(std::vector<media::MediaFramePtr>& out);
  Result<void> receive(std::vector<media::MediaFramePtr>& out);
  Result<void> restart(int64_t pts);

  const AacOpusSettings settings_;
  CodecContextPtr decoder_;
  CodecContextPtr encoder_;
  FramePtr decoded_;
  FramePtr pcm_;  // one encoder input frame of 960 samples
  PacketPtr packet_;
  std::unique_ptr<SwrContext, void (*)(SwrContext*)> swr_;
  std::unique_ptr<AVAudioFifo, void (*)(AVAudioFifo*)> fifo_;
  int swr_in_rate_ = 0;
  int swr_in_channels_ = 0;
  int swr_in_format_ = -1;
  AacOpusCounters counters_;

  bool started_ = false;
  int64_t anchor_pts_ = 0;   // 90 kHz pts of the timeline's first sample
  int64_t encoded_ = 0;      // 48 kHz samples of this timeline given to the encoder
  int64_t next_in_pts_ = 0;  // where the next AAC frame should start (90 kHz)
};

}  // namespace stagecast::transcode
