#pragma once
// ThumbnailStore: the latest picture of each stream (docs/web.md, "Live thumbnails"), encoded
// JPEG bytes shared immutably with every request that serves them. A live stream's picture is
// replaced every few seconds; an ended stream keeps its last one (its card and its page still
// show it), up to `max_entries` pictures in all: past that the one replaced longest ago goes.
// Thread-safe; every call is a map operation under a mutex (fine on an I/O thread).

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/bytes.h"

namespace stagecast::media {

struct Thumbnail {
  Bytes jpeg;
  int width = 0;
  int height = 0;
  int64_t captured_at_ms = 0;  // wall clock, unix ms
};
using ThumbnailPtr = std::shared_ptr<const Thumbnail>;

class ThumbnailStore {
 public:
  explicit ThumbnailStore(size_t max_entries = 2000) : max_entries_(max_entries) {}

  void put(const std::string& stream_id, ThumbnailPtr picture);
  ThumbnailPtr get(const std::string& stream_id) const;
  void erase(const std::string& stream_id);
  size_t size() const;

 private:
  size_t max_entries_;
  mutable std::mutex mu_;
  std::map<std::string, ThumbnailPtr> pictures_;
};

}  // namespace stagecast::media
