#include "record/object_store.h"

#include "record/durable_file.h"

namespace stagecast::record {

bool valid_object_key(std::string_view key) {
  if (key.empty() || key.size() > 512 || key.front() == '/' || key.back() == '/') return false;
  size_t segment_start = 0;
  for (size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') {
      const std::string_view segment = key.substr(segment_start, i - segment_start);
      // Empty, ".", ".." and hidden segments (the local store's own .uploads) are refused.
      if (segment.empty() || segment.front() == '.') return false;
      segment_start = i + 1;
      continue;
    }
    const char c = key[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<void> ObjectStore::put_file(const std::string& key, const std::filesystem::path& file,
                                   std::string_view content_type) {
  // Spool entries are segments and MP4 parts: tens of MiB at most.
  auto bytes = read_file(file, 1024ull * 1024 * 1024);
  if (!bytes) return make_error(errc::kInvalid, "reading a spooled object: " + bytes.error().message);
  return put(key, *bytes, content_type);
}

}  // namespace stagecast::record
