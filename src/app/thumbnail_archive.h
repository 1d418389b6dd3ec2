#pragma once
// The last picture of each ended stream kept across restarts (docs/web.md, "Live thumbnails"):
// written durably to <data_dir>/thumbnails/<stream id>_<width>x<height>.jpg when the stream ends,
// and read back into the ThumbnailStore at start-up (the newest `max_files`; older files are
// removed). Blocking (disk): the thumbnail pool and start-up only.

#include <cstddef>
#include <filesystem>
#include <string>

#include "media/thumbnail_store.h"

namespace stagecast::app {

// Writes the stream's picture; logs and gives up on an error (a card then shows the placeholder
// after a restart). `stream_id` must be a store id (hex): anything else is not written.
void save_thumbnail(const std::filesystem::path& dir, const std::string& stream_id,
                    const media::Thumbnail& picture, size_t max_files);

// Loads what save_thumbnail wrote; returns how many pictures were loaded.
size_t load_thumbnails(const std::filesystem::path& dir, media::ThumbnailStore& store,
                       size_t max_files);

}  // namespace stagecast::app
