#include "record/local_object_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <set>
#include <sstream>
#include <system_error>

#include "core/digest.h"
#include "core/random.h"
#include "record/durable_file.h"

namespace stagecast::record {
namespace fs = std::filesystem;
namespace {

constexpr const char* kUploads = ".uploads";
constexpr const char* kStaging = ".staging";
// The largest object read whole into memory (segments are a few MB; the MP4 is read by range).
constexpr uint64_t kMaxWholeRead = 256ull * 1024 * 1024;

Error fs_error(std::string_view what, const std::error_code& ec) {
  return make_error(errc::kUnavailable, fmt::format("local object store: {}: {}", what, ec.message()));
}

// Names a part for the completion check (the parts listed must be the parts appended): where
// it sits in the file. Hashing every segment again would cost CPU for nothing (the local store
// is not S3; nobody compares these with an MD5).
std::string etag_of(uint64_t offset, uint64_t size) {
  return fmt::format("{:016x}{:016x}", offset, size);
}

struct PartRecord {
  int number = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string etag;
};

// "<number> <offset> <size> <etag>\n" per part, written by this class only.
std::vector<PartRecord> read_parts(const fs::path& file) {
  std::vector<PartRecord> parts;
  auto bytes = read_file(file, 4 * 1024 * 1024);
  if (!bytes) return parts;
  std::istringstream in(std::string(as_string_view(*bytes)));
  PartRecord p;
  while (in >> p.number >> p.offset >> p.size >> p.etag) parts.push_back(p);
  return parts;
}

Result<void> write_parts(const fs::path& file, const std::vector<PartRecord>& parts) {
  std::string text;
  for (const auto& p : parts) text += fmt::format("{} {} {} {}\n", p.number, p.offset, p.size, p.etag);
  return write_file_durably(file, as_bytes(text));
}

// All of `data` at `offset`, or appended (a descriptor opened with O_APPEND) without one.
bool write_all_at(int fd, ByteSpan data, std::optional<uint64_t> offset) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = offset ? ::pwrite(fd, data.data() + done, data.size() - done,
                                        static_cast<off_t>(*offset + done))
                             : ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool valid_upload_id(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

LocalObjectStore::~LocalObjectStore() {
  for (auto& [id, end] : upload_ends_) {
    if (end.data_fd >= 0) ::close(end.data_fd);
    if (end.parts_fd >= 0) ::close(end.parts_fd);
  }
}

void LocalObjectStore::forget_upload(const std::string& upload_id) {
  auto it = upload_ends_.find(upload_id);
  if (it == upload_ends_.end()) return;
  if (it->second.data_fd >= 0) ::close(it->second.data_fd);
  if (it->second.parts_fd >= 0) ::close(it->second.parts_fd);
  upload_ends_.erase(it);
}

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::open(fs::path root) {
  std::error_code ec;
  fs::create_directories(root / kUploads, ec);
  if (ec) return fs_error("creating " + root.string(), ec);
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(fs::absolute(root)));
}

fs::path LocalObjectStore::upload_dir(const std::string& upload_id) const {
  return root_ / kUploads / upload_id;
}

fs::path LocalObjectStore::staging_dir(const std::string& batch) const {
  return root_ / kStaging / batch;
}

// One flat folder per batch: the key with its slashes as '~' (never in a key).
fs::path LocalObjectStore::staged_path(const std::string& batch, const std::string& key) const {
  std::string name = key;
  std::replace(name.begin(), name.end(), '/', '~');
  return staging_dir(batch) / name;
}

LocalObjectStore::StagedPuts::~StagedPuts() {
  for (const auto& i : items_)
    if (i.fd >= 0) ::close(i.fd);
}

Result<void> LocalObjectStore::stage(StagedPuts& puts, const std::string& key, ByteSpan data) {
  if (!valid_object_key(key) || !valid_object_key(puts.batch_) ||
      puts.batch_.find('/') != std::string::npos)
    return make_error(errc::kInvalid, "invalid object key");
  const fs::path file = staged_path(puts.batch_, key);
  if (file.filename().string().size() > 250)
    return make_error(errc::kInvalid, "object key too long");
  if (!puts.dir_made_) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec) return fs_error("creating a staging folder", ec);
    puts.dir_made_ = true;
  }
  auto fd = write_file_open(file, data);
  if (!fd) return make_error(errc::kUnavailable, "local object store: " + fd.error().message);
  puts.items_.push_back(StagedPuts::Item{key, file, *fd});
  return ok_result();
}

