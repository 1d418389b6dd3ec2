#pragma once
// LocalObjectStore: the embedded default, objects as files under a directory (by default
// <data_dir>/objects). Every write is durable (temporary file, fdatasync, rename, directory
// fsync), so an object that exists is whole. A multipart upload is one file the parts are
// appended to in order (<root>/.uploads/<id>/), renamed to its key on completion: the MP4 of a
// recording grows by appending and is never copied. Parts are appended without a sync (the
// recorder appends every segment); the completion syncs the file before it becomes the object.

#include <filesystem>
#include <map>
#include <mutex>

#include "record/object_store.h"

namespace stagecast::record {

class LocalObjectStore final : public ObjectStore {
 public:
  // Creates `root` when missing.
  static Result<std::unique_ptr<LocalObjectStore>> open(std::filesystem::path root);

  std::string_view kind() const override { return "local"; }
  Result<void> put(const std::string& key, ByteSpan data, std::string_view content_type) override;
  // Moves the file into place when it is on the same file system (no copy).
  Result<void> put_file(const std::string& key, const std::filesystem::path& file,
                        std::string_view content_type) override;
  Result<ObjectBytes> get(const std::string& key, std::optional<ByteRange> range) override;
  Result<std::optional<uint64_t>> size(const std::string& key) override;
  Result<void> remove(const std::string& key) override;
  Result<std::vector<ObjectInfo>> list(const std::string& prefix) override;
  Result<void> copy(const std::string& from, const std::string& to) override;

  Result<std::string> create_multipart(const std::string& key,
                                       std::string_view content_type) override;
  Result<UploadedPart> upload_part(const std::string& key, const std::string& upload_id,
                                   int part_number, ByteSpan data) override;
  Result<void> complete_multipart(const std::string& key, const std::string& upload_id,
                                  std::span<const UploadedPart> parts) override;
  Result<void> abort_multipart(const std::string& key, const std::string& upload_id) override;
  Result<std::vector<OpenUpload>> list_multipart(const std::string& prefix) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit LocalObjectStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path path_of(const std::string& key) const { return root_ / key; }
  std::filesystem::path upload_dir(const std::string& upload_id) const;
  Result<void> make_parent(const std::filesystem::path& path);
  void prune_empty_parents(std::filesystem::path dir);
  Result<void> append_at(const std::filesystem::path& dir, uint64_t offset, ByteSpan data);

  const std::filesystem::path root_;
  // Where each open upload ends (last part number, its end offset), so appending a part reads
  // nothing back; filled from the parts file after a restart.
  struct UploadEnd {
    std::string key;
    int last = 0;
    uint64_t end = 0;
  };
  std::mutex uploads_mu_;
  std::map<std::string, UploadEnd> upload_ends_;
  // Serialises the parts file of uploads and directory pruning against creation.
  std::mutex mu_;
};

}  // namespace stagecast::record
