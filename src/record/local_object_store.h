#pragma once
// LocalObjectStore: the embedded default, objects as files under a directory (by default
// <data_dir>/objects). Every write is durable (temporary file, fdatasync, rename, directory
// fsync), so an object that exists is whole. A multipart upload is one file the parts are
// appended to in order (<root>/.uploads/<id>/), renamed to its key on completion. Parts are
// appended without a sync; the completion syncs the file before it becomes the object.
// A part can also be a file the store already holds, by a hard link (upload_part_staged: the
// recorder's MP4 references the segments it just staged instead of copying their bytes). An
// upload completed with such a part is a composite object (record/local_composite.h): a small
// manifest at the key, its pieces under <root>/.composite/<id>/; every call here resolves it,
// so readers see one object while the disk holds the bytes once.
// Staged puts (the recorder's segments on this store): written with no sync under
// <root>/.staging/<batch>/ and moved into place together by commit_staged(), one fdatasync per
// object and one fsync per directory for the whole batch.

#include <filesystem>
#include <map>
#include <mutex>

#include "record/local_composite.h"
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

  // The part copy of this store (S3's UploadPartCopy, without its 5 MiB minimum): the object
  // staged under `staged_key` in `puts` (not committed yet) becomes part `part_number` of the
  // upload by a hard link: no byte is copied. The part's data is made durable by the commit of
  // `puts` (and checked and synced again by complete_multipart).
  Result<UploadedPart> upload_part_staged(const StagedPuts& puts, const std::string& staged_key,
                                          const std::string& key, const std::string& upload_id,
                                          int part_number);
  // After a crash: how many of `parts` (from the first) the upload still holds whole (a power cut
  // can take the bytes of a part whose journal line survived). The recorder completes the MP4
  // with those, so it stops at the first part lost, as it stops at a gap.
  size_t whole_parts(const std::string& key, const std::string& upload_id,
                     std::span<const UploadedPart> parts);

 private:
  explicit LocalObjectStore(std::filesystem::path root) : root_(std::move(root)) {}

 public:
  ~LocalObjectStore() override;

 private:
  std::filesystem::path path_of(const std::string& key) const { return root_ / key; }
  std::filesystem::path upload_dir(const std::string& upload_id) const;
  std::filesystem::path composite_dir(const std::string& id) const;
  static Error fs_error(std::string_view what, const std::error_code& ec);
  // What is at `path`: nothing, an ordinary file (its size), or a composite (its manifest).
  struct Found {
    bool exists = false;
    uint64_t file_size = 0;
    std::optional<CompositeManifest> composite;
    uint64_t size() const { return composite ? composite->size : file_size; }
  };
  Result<Found> inspect(const std::filesystem::path& path) const;
  // True when the object at `path` is the composite `id` (reads only its first lines).
  bool names_composite(const std::filesystem::path& path, const std::string& id) const;
  Result<ObjectBytes> read_composite(const CompositeManifest& m, ByteRange range) const;
  // After `path` was replaced or removed: the pieces of the composite it held (`old`) go, unless
  // the new object is the same composite.
  void drop_replaced(const Found& old, const std::string& new_id = "");
  // Appends `data`, or links `link_from` (an existing file of `size` bytes), as the next part.
  Result<UploadedPart> add_part(const std::string& key, const std::string& upload_id,
                                int part_number, ByteSpan data,
                                const std::filesystem::path* link_from);
  Result<void> complete_composite(const std::string& key, const std::string& upload_id,
                                  const std::vector<PartRecord>& listed);
  // The last step of a completion: the manifest of .composite/<id>/ written at the key. Also
  // what a completion cut short after its pieces were moved there is finished by.
  Result<void> publish_composite(const std::string& key, const std::string& id);
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
