#pragma once
// ObjectStore: where recordings, replay segments and clips are kept (DESIGN.md, Storage): a local
// directory by default, any S3-compatible store when configured. Keys are relative paths
// ("recordings/<stream>/<recording>/source/seg12.m4s"), the same on every store.
//
// Every call is synchronous and may block (disk, network): call it from a worker thread, never
// from an I/O thread. Implementations are thread-safe.
//
// Multipart uploads follow S3's semantics (Amazon S3 API reference, "Uploading and copying
// objects using multipart upload"): parts of at least 5 MiB except the last, numbered from 1,
// completed or aborted explicitly (an upload left open is an orphan that costs storage until
// aborted; list_multipart finds them after a crash). The local store appends the parts to one
// file in order and renames it into place on completion.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::record {

// Error codes of the object stores (Error::code). Messages never carry credentials.
namespace errc {
inline constexpr const char* kNotFound = "object_not_found";
// 401/403: credentials or bucket policy refuse us.
inline constexpr const char* kDenied = "object_store_denied";
// Connection refused or reset, timeout, 5xx, 429/SlowDown: worth retrying later.
inline constexpr const char* kUnavailable = "object_store_unavailable";
// An answer we cannot read (not S3's XML, truncated, a 200 carrying an <Error>).
inline constexpr const char* kBadResponse = "object_store_bad_response";
// The request itself is wrong (bad key, part order, 4xx other than the above).
inline constexpr const char* kInvalid = "object_store_invalid";
}  // namespace errc

// S3's smallest part but the last (and our default part size).
inline constexpr uint64_t kMinPartBytes = 5ull * 1024 * 1024;
// S3's largest part number.
inline constexpr int kMaxPartNumber = 10'000;

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

struct UploadedPart {
  int number = 0;
  std::string etag;
};

struct OpenUpload {
  std::string key;
  std::string upload_id;
};

// Bytes [first, first + length) of an object.
struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// What a reader gets: the bytes asked for and the object's whole size.
struct ObjectBytes {
  Bytes data;
  uint64_t total_size = 0;
};

// A key is 1..512 characters of [A-Za-z0-9._/-], relative (no leading '/'), with no empty,
// "." or ".." segment: safe as a path under a directory and as an S3 key without escaping.
bool valid_object_key(std::string_view key);

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // "local" or "s3" (for logs and the recording rows).
  virtual std::string_view kind() const = 0;

  virtual Result<void> put(const std::string& key, ByteSpan data,
                           std::string_view content_type) = 0;
  // The same from a file (a spool entry). The default reads the file and calls put().
  virtual Result<void> put_file(const std::string& key, const std::filesystem::path& file,
                                std::string_view content_type);
  // The whole object, or a range of it (clamped to its end; an empty range past the end is
  // kInvalid). kNotFound when it does not exist.
  virtual Result<ObjectBytes> get(const std::string& key, std::optional<ByteRange> range) = 0;
  // Size of an object, nullopt when it does not exist.
  virtual Result<std::optional<uint64_t>> size(const std::string& key) = 0;
  // Removing what does not exist succeeds.
  virtual Result<void> remove(const std::string& key) = 0;
  // Every object whose key starts with `prefix`, in key order.
  virtual Result<std::vector<ObjectInfo>> list(const std::string& prefix) = 0;
  // Server-side copy where the store has one (S3 CopyObject, at most 5 GiB): no bytes through us.
  virtual Result<void> copy(const std::string& from, const std::string& to) = 0;

  virtual Result<std::string> create_multipart(const std::string& key,
                                               std::string_view content_type) = 0;
  virtual Result<UploadedPart> upload_part(const std::string& key, const std::string& upload_id,
                                           int part_number, ByteSpan data) = 0;
  virtual Result<void> complete_multipart(const std::string& key, const std::string& upload_id,
                                          std::span<const UploadedPart> parts) = 0;
  // Aborting an upload that no longer exists succeeds.
  virtual Result<void> abort_multipart(const std::string& key, const std::string& upload_id) = 0;
  virtual Result<std::vector<OpenUpload>> list_multipart(const std::string& prefix) = 0;

  // A URL a client can GET the object from directly for `lifetime`, where the store offers one
  // (S3 presigned URL); nullopt otherwise (the server streams it).
  virtual std::optional<std::string> presigned_get_url(const std::string& key,
                                                       std::chrono::seconds lifetime) {
    (void)key;
    (void)lifetime;
    return std::nullopt;
  }
};

}  // namespace stagecast::record
