#include "net/context_load.h"

#include <algorithm>

namespace stagecast::net {

ContextLoad::ContextLoad(size_t contexts) : counts_(std::max<size_t>(1, contexts), 0) {}

size_t ContextLoad::pick() {
  const size_t n = counts_.size();
  size_t best = next_ % n;
  for (size_t k = 1; k < n; ++k) {
    const size_t i = (next_ + k) % n;
    if (counts_[i] < counts_[best]) best = i;
  }
  next_ = best + 1;
  return best;
}

void ContextLoad::add(size_t context) {
  ++counts_.at(context);
}

void ContextLoad::remove(size_t context) {
  size_t& c = counts_.at(context);
  if (c > 0) --c;
}

}  // namespace stagecast::net
