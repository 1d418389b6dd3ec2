#include "whep/rendition_choice.h"

#include <algorithm>

namespace stagecast::whep {

std::optional<size_t> RenditionChoice::on_estimate(TimePoint now, uint64_t estimate_bps,
                                                   std::span<const uint64_t> rates, size_t at) {
  if (at >= rates.size()) return std::nullopt;
  // The warm-up counts from the start, the settling time from the last move.
  const auto quiet = started_ ? options_.settle : options_.warmup;
  if (now - last_move_ < quiet) {
    low_since_.reset();
    high_since_.reset();
    return std::nullopt;
  }
  const double estimate = static_cast<double>(estimate_bps);
  const uint64_t current = rates[at];
  if (current != 0 && at + 1 < rates.size() &&
      estimate < options_.down_margin * static_cast<double>(current)) {
    high_since_.reset();
    if (!low_since_) low_since_ = now;
    if (now - *low_since_ < options_.down_after) return std::nullopt;
    for (size_t j = at + 1; j < rates.size(); ++j) {
      if (rates[j] != 0 && static_cast<double>(rates[j]) <= options_.down_margin * estimate) {
        return j;
      }
    }
    return rates.size() - 1;
  }
  low_since_.reset();
  if (at == 0 || rates[at - 1] == 0) {
    high_since_.reset();
    return std::nullopt;
  }
  // Room for the next one up, known (the estimate clears its rate), or worth a try (the estimate
  // clears ours by the margin a receiver's estimate keeps over what it gets).
  const bool room = estimate > options_.up_margin * static_cast<double>(rates[at - 1]);
  const bool worth_a_try =
      current != 0 && estimate > options_.probe_margin * static_cast<double>(current);
  if (!room && !worth_a_try) {
    high_since_.reset();
    return std::nullopt;
  }
  if (!high_since_) high_since_ = now;
  const auto wait = room ? std::chrono::milliseconds(options_.up_after) : probe_wait_;
  if (now - *high_since_ >= wait) return at - 1;
  return std::nullopt;
}

std::optional<size_t> RenditionChoice::on_congested(TimePoint now, size_t renditions, size_t at) {
  if (at + 1 >= renditions) return std::nullopt;
  if (started_ && now - last_move_ < options_.settle) return std::nullopt;
  return at + 1;
}

void RenditionChoice::moved(TimePoint now, bool up) {
  if (up) {
    last_up_ = now;
  } else if (last_up_ && now - *last_up_ < options_.probe_failed_within) {
    probe_wait_ = std::min(probe_wait_ * 2, options_.probe_after_max);  // the try failed
  }
  if (!up && last_up_ && now - *last_up_ >= options_.probe_failed_within) {
    probe_wait_ = options_.probe_after;  // the last try held a while
  }
  started_ = true;
  last_move_ = now;
  low_since_.reset();
  high_since_.reset();
}

}  // namespace stagecast::whep