Result<void> LocalObjectStore::commit_staged(StagedPuts& puts) {
  std::vector<StagedPuts::Item> items = std::move(puts.items_);
  puts.items_.clear();
  Result<void> out = ok_result();
  // Data first: a name is only ever given to bytes that are on disk.
  for (auto& i : items) {
    if (::fdatasync(i.fd) != 0 && out)
      out = make_error(
          errc::kUnavailable,
          std::string("local object store: syncing a staged object: ") + std::strerror(errno));
    if (::close(i.fd) != 0 && out)
      out = make_error(
          errc::kUnavailable,
          std::string("local object store: closing a staged object: ") + std::strerror(errno));
    i.fd = -1;
  }
  if (!out) return out;
  std::set<fs::path> dirs;
  for (const auto& i : items) {
    const fs::path target = path_of(i.key);
    if (auto r = make_parent(target); !r) return r;
    if (::rename(i.file.c_str(), target.c_str()) != 0)
      return make_error(
          errc::kUnavailable,
          std::string("local object store: renaming a staged object: ") + std::strerror(errno));
    dirs.insert(target.parent_path());
  }
  for (const auto& d : dirs)
    if (auto r = sync_directory(d); !r) return make_error(errc::kUnavailable, r.error().message);
  return ok_result();
}

bool LocalObjectStore::recover_staged(const std::string& batch, const std::string& key,
                                      uint64_t bytes) {
  if (!valid_object_key(key) || !valid_object_key(batch)) return false;
  const fs::path target = path_of(key);
  std::error_code ec;
  const uint64_t in_place = fs::file_size(target, ec);
  if (!ec) return in_place == bytes;
  const fs::path staged = staged_path(batch, key);
  ec.clear();
  if (fs::file_size(staged, ec) != bytes || ec) return false;
  if (!sync_file(staged) || !make_parent(target)) return false;
  return static_cast<bool>(rename_durably(staged, target));
}

void LocalObjectStore::drop_staging(const std::string& batch) {
  if (!valid_object_key(batch) || batch.find('/') != std::string::npos) return;
  std::error_code ec;
  fs::remove_all(staging_dir(batch), ec);
}

Result<void> LocalObjectStore::make_parent(const fs::path& path) {
  std::lock_guard lock(mu_);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return fs_error("creating a directory", ec);
  return ok_result();
}

// Keeps the tree free of the empty directories deleted recordings would leave.
void LocalObjectStore::prune_empty_parents(fs::path dir) {
  std::lock_guard lock(mu_);
  std::error_code ec;
  while (dir != root_ && dir.string().size() > root_.string().size()) {
    if (!fs::is_empty(dir, ec) || ec) return;
    fs::remove(dir, ec);
    if (ec) return;
    dir = dir.parent_path();
  }
}

Result<void> LocalObjectStore::put(const std::string& key, ByteSpan data, std::string_view) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const fs::path path = path_of(key);
  if (auto r = make_parent(path); !r) return r;
  if (auto r = write_file_durably(path, data); !r)
    return make_error(errc::kUnavailable, "local object store: " + r.error().message);
  return ok_result();
}

Result<void> LocalObjectStore::put_file(const std::string& key, const fs::path& file,
                                        std::string_view content_type) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const fs::path path = path_of(key);
  if (auto r = make_parent(path); !r) return r;
  // The spool lives on the same file system by default: the segment is moved, never copied.
  if (rename_durably(file, path)) return ok_result();
  return ObjectStore::put_file(key, file, content_type);
}

Result<ObjectBytes> LocalObjectStore::get(const std::string& key, std::optional<ByteRange> range) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const fs::path path = path_of(key);
  std::error_code ec;
  const uint64_t total = fs::file_size(path, ec);
  if (ec) return make_error(errc::kNotFound, "no such object");
  ObjectBytes out;
  out.total_size = total;
  if (!range) {
    if (total > kMaxWholeRead) return make_error(errc::kInvalid, "object too large to read whole");
    range = ByteRange{0, total};
  }
  if (range->first >= total && !(total == 0 && range->first == 0))
    return make_error(errc::kInvalid, "range past the end of the object");
  auto bytes = read_file_range(path, range->first, range->length);
  if (!bytes) return make_error(errc::kUnavailable, "local object store: " + bytes.error().message);
  out.data = std::move(*bytes);
  return out;
}

