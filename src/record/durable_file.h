#pragma once
// Writing files so that they survive a crash or a power cut, the way leveldb's env_posix.cc does:
// write to a temporary name, fdatasync the data, rename over the final name, then fsync the
// directory so the rename itself is on disk. Appends fdatasync before they count as written.
// Blocking: worker threads only.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::record {

// All of `data` written to `fd`: at `offset` (pwrite), or where the descriptor stands (write, e.g.
// O_APPEND) without one. Short writes and EINTR are resumed; false with errno set on failure.
bool write_fully(int fd, ByteSpan data, std::optional<uint64_t> offset);
// Fills `out` from `offset` (pread, resuming short reads and EINTR): how many bytes were read,
// fewer when the file ends first (it shrank meanwhile); nullopt with errno set on failure.
std::optional<size_t> read_fully(int fd, uint64_t offset, std::span<uint8_t> out);
// Replaces `path` atomically with `data` (readers see the old file or the new one, never half).
Result<void> write_file_durably(const std::filesystem::path& path, ByteSpan data);
// Appends `data` at `offset` (truncating anything after it first: a retried append after a crash
// overwrites the half-written tail) and fdatasyncs. Creates the file when absent.
Result<void> write_at_durably(const std::filesystem::path& path, uint64_t offset, ByteSpan data);
// Renames and syncs the target's directory.
Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);
// fsync of a directory (after creating or removing entries in it).
Result<void> sync_directory(const std::filesystem::path& dir);
// Group commit: files written now and made durable together later (one fdatasync per file and
// one fsync per directory at commit(), instead of a sync per write). What a batch holds is in
// the page cache: it survives the process being killed, not a power cut before the commit.
class SyncBatch {
 public:
  SyncBatch() = default;
  ~SyncBatch();
  SyncBatch(const SyncBatch&) = delete;
  SyncBatch& operator=(const SyncBatch&) = delete;
  void add_fd(int fd);  // takes ownership: closed at commit
  void add_dir(const std::filesystem::path& dir) { dirs_.insert(dir); }
  bool empty() const { return fds_.empty() && dirs_.empty(); }
  Result<void> commit();

 private:
  std::vector<int> fds_;
  std::set<std::filesystem::path> dirs_;
};
// Writes `data` at `offset` (truncating after it first, like write_at_durably) with no sync; the
// open descriptor goes to `batch`, which syncs it at its commit.
Result<void> write_at_deferred(const std::filesystem::path& path, uint64_t offset, ByteSpan data,
                               SyncBatch& batch);
// Writes `data` to `path` (created or emptied first) with no sync and returns the open
// descriptor: the caller fdatasyncs and closes it (a group commit).
Result<int> write_file_open(const std::filesystem::path& path, ByteSpan data);
// Appends without a sync (the caller makes the file durable later, e.g. before a rename).
Result<void> append_file(const std::filesystem::path& path, ByteSpan data);
// fdatasync of an existing file.
Result<void> sync_file(const std::filesystem::path& path);
// The whole file; an error when it cannot be read or is larger than `max_bytes`.
Result<Bytes> read_file(const std::filesystem::path& path, uint64_t max_bytes);
// [offset, offset + length) of a file, clamped to its end.
Result<Bytes> read_file_range(const std::filesystem::path& path, uint64_t offset, uint64_t length);
// The same into `out` (its size is the length asked for): how many bytes were read, fewer when
// the file ends first.
Result<size_t> read_file_range_into(const std::filesystem::path& path, uint64_t offset,
                                    std::span<uint8_t> out);

}  // namespace stagecast::record
