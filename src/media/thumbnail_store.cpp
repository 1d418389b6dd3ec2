#include "media/thumbnail_store.h"

namespace stagecast::media {

void ThumbnailStore::put(const std::string& stream_id, ThumbnailPtr picture) {
  std::lock_guard lock(mu_);
  pictures_[stream_id] = std::move(picture);
  while (pictures_.size() > max_entries_) {
    auto oldest = pictures_.begin();
    for (auto it = pictures_.begin(); it != pictures_.end(); ++it) {
      if (it->second->captured_at_ms < oldest->second->captured_at_ms) oldest = it;
    }
    pictures_.erase(oldest);
  }
}

ThumbnailPtr ThumbnailStore::get(const std::string& stream_id) const {
  std::lock_guard lock(mu_);
  auto it = pictures_.find(stream_id);
  return it == pictures_.end() ? nullptr : it->second;
}

void ThumbnailStore::erase(const std::string& stream_id) {
  std::lock_guard lock(mu_);
  pictures_.erase(stream_id);
}

size_t ThumbnailStore::size() const {
  std::lock_guard lock(mu_);
  return pictures_.size();
}

}  // namespace stagecast::media
