#include "hls/part_timing.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hls/media_time.h"

namespace stagecast::hls {
namespace {

constexpr int64_t kTicksPerMs = media::kTimescale / 1000;

int64_t round_up_to_ms(double ticks) {
  // A hair of tolerance: 8 frames of 3000 ticks are 24000, not 24090.
  return static_cast<int64_t>(std::ceil(ticks / kTicksPerMs - 1e-6)) * kTicksPerMs;
}

}  // namespace

double snap_frame_duration(double frame) {
  if (!(frame > 0)) return frame;
  return media::kTimescale / common_frame_rate(media::kTimescale / frame);
}

double typical_frame_duration(std::vector<int64_t> pts) {
  std::sort(pts.begin(), pts.end());
  std::vector<int64_t> steps;
  for (size_t i = 1; i < pts.size(); ++i)
    if (pts[i] > pts[i - 1]) steps.push_back(pts[i] - pts[i - 1]);
  if (steps.empty()) return 0;
  std::vector<int64_t> sorted = steps;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                   sorted.end());
  const int64_t median = sorted[sorted.size() / 2];
  // Steps of one frame only: a gap (frames missing) is not a frame rate, nor frames that came
  // bunched (a live publisher on a loaded machine, GStreamer's: several within a millisecond, then
  // a long step).
  int64_t total = 0;
  int64_t count = 0;
  for (const int64_t step : steps) {
    if (2 * step > 3 * median || 3 * step < 2 * median) continue;
    total += step;
    ++count;
  }
  return count ? static_cast<double>(total) / static_cast<double>(count) : 0;
}

double source_frame_duration(std::vector<int64_t> pts, double declared_fps) {
  const double measured = typical_frame_duration(std::move(pts));
  if (!(declared_fps > 0)) return measured;
  const double declared = media::kTimescale / declared_fps;
  return measured > 0 && std::abs(measured - declared) > declared * 0.05 ? measured : declared;
}

PartTiming PartTiming::exactly(int64_t target) {
  PartTiming t;
  t.target = std::max<int64_t>(kTicksPerMs, target);
  t.floor = (t.target * 85 + 99) / 100;
  return t;
}

PartTiming PartTiming::for_frames(int64_t nominal, double frame) {
  const double f = snap_frame_duration(frame);
  if (!(f > 0)) return exactly(round_up_to_ms(static_cast<double>(nominal)));
  // Whole frames reaching the nominal duration; 0.5 s at a measured 29.99 fps is still 15.
  const double n = std::max(1.0, std::ceil(static_cast<double>(nominal) / f - 0.05));
  // Room for jitter: PART-TARGET a little over n frames, so that n frames fit as far below it as
  // n - 1 frames are above its 85% ((2n - 1) f / 1.85 centres the window on them: 8 frames of
  // 30 fps plus 3.6 ms, each with 3 ms to spare); never more than an eighth of a frame.
  const double room = std::clamp(((2 * n - 1) / 1.85 - n) * f, 0.0, f / 8);
  return exactly(round_up_to_ms(n * f + room));
}

int64_t grid_step(int64_t expected_segment, int64_t nominal) {
  if (nominal <= 0 || expected_segment <= 0) return std::max<int64_t>(nominal, 1);
  const int64_t parts =
      std::max<int64_t>(1, static_cast<int64_t>(std::llround(static_cast<double>(expected_segment) /
                                                             static_cast<double>(nominal))));
  return std::max<int64_t>(1, expected_segment / parts);
}

HeldFrame place_held_frame(const PartTiming& timing, int64_t part_start, bool part_independent,
                           int64_t held, int64_t next) {
  // A part's first frame stays in it whatever its length: it cannot be split.
  if (held <= part_start || timing.fits(next - part_start)) return HeldFrame::Joins;
  if (part_independent || timing.long_enough(held - part_start)) return HeldFrame::StartsNextPart;
  return HeldFrame::EndsSegment;
}

bool part_ends_at(const PartTiming& timing, int64_t part_start, int64_t at, int64_t aim,
                  int64_t frame) {
  const int64_t length = at - part_start;
  if (!timing.long_enough(length)) return false;
  const int64_t target = std::clamp(aim, part_start + timing.floor, part_start + timing.target);
  // The frame start nearest the grid point, or this one if the next frame would end past
  // PART-TARGET (should it come sooner than expected, the part was still long enough).
  // (Surely past: an eighth of a frame of slack, as millisecond timestamps make a regular 30 fps
  // frame 33 or 34 ms long, and 8 of them still fit 0.267 s.)
  return 2 * at + frame >= 2 * target || length + frame - frame / 8 > timing.target;
}

std::vector<size_t> plan_parts(std::span<const int64_t> starts, const std::vector<bool>& sync,
                               int64_t end, const PartTiming& timing, int64_t step) {
  const size_t n = starts.size();
  if (n == 0) return {};
  const auto position = [&](size_t i) { return i < n ? starts[i] : end; };
  constexpr double kNone = std::numeric_limits<double>::infinity();
  // Shortest path over (parts so far, frame start): cost[j][b] is the least sum of squared
  // distances of the boundaries from the grid (start + k * step) over j parts covering frames
  // [0, b). A part fits within PART-TARGET, so at most a window's worth of predecessors counts.
  auto solve = [&](bool strict) {
    const auto sync_frames = static_cast<size_t>(std::count(sync.begin(), sync.end(), true));
    const size_t most = strict
                            ? std::min(n, static_cast<size_t>((end - starts[0]) /
                                                              std::max<int64_t>(timing.floor, 1)) +
                                              2 + sync_frames)
                            : n;
    std::vector<std::vector<double>> cost(most + 1, std::vector<double>(n + 1, kNone));
    std::vector<std::vector<size_t>> from(most + 1, std::vector<size_t>(n + 1, 0));
    cost[0][0] = 0;
    for (size_t j = 1; j <= most; ++j) {
      const double grid = static_cast<double>(starts[0]) + static_cast<double>(j * step);
      for (size_t b = 1; b <= n; ++b) {
        const double off = static_cast<double>(position(b)) - grid;
        for (size_t a = b; a-- > 0;) {
          const int64_t length = position(b) - starts[a];
          const bool single = a + 1 == b;
          if (!timing.fits(length) && !(single && !strict)) break;
          const bool exempt = b == n || sync[a];
          if (strict && !exempt && !timing.long_enough(length)) continue;
          if (cost[j - 1][a] == kNone) continue;
          if (cost[j - 1][a] + off * off < cost[j][b]) {
            cost[j][b] = cost[j - 1][a] + off * off;
            from[j][b] = a;
          }
        }
      }
    }
    size_t parts = 0;
    for (size_t j = 1; j <= most; ++j)
      if (cost[j][n] < (parts ? cost[parts][n] : kNone)) parts = j;
    if (parts == 0) return std::vector<size_t>{};
    std::vector<size_t> cuts;
    for (size_t b = n, j = parts; j > 0; b = from[j][b], --j) cuts.push_back(from[j][b]);
    std::reverse(cuts.begin(), cuts.end());
    return cuts;
  };
  auto cuts = solve(true);
  if (cuts.empty()) cuts = solve(false);
  return cuts;
}

}  // namespace stagecast::hls