Result<std::optional<uint64_t>> LocalObjectStore::size(const std::string& key) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  std::error_code ec;
  const uint64_t n = fs::file_size(path_of(key), ec);
  if (ec) return std::optional<uint64_t>{};
  return std::optional<uint64_t>{n};
}

Result<void> LocalObjectStore::remove(const std::string& key) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const fs::path path = path_of(key);
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return fs_error("removing an object", ec);
  prune_empty_parents(path.parent_path());
  return ok_result();
}

Result<std::vector<ObjectInfo>> LocalObjectStore::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  // Walk only below the deepest directory the prefix names.
  const size_t slash = prefix.rfind('/');
  const std::string dir_part = slash == std::string::npos ? "" : prefix.substr(0, slash);
  if (!dir_part.empty() && !valid_object_key(dir_part))
    return make_error(errc::kInvalid, "invalid prefix");
  const fs::path start = dir_part.empty() ? root_ : root_ / dir_part;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(start, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (name == kUploads || name == kStaging) it.disable_recursion_pending();
      continue;
    }
    if (name.find(".tmp-") != std::string::npos) continue;  // a write in progress
    const std::string key = fs::relative(it->path(), root_, ec).generic_string();
    if (ec || !key.starts_with(prefix) || !valid_object_key(key)) continue;
    out.push_back(ObjectInfo{key, static_cast<uint64_t>(it->file_size(ec))});
  }
  if (ec) return fs_error("listing objects", ec);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

Result<void> LocalObjectStore::copy(const std::string& from, const std::string& to) {
  if (!valid_object_key(from) || !valid_object_key(to))
    return make_error(errc::kInvalid, "invalid object key");
  const fs::path src = path_of(from);
  const fs::path dst = path_of(to);
  std::error_code ec;
  if (!fs::exists(src, ec)) return make_error(errc::kNotFound, "no such object");
  if (auto r = make_parent(dst); !r) return r;
  fs::remove(dst, ec);
  // Objects are immutable once written: a hard link is a copy that costs no space.
  fs::create_hard_link(src, dst, ec);
  if (ec) {
    ec.clear();
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) return fs_error("copying an object", ec);
  }
  if (auto r = sync_directory(dst.parent_path()); !r)
    return make_error(errc::kUnavailable, r.error().message);
  return ok_result();
}

Result<std::string> LocalObjectStore::create_multipart(const std::string& key, std::string_view) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const std::string id = random_id();
  const fs::path dir = upload_dir(id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fs_error("creating an upload", ec);
  if (auto r = write_file_durably(dir / "key", as_bytes(key)); !r)
    return make_error(errc::kUnavailable, r.error().message);
  if (auto r = sync_directory(dir.parent_path()); !r)
    return make_error(errc::kUnavailable, r.error().message);
  return id;
}

