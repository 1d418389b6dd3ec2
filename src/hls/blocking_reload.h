#pragma once
// When a blocking playlist reload can be answered (draft-pantos-hls-rfc8216bis 6.2.5.2): the
// decision alone, over the live edge the packager last published, so that it is tested apart
// from any thread or socket.

#include <cstdint>
#include <functional>
#include <optional>

#include "hls/media_playlist.h"

namespace stagecast::hls {

// The live edge of a rendition as its latest playlist shows it.
struct RenditionEdge {
  int64_t media_sequence = 0;
  int64_t last_complete_msn = -1;    // -1 while no segment is complete
  std::optional<PartRef> last_part;  // the last complete part, if any
  std::optional<PartRef> preload_hint;
  double target_duration = 2;  // seconds
  double part_target = 0.5;    // seconds
  bool ended = false;
};

enum class ReloadDecision { Ready, Wait, TooFarAhead };

// The number of parts of a complete segment, nullopt once the store no longer knows it.
using PartCountLookup = std::function<std::optional<int>(int64_t msn)>;

// _HLS_msn=msn with an optional _HLS_part=part.
//  - Ready once the playlist holds segment msn (no part) or part `part` of segment msn or later;
//    a part index past the last part of a complete segment is part 0 of the next (6.2.5.2);
//    at once when the playlist has EXT-X-ENDLIST (the directives are then ignored).
//  - TooFarAhead when msn is more than two past the last segment, or the part is further ahead
//    of the last part than the Advance Part Limit (three target durations in parts).
ReloadDecision decide_blocking_reload(const RenditionEdge& edge, int64_t msn,
                                      std::optional<int> part, const PartCountLookup& part_count);

// The Advance Part Limit of 6.2.5.2 for a part target in seconds.
int advance_part_limit(double part_target);

}  // namespace stagecast::hls
