#pragma once
// Spool: the bounded on-disk queue of what is still to be written to the object store (DESIGN.md,
// Storage: "a failed upload is retried from a bounded spool"). Each entry is a payload file and a
// small meta file, written durably (data first, then meta: an entry exists once its meta does),
// under <root>/<recording>/q/<seq>.{data,meta}, so a restart finds every entry and its order.
// The bytes held are counted against `max_bytes`; a recording's MP4 part buffer reserves its
// bytes here too. Full: add() refuses, and the recording marks what it could not keep as a gap.
//
// Thread-safe. Blocking (disk): record workers and upload threads only.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "record/durable_file.h"

namespace stagecast::record {

inline constexpr const char* kSpoolFull = "spool_full";

struct SpoolEntry {
  uint64_t seq = 0;
  std::string recording_id;
  enum class Kind { kPut, kPart };
  Kind kind = Kind::kPut;
  std::string key;
  std::string content_type;  // kPut
  int part_number = 0;       // kPart
  uint64_t bytes = 0;
  std::filesystem::path data;
};

class Spool {
 public:
  Spool(std::filesystem::path root, uint64_t max_bytes);

  // Every complete entry on disk, in order (half-written ones are deleted), and the bytes they
  // hold counted. Call once at start, before adding.
  Result<std::vector<SpoolEntry>> load();

  // Writes `data` as a new entry. kSpoolFull when it does not fit, allowing `overdraft` bytes
  // past the bound (the playlists that make a recording replayable at all).
  // With a `batch`, the files are written in place with no sync and made durable by the batch's
  // commit (group commit); without one, each entry is durable when add() returns.
  Result<SpoolEntry> add(SpoolEntry entry, ByteSpan data, uint64_t overdraft = 0,
                         SyncBatch* batch = nullptr);
  // Turns an existing file (an MP4 part buffer whose bytes were reserved) into an entry.
  Result<SpoolEntry> adopt(SpoolEntry entry, const std::filesystem::path& file);
  // Deletes the entry's files and frees its bytes.
  void remove(const SpoolEntry& entry);

  bool reserve(uint64_t bytes, uint64_t overdraft = 0);
  void release(uint64_t bytes);
  uint64_t used() const { return used_.load(); }
  uint64_t capacity() const { return max_bytes_; }

  std::filesystem::path recording_dir(const std::string& recording_id) const {
    return root_ / recording_id;
  }
  const std::filesystem::path& root() const { return root_; }

 private:
  Result<SpoolEntry> write_meta(SpoolEntry entry, SyncBatch* batch = nullptr);
  std::filesystem::path queue_dir(const std::string& recording_id) const {
    return root_ / recording_id / "q";
  }

  const std::filesystem::path root_;
  const uint64_t max_bytes_;
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> next_seq_{1};
  std::mutex mu_;  // reservations
};

}  // namespace stagecast::record
