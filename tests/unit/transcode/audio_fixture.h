#pragma once
// Real audio for the Opus to AAC tests: a sine encoded with libopus (as a browser would send
// it, one packet per RTP payload, pts from a 48 kHz RTP clock), and the AAC decoded back with
// libavcodec to check what a player would hear.

#include <cstdint>
#include <vector>

#include "media/media_frame.h"

namespace stagecast::transcode::test {

struct SineSpec {
  double frame_ms = 20;  // Opus frame duration: 2.5 to 60
  int channels = 2;      // 1 or 2
  double left_hz = 440;  // the right channel of a stereo sender plays right_hz
  double right_hz = 660;
  double amplitude = 0.5;
  double seconds = 2;
  double silent_lead = 0;         // seconds of silence before the tone starts
  int64_t first_rtp = 1'234'567;  // 48 kHz RTP timestamp of the first sample (random in WebRTC)
};

struct OpusPackets {
  std::vector<media::MediaFramePtr> packets;  // codec Opus, pts = floor(rtp * 90000 / 48000)
  int samples_per_packet = 0;                 // at 48 kHz
};

// Encodes with libavcodec's libopus encoder; fails the calling test on any error.
OpusPackets encode_opus_sine(const SineSpec& spec);

// The 90 kHz pts the RTP timestamp `rtp` becomes (truncated, as the ingest does).
int64_t rtp_to_pts(int64_t rtp);

struct DecodedAac {
  std::vector<float> left, right;
  int frames = 0;
  int bad_frames = 0;  // did not decode to 1024 samples
};
DecodedAac decode_aac(const media::AudioConfig& config,
                      const std::vector<media::MediaFramePtr>& frames);

// Positive-going zero crossings per second in samples [from, to) at 48 kHz.
double tone_frequency(const std::vector<float>& s, double from_s, double to_s);
double rms(const std::vector<float>& s, double from_s, double to_s);

}  // namespace stagecast::transcode::test
