#pragma once
// LocalObjectStore: the embedded default, objects as files under a directory (by default
// <data_dir>/objects). Every write is durable (temporary file, fdatasync, rename, directory
// fsync), so an object that exists is whole. A multipart upload is one file the parts are
// appended to in order (<root>/.uploads/<id>/), renamed to its key on completion: the MP4 of a
// recording grows by appending and is never copied. Parts are appended without a sync (the
// recorder appends every segment); the completion syncs the file before it becomes the object.
// Staged puts (the recorder's segments on this store): written with no sync under
// <root>/.staging/<batch>/ and moved into place together by commit_staged(), one fdatasync per
// object and one fsync per directory for the whole batch.

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

  // --- Staged puts (group commit) ---
  // Objects written now and made visible, durably, later: nothing is under its key before
  // commit_staged(). `batch` names the staging folder (the recorder uses the recording's id), so
  // that a restart can finish or drop what a crash left there. Not thread-safe per batch.
  class StagedPuts {
   public:
    explicit StagedPuts(std::string batch) : batch_(std::move(batch)) {}
    ~StagedPuts();
    StagedPuts(const StagedPuts&) = delete;
    StagedPuts& operator=(const StagedPuts&) = delete;
    bool empty() const { return items_.empty(); }

   private:
    friend class LocalObjectStore;
    struct Item {
      std::string key;
      std::filesystem::path file;
      int fd = -1;  // open, unsynced
    };
    std::string batch_;
    bool dir_made_ = false;
    std::vector<Item> items_;
  };
  // Writes `data` under the batch's staging folder, with no sync.
  Result<void> stage(StagedPuts& puts, const std::string& key, ByteSpan data);
  // fdatasync of every staged file, each renamed to its key, then one fsync per directory the
  // keys are in. The batch is empty afterwards, whatever the outcome.
  Result<void> commit_staged(StagedPuts& puts);
  // After a crash: true when `key` holds `bytes` bytes, moving it (synced) from the staging folder
  // of `batch` when a commit was cut short before its rename; false when it is missing or torn.
  bool recover_staged(const std::string& batch, const std::string& key, uint64_t bytes);
  // Removes the staging folder of `batch` (what no commit will ever move).
  void drop_staging(const std::string& batch);

 private:
  explicit LocalObjectStore(std::filesystem::path root) : root_(std::move(root)) {}

 public:
  ~LocalObjectStore() override;

 private:
  std::filesystem::path path_of(const std::string& key) const { return root_ / key; }
  std::filesystem::path upload_dir(const std::string& upload_id) const;
  std::filesystem::path staging_dir(const std::string& batch) const;
  std::filesystem::path staged_path(const std::string& batch, const std::string& key) const;
  Result<void> make_parent(const std::filesystem::path& path);
  void prune_empty_parents(std::filesystem::path dir);
  Result<void> append_at(const std::filesystem::path& dir, uint64_t offset, ByteSpan data);

  const std::filesystem::path root_;
  // Where each open upload ends (last part number, its end offset), so appending a part reads
  // nothing back; filled from the parts file after a restart.
  // The data and parts files stay open between parts (closed at completion, abort, or when an
  // append fails): a part is one pwrite and one append, with no open, truncate or close.
  struct UploadEnd {
    std::string key;
    int last = 0;
    uint64_t end = 0;
    int data_fd = -1;
    int parts_fd = -1;
  };
  void forget_upload(const std::string& upload_id);  // with uploads_mu_ held
  std::mutex uploads_mu_;
  std::map<std::string, UploadEnd> upload_ends_;
  // Serialises the parts file of uploads and directory pruning against creation.
  std::mutex mu_;
};

}  // namespace stagecast::record