Result<UploadedPart> LocalObjectStore::upload_part(const std::string& key,
                                                   const std::string& upload_id, int part_number,
                                                   ByteSpan data) {
  if (!valid_upload_id(upload_id)) return make_error(errc::kNotFound, "no such upload");
  const fs::path dir = upload_dir(upload_id);
  std::lock_guard lock(uploads_mu_);
  auto known = upload_ends_.find(upload_id);
  if (known != upload_ends_.end() && known->second.key == key &&
      part_number == known->second.last + 1) {
    // The common case: the next part, appended where the last one ended.
    UploadEnd& end = known->second;
    const uint64_t offset = end.end;
    const std::string etag = etag_of(offset, data.size());
    const std::string line = fmt::format("{} {} {} {}\n", part_number, offset, data.size(), etag);
    if (end.data_fd < 0) {
      // Anything past the last part (a write cut short) is cut first.
      end.data_fd = ::open((dir / "data").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
      if (end.data_fd >= 0 && ::ftruncate(end.data_fd, static_cast<off_t>(offset)) != 0) {
        ::close(end.data_fd);
        end.data_fd = -1;
      }
    }
    if (end.parts_fd < 0)
      end.parts_fd =
          ::open((dir / "parts").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (end.data_fd < 0 || end.parts_fd < 0 || !write_all_at(end.data_fd, data, offset) ||
        !write_all_at(end.parts_fd, as_bytes(line), std::nullopt)) {
      const Error e =
          make_error(errc::kUnavailable,
                     std::string("local object store: appending a part: ") + std::strerror(errno));
      forget_upload(upload_id);  // the next try reads the parts file back
      return e;
    }
    end.last = part_number;
    end.end = offset + data.size();
    return UploadedPart{part_number, etag};
  }
  if (known != upload_ends_.end()) forget_upload(upload_id);
  auto stored_key = read_file(dir / "key", 4096);
  if (!stored_key || as_string_view(*stored_key) != key)
    return make_error(errc::kNotFound, "no such upload");
  std::vector<PartRecord> parts = read_parts(dir / "parts");
  // Appending needs the parts in order; the same number again (a retry) replaces the last one.
  if (!parts.empty() && parts.back().number == part_number) parts.pop_back();
  const int expected = parts.empty() ? 1 : parts.back().number + 1;
  // No 10,000-part cap here: the recorder appends the MP4 segment by segment (S3 gets parts
  // of part_bytes instead).
  if (part_number != expected)
    return make_error(errc::kInvalid,
                      fmt::format("local uploads take parts in order: expected {}", expected));
  const uint64_t offset = parts.empty() ? 0 : parts.back().offset + parts.back().size;
  if (auto r = append_at(dir, offset, data); !r) return r.error();
  PartRecord p{part_number, offset, data.size(), etag_of(offset, data.size())};
  parts.push_back(p);
  if (auto r = write_parts(dir / "parts", parts); !r)
    return make_error(errc::kUnavailable, r.error().message);
  upload_ends_[upload_id] = UploadEnd{key, part_number, offset + data.size(), -1, -1};
  return UploadedPart{part_number, p.etag};
}

// Data written at `offset` (anything after it cut first), not synced: complete_multipart syncs.
Result<void> LocalObjectStore::append_at(const fs::path& dir, uint64_t offset, ByteSpan data) {
  SyncBatch unsynced;  // closes the descriptor without a sync when it goes
  if (auto r = write_at_deferred(dir / "data", offset, data, unsynced); !r)
    return make_error(errc::kUnavailable, r.error().message);
  return ok_result();
}

Result<void> LocalObjectStore::complete_multipart(const std::string& key,
                                                  const std::string& upload_id,
                                                  std::span<const UploadedPart> parts) {
  if (!valid_upload_id(upload_id)) return make_error(errc::kNotFound, "no such upload");
  const fs::path dir = upload_dir(upload_id);
  auto stored_key = read_file(dir / "key", 4096);
  if (!stored_key || as_string_view(*stored_key) != key)
    return make_error(errc::kNotFound, "no such upload");
  const std::vector<PartRecord> stored = read_parts(dir / "parts");
  // The listed parts must be the first ones uploaded, in order. More may have been appended (a
  // crash after an append, before the recorder journaled it): the object ends where the listed
  // parts end, as S3 keeps only the parts listed.
  if (parts.empty() || parts.size() > stored.size())
    return make_error(errc::kInvalid, "the parts listed are not the parts uploaded");
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].number != stored[i].number || parts[i].etag != stored[i].etag)
      return make_error(errc::kInvalid, "the parts listed are not the parts uploaded");
  }
  const PartRecord& last = stored[parts.size() - 1];
  // Cuts what lies past the listed parts, and syncs what the parts appended unsynced.
  if (auto r = write_at_durably(dir / "data", last.offset + last.size, {}); !r)
    return make_error(errc::kUnavailable, r.error().message);
  {
    std::lock_guard lock(uploads_mu_);
    forget_upload(upload_id);
  }
  const fs::path target = path_of(key);
  if (auto r = make_parent(target); !r) return r;
  if (auto r = rename_durably(dir / "data", target); !r)
    return make_error(errc::kUnavailable, r.error().message);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ok_result();
}

Result<void> LocalObjectStore::abort_multipart(const std::string&, const std::string& upload_id) {
  if (!valid_upload_id(upload_id)) return ok_result();
  {
    std::lock_guard lock(uploads_mu_);
    forget_upload(upload_id);
  }
  std::error_code ec;
  fs::remove_all(upload_dir(upload_id), ec);
  if (ec) return fs_error("aborting an upload", ec);
  (void)sync_directory(root_ / kUploads);
  return ok_result();
}

Result<std::vector<OpenUpload>> LocalObjectStore::list_multipart(const std::string& prefix) {
  std::vector<OpenUpload> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root_ / kUploads, ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string id = it->path().filename().string();
    if (!valid_upload_id(id)) continue;
    auto key = read_file(it->path() / "key", 4096);
    if (!key) continue;  // created and crashed before its key was written
    std::string k(as_string_view(*key));
    if (k.starts_with(prefix)) out.push_back(OpenUpload{std::move(k), id});
  }
  if (ec) return fs_error("listing uploads", ec);
  return out;
}

}  // namespace stagecast::record
