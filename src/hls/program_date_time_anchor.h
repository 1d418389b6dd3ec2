#pragma once
// ProgramDateTimeAnchor: one wall-clock anchor per live stream, shared by the packagers of all
// its renditions, so that segments with the same media sequence number (and the same tfdt) carry
// the same EXT-X-PROGRAM-DATE-TIME in every rendition (draft-pantos-hls-rfc8216bis 6.2.4:
// matching content in Variant Streams MUST have matching timestamps and dates).
//
// Each packager keeps a continuous output timeline (90 kHz) and starts a "session" at the first
// key frame and again after every discontinuity. The first rendition to start a session near a
// timeline position fixes the wall clock of that position; the others (transcoded rungs start a
// few hundred milliseconds later, after decoding and encoding) take the same anchor. Media time
// then maps to wall time without re-reading the clock, so the date follows EXTINF exactly.
//
// Thread-safe: packagers of one stream run on different threads (hub, transcode pool).

#include <cstdint>
#include <mutex>
#include <vector>

namespace stagecast::hls {

class ProgramDateTimeAnchor {
 public:
  // Wall clock (unix milliseconds) of output timeline position `session_start` (90 kHz), for a
  // session starting there now (`now_unix_ms`). A session that starts within `kSameSession` of
  // one already anchored shares its anchor.
  int64_t anchor_session(int64_t session_start, int64_t now_unix_ms);

  // Sessions remembered; older ones are no longer started by any rendition.
  static constexpr size_t kMaxAnchors = 8;
  static constexpr int64_t kSameSession = 90'000;  // 1 s of timeline

 private:
  struct Anchor {
    int64_t timeline = 0;  // 90 kHz
    int64_t unix_ms = 0;
  };
  std::mutex mu_;
  std::vector<Anchor> anchors_;
};

}  // namespace stagecast::hls
