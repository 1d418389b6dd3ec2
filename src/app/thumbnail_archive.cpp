#include "app/thumbnail_archive.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <system_error>
#include <vector>

#include "record/durable_file.h"

namespace stagecast::app {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxPictureBytes = 4 * 1024 * 1024;

bool hex_id(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

struct Entry {
  fs::path path;
  fs::file_time_type mtime;
};

// The pictures in `dir`, newest first; files that are not ours are left alone.
std::vector<Entry> pictures_in(const fs::path& dir) {
  std::vector<Entry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec) || e.path().extension() != ".jpg") continue;
    out.push_back({e.path(), e.last_write_time(ec)});
  }
  std::sort(out.begin(), out.end(),
            [](const Entry& a, const Entry& b) { return a.mtime > b.mtime; });
  return out;
}

// "<id>_<w>x<h>" -> id, w, h.
bool parse_name(const std::string& stem, std::string& id, int& w, int& h) {
  const size_t us = stem.rfind('_');
  const size_t x = stem.rfind('x');
  if (us == std::string::npos || x == std::string::npos || x < us) return false;
  id = stem.substr(0, us);
  const char* b = stem.data();
  auto [p1, e1] = std::from_chars(b + us + 1, b + x, w);
  auto [p2, e2] = std::from_chars(b + x + 1, b + stem.size(), h);
  return hex_id(id) && e1 == std::errc() && p1 == b + x && e2 == std::errc() &&
         p2 == b + stem.size() && w > 0 && h > 0 && w <= 8192 && h <= 8192;
}

}  // namespace

void save_thumbnail(const fs::path& dir, const std::string& stream_id,
                    const media::Thumbnail& picture, size_t max_files) {
  if (!hex_id(stream_id) || picture.jpeg.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  // The stream's earlier picture (another size) goes first.
  for (const Entry& e : pictures_in(dir)) {
    if (e.path.stem().string().starts_with(stream_id + "_")) fs::remove(e.path, ec);
  }
  const fs::path path = dir / (stream_id + "_" + std::to_string(picture.width) + "x" +
                               std::to_string(picture.height) + ".jpg");
  if (auto r = record::write_file_durably(path, picture.jpeg); !r) {
    spdlog::warn("stream {}: keeping its last picture failed: {}", stream_id, r.error().message);
    return;
  }
  auto all = pictures_in(dir);
  for (size_t i = max_files; i < all.size(); ++i) fs::remove(all[i].path, ec);
}

size_t load_thumbnails(const fs::path& dir, media::ThumbnailStore& store, size_t max_files) {
  size_t loaded = 0;
  auto all = pictures_in(dir);
  std::error_code ec;
  for (size_t i = 0; i < all.size(); ++i) {
    std::string id;
    int w = 0, h = 0;
    if (!parse_name(all[i].path.stem().string(), id, w, h)) continue;
    if (i >= max_files) {
      fs::remove(all[i].path, ec);
      continue;
    }
    auto bytes = record::read_file(all[i].path, kMaxPictureBytes);
    if (!bytes || bytes->size() < 4 || (*bytes)[0] != 0xff || (*bytes)[1] != 0xd8) continue;
    auto pic = std::make_shared<media::Thumbnail>();
    pic->jpeg = std::move(bytes).value();
    pic->width = w;
    pic->height = h;
    // The file's time stands for when the picture was taken (its ETag and ?v=).
    const auto since_epoch = std::chrono::file_clock::to_sys(all[i].mtime).time_since_epoch();
    pic->captured_at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
    store.put(id, std::move(pic));
    ++loaded;
  }
  return loaded;
}

}  // namespace stagecast::app
