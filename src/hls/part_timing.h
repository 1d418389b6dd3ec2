#pragma once
// Where a video rendition's parts end: by time, not by a frame count.
//
// draft-pantos-hls-rfc8216bis 4.4.4.9: a Partial Segment lasts at most PART-TARGET, and at least
// 85% of it unless it is INDEPENDENT=YES or its segment's last. Parts end only where a frame
// starts (a sample's duration is the next frame's dts minus its own, carried from the source),
// so a part may end anywhere in the window [85%, 100%] of PART-TARGET where a frame starts.
//
// The rule (docs/hls.md, "Parts"):
// - PART-TARGET is the configured part duration rounded up to whole frames of the source's frame
//   rate (source_frame_duration), plus a little room for jitter, in whole milliseconds: 250 ms at
//   30 fps is 8 frames and 3.6 ms, 0.271 s. Its window of 15% then holds the starts of both a 7-
//   and an 8-frame part of a regular source with about 3 ms to spare on each side, so one frame
//   missing, or a few milliseconds of jitter, still leave a place to cut.
// - Within a segment parts aim at an even grid: the expected segment (the previous GOP) shared
//   out over whole parts of about the configured duration, so a regular GOP ends in a full part
//   rather than a sliver. A part ends at the frame start nearest its grid point within the window,
//   or earlier in the window when the next frame would surely pass PART-TARGET.
// - A frame whose successor starts past PART-TARGET waits for the next part. Should that leave
//   the part under 85% (a gap in the timestamps wider than the window: two or more frames
//   missing, or GStreamer's uneven B-frame timestamps with one missing) and the part is not
//   INDEPENDENT, the segment ends there instead: a segment's last part may be short. The next
//   segment then starts without a key frame (not INDEPENDENT), and the next key frame starts a
//   segment again.
// - The first segment is cut into parts only when it is complete (nothing is listed before,
//   6.2.1), with every frame known: the partition that keeps every part in its window with its
//   boundaries nearest the grid, found exactly, so gaps there cost no early segment end.

#include <cstdint>
#include <span>
#include <vector>

namespace stagecast::hls {

struct PartTiming {
  int64_t target = 0;  // PART-TARGET, 90 kHz ticks, a whole number of milliseconds
  int64_t floor = 0;   // 85% of it, rounded up: the shortest non-final, non-INDEPENDENT part

  // `nominal` (the configured part duration) in whole frames of `frame` ticks, rounded up to a
  // millisecond. A frame rate within 0.5% of a common one counts as that one, so renditions of
  // one stream (the same frames, timestamps rounded differently) agree on PART-TARGET (6.2.4).
  static PartTiming for_frames(int64_t nominal, double frame);
  static PartTiming exactly(int64_t target);

  bool fits(int64_t duration) const { return duration <= target; }
  bool long_enough(int64_t duration) const { return duration >= floor; }
};

// The frame duration (90 kHz ticks) of a common frame rate within 0.5% of `frame`, else `frame`.
double snap_frame_duration(double frame);

// The frame duration a source means, from its frames' presentation times: the mean step between
// consecutive ones, leaving out gaps (frames missing) and bunches (frames stamped together).
// Decode times are no good for this: with B-frames GStreamer's step 21 and 43 ms.
double typical_frame_duration(std::vector<int64_t> pts);

// The frame duration PART-TARGET is made of: the source's declared frame rate (RTMP onMetaData)
// when the frames bear it out (within 5%), else the one measured. A GStreamer publisher's first
// GOP measured 30.8 fps on a loaded machine, which made PART-TARGET 7 frames and 0.264 s, and
// renditions of one stream must agree on it (6.2.4) whatever their first GOP looked like.
double source_frame_duration(std::vector<int64_t> pts, double declared_fps);

// The grid step of a segment expected to last `expected_segment`: that shared out over whole
// parts of about `nominal` (2 s in parts of 0.25 s: 8; OBS's 8.33 s: 33 of 0.2525 s).
int64_t grid_step(int64_t expected_segment, int64_t nominal);

// What happens to the frame held back at `held` once the next one, at `next`, is known.
enum class HeldFrame {
  Joins,           // it fits in the open part
  StartsNextPart,  // the open part ends before it
  EndsSegment,     // the open part would be too short to end before it: the segment ends there
};
HeldFrame place_held_frame(const PartTiming& timing, int64_t part_start, bool part_independent,
                           int64_t held, int64_t next);

// Whether a part boundary goes where the frame at `at` starts: the open part began at
// `part_start`, its grid point is `aim`, frames last about `frame`.
bool part_ends_at(const PartTiming& timing, int64_t part_start, int64_t at, int64_t aim,
                  int64_t frame);

// The parts of a complete segment: `starts` are its frames' decode times (ascending, the first
// the segment's start), `sync` which are key frames, `end` where the segment ends. Returns the
// indices of the frames that start a part (0 first). Every part fits PART-TARGET and every part
// but the last and INDEPENDENT ones is long enough, with the parts as close to `step` as can be;
// if no such partition exists (a gap wider than the window), the one closest to `step` in which
// every part fits.
std::vector<size_t> plan_parts(std::span<const int64_t> starts, const std::vector<bool>& sync,
                               int64_t end, const PartTiming& timing, int64_t step);

}  // namespace stagecast::hls
