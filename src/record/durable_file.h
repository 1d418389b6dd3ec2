#pragma once
// Writing files so that they survive a crash or a power cut, the way leveldb's env_posix.cc does:
// write to a temporary name, fdatasync the data, rename over the final name, then fsync the
// directory so the rename itself is on disk. Appends fdatasync before they count as written.
// Blocking: worker threads only.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::record {

// Replaces `path` atomically with `data` (readers see the old file or the new one, never half).
Result<void> write_file_durably(const std::filesystem::path& path, ByteSpan data);
// Appends `data` at `offset` (truncating anything after it first: a retried append after a crash
// overwrites the half-written tail) and fdatasyncs. Creates the file when absent.
Result<void> write_at_durably(const std::filesystem::path& path, uint64_t offset, ByteSpan data);
// Renames and syncs the target's directory.
Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);
// fsync of a directory (after creating or removing entries in it).
Result<void> sync_directory(const std::filesystem::path& dir);
// The whole file; an error when it cannot be read or is larger than `max_bytes`.
Result<Bytes> read_file(const std::filesystem::path& path, uint64_t max_bytes);
// [offset, offset + length) of a file, clamped to its end.
Result<Bytes> read_file_range(const std::filesystem::path& path, uint64_t offset, uint64_t length);

}  // namespace stagecast::record
