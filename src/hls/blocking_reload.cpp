#include "hls/blocking_reload.h"

#include <algorithm>
#include <cmath>

namespace stagecast::hls {

int advance_part_limit(double part_target) {
  if (part_target <= 0) return 3;
  return part_target < 1.0 ? static_cast<int>(std::floor(3.0 / part_target + 1e-9)) : 3;
}

ReloadDecision decide_blocking_reload(const RenditionEdge& edge, int64_t msn,
                                      std::optional<int> part, const PartCountLookup& part_count) {
  if (edge.ended) return ReloadDecision::Ready;
  // "The last Media Segment in the current Playlist": before the first one completes, the one
  // before the first that will.
  const int64_t last_segment =
      edge.last_complete_msn >= 0 ? edge.last_complete_msn : edge.media_sequence - 1;

  if (!part) {
    if (msn <= edge.last_complete_msn) return ReloadDecision::Ready;
    return msn > last_segment + 2 ? ReloadDecision::TooFarAhead : ReloadDecision::Wait;
  }

  PartRef want{msn, *part};
  while (want.msn <= edge.last_complete_msn) {
    const auto count = part_count(want.msn);
    if (!count) return ReloadDecision::Ready;  // long gone from the window
    if (want.part < *count) return ReloadDecision::Ready;
    want = PartRef{want.msn + 1, 0};
  }
  if (edge.last_part && *edge.last_part >= want) return ReloadDecision::Ready;
  if (msn > last_segment + 2) return ReloadDecision::TooFarAhead;

  // Distance in parts from the last published part, counted as small as it could be: the
  // segment in progress may end after its next part.
  const PartRef from = edge.last_part.value_or(PartRef{edge.last_complete_msn + 1, -1});
  const int64_t parts_per_segment = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(edge.target_duration / std::max(edge.part_target, 0.001))));
  const int64_t distance = want.msn == from.msn
                               ? want.part - from.part
                               : (want.msn - from.msn - 1) * parts_per_segment + want.part + 1;
  if (distance > advance_part_limit(edge.part_target)) return ReloadDecision::TooFarAhead;
  return ReloadDecision::Wait;
}

}  // namespace stagecast::hls
