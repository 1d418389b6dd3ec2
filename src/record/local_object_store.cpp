#include "record/local_object_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <system_error>

#include "core/random.h"
#include "record/durable_file.h"

namespace stagecast::record {
namespace fs = std::filesystem;
namespace {

constexpr const char* kUploads = ".uploads";
constexpr const char* kStaging = ".staging";
constexpr const char* kComposite = ".composite";
// The largest object read whole into memory (segments are a few MB; the MP4 is read by range).
constexpr uint64_t kMaxWholeRead = 256ull * 1024 * 1024;

}  // namespace

Error LocalObjectStore::fs_error(std::string_view what, const std::error_code& ec) {
  return make_error(errc::kUnavailable,
                    fmt::format("local object store: {}: {}", what, ec.message()));
}

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
  if (!ec) fs::create_directories(root / kComposite, ec);
  if (ec) return fs_error("creating " + root.string(), ec);
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(fs::absolute(root)));
}

fs::path LocalObjectStore::upload_dir(const std::string& upload_id) const {
  return root_ / kUploads / upload_id;
}

fs::path LocalObjectStore::composite_dir(const std::string& id) const {
  return root_ / kComposite / id;
}

Result<LocalObjectStore::Found> LocalObjectStore::inspect(const fs::path& path) const {
  Found out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    return make_error(errc::kUnavailable, std::string("local object store: opening an object: ") +
                                              std::strerror(errno));
  }
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  out.exists = stat_ok && S_ISREG(st.st_mode);  // a folder of keys is no object
  out.file_size = out.exists ? static_cast<uint64_t>(st.st_size) : 0;
  if (!stat_ok || !S_ISREG(st.st_mode) || out.file_size < kCompositeMagic.size() ||
      out.file_size > kMaxManifestBytes) {
    ::close(fd);
    if (!stat_ok) return make_error(errc::kUnavailable, "local object store: reading an object");
    return out;
  }
  char head[64];
  const ssize_t n = ::pread(fd, head, kCompositeMagic.size(), 0);
  if (n != static_cast<ssize_t>(kCompositeMagic.size()) ||
      std::string_view(head, kCompositeMagic.size()) != kCompositeMagic) {
    ::close(fd);
    return out;
  }
  std::string text(out.file_size, '\0');
  // A read error leaves the manifest short: torn, as below.
  const size_t done =
      read_fully(fd, 0, {reinterpret_cast<uint8_t*>(text.data()), text.size()}).value_or(0);
  ::close(fd);
  out.composite = parse_composite(std::string_view(text.data(), done));
  if (!out.composite)
    return make_error(errc::kUnavailable,
                      "local object store: a composite object's manifest is torn");
  return out;
}

bool LocalObjectStore::names_composite(const fs::path& path, const std::string& id) const {
  const std::string head = std::string(kCompositeMagic) + "id " + id + "\n";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string got(head.size(), '\0');
  const ssize_t n = ::pread(fd, got.data(), got.size(), 0);
  ::close(fd);
  return n == static_cast<ssize_t>(head.size()) && got == head;
}

Result<ObjectBytes> LocalObjectStore::read_composite(const CompositeManifest& m,
                                                     ByteRange range) const {
  ObjectBytes out;
  out.total_size = m.size;
  const uint64_t last = std::min(m.size, range.first + range.length);
  // Each piece is read straight into its place in the answer: one buffer, no copy.
  out.data.resize(last > range.first ? last - range.first : 0);
  uint64_t at = 0;  // where the piece starts in the object
  for (const auto& p : m.pieces) {
    const uint64_t end = at + p.size;
    if (end > range.first && at < last) {
      const uint64_t from = std::max(at, range.first);
      const uint64_t to = std::min(end, last);
      const std::span<uint8_t> into(out.data.data() + (from - range.first), to - from);
      auto got = read_file_range_into(composite_dir(m.id) / p.file, p.offset + (from - at), into);
      if (!got) return make_error(errc::kUnavailable, "local object store: " + got.error().message);
      if (*got != to - from)
        return make_error(errc::kUnavailable,
                          "local object store: a composite object's piece is short");
    }
    if (end >= last) break;
    at = end;
  }
  return out;
}

void LocalObjectStore::drop_replaced(const Found& old, const std::string& new_id) {
  if (!old.composite || old.composite->id == new_id) return;
  std::error_code ec;
  fs::remove_all(composite_dir(old.composite->id), ec);
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
  auto old = inspect(path);
  if (!old) return old.error();
  if (auto r = write_file_durably(path, data); !r)
    return make_error(errc::kUnavailable, "local object store: " + r.error().message);
  drop_replaced(*old);
  return ok_result();
}

Result<void> LocalObjectStore::put_file(const std::string& key, const fs::path& file,
                                        std::string_view content_type) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const fs::path path = path_of(key);
  if (auto r = make_parent(path); !r) return r;
  auto old = inspect(path);
  if (!old) return old.error();
  // The spool lives on the same file system by default: the segment is moved, never copied.
  if (rename_durably(file, path)) {
    drop_replaced(*old);
    return ok_result();
  }
  return ObjectStore::put_file(key, file, content_type);
}

Result<ObjectBytes> LocalObjectStore::get(const std::string& key, std::optional<ByteRange> range) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const fs::path path = path_of(key);
  auto found = inspect(path);
  if (!found) return found.error();
  if (!found->exists) return make_error(errc::kNotFound, "no such object");
  const uint64_t total = found->size();
  if (!range) {
    if (total > kMaxWholeRead) return make_error(errc::kInvalid, "object too large to read whole");
    range = ByteRange{0, total};
  }
  if (range->first >= total && !(total == 0 && range->first == 0))
    return make_error(errc::kInvalid, "range past the end of the object");
  if (found->composite) return read_composite(*found->composite, *range);
  ObjectBytes out;
  out.total_size = total;
  auto bytes = read_file_range(path, range->first, range->length);
  if (!bytes) return make_error(errc::kUnavailable, "local object store: " + bytes.error().message);
  out.data = std::move(*bytes);
  return out;
}

Result<std::optional<uint64_t>> LocalObjectStore::size(const std::string& key) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  auto found = inspect(path_of(key));
  if (!found) return found.error();
  if (!found->exists) return std::optional<uint64_t>{};
  return std::optional<uint64_t>{found->size()};
}

Result<void> LocalObjectStore::remove(const std::string& key) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  const fs::path path = path_of(key);
  auto old = inspect(path);
  if (!old) return old.error();
  std::error_code ec;
  // The manifest first, then its pieces: a crash between leaves pieces no manifest names (an
  // open upload to list_multipart, aborted by the recorder's sweep), never a manifest without them.
  fs::remove(path, ec);
  if (ec) return fs_error("removing an object", ec);
  drop_replaced(*old);
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
      if (name == kUploads || name == kStaging || name == kComposite)
        it.disable_recursion_pending();
      continue;
    }
    if (name.find(".tmp-") != std::string::npos) continue;  // a write in progress
    const std::string key = fs::relative(it->path(), root_, ec).generic_string();
    if (ec || !key.starts_with(prefix) || !valid_object_key(key)) continue;
    auto found = inspect(it->path());
    if (!found) return found.error();
    if (found->exists) out.push_back(ObjectInfo{key, found->size()});
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
  if (from == to) return ok_result();
  auto source = inspect(src);
  if (!source) return source.error();
  if (!source->exists) return make_error(errc::kNotFound, "no such object");
  if (auto r = make_parent(dst); !r) return r;
  auto old = inspect(dst);
  if (!old) return old.error();
  std::error_code ec;
  if (source->composite) {
    // A composite's copy is another composite whose pieces are hard links of the source's.
    CompositeManifest m = *source->composite;
    const fs::path from_dir = composite_dir(m.id);
    m.id = random_id();
    const fs::path dir = composite_dir(m.id);
    fs::create_directories(dir, ec);
    if (ec) return fs_error("copying an object", ec);
    std::set<std::string> files;
    for (const auto& p : m.pieces) files.insert(p.file);
    for (const auto& f : files) {
      fs::create_hard_link(from_dir / f, dir / f, ec);
      if (ec) {
        ec.clear();
        fs::copy_file(from_dir / f, dir / f, ec);
        if (!ec && !sync_file(dir / f)) ec = std::make_error_code(std::errc::io_error);
      }
      if (ec) {
        fs::remove_all(dir, ec);
        return fs_error("copying an object", std::make_error_code(std::errc::io_error));
      }
    }
    const std::string manifest = render_composite(m);
    Result<void> r = write_file_durably(dir / "key", as_bytes(to));
    if (r) r = write_file_durably(dir / "manifest", as_bytes(manifest));
    if (r) r = sync_directory(dir.parent_path());
    if (r) r = write_file_durably(dst, as_bytes(manifest));
    if (!r) {
      fs::remove_all(dir, ec);
      return make_error(errc::kUnavailable, "local object store: " + r.error().message);
    }
    drop_replaced(*old);
    return ok_result();
  }
  fs::remove(dst, ec);
  // Objects are immutable once written: a hard link is a copy that costs no space.
  fs::create_hard_link(src, dst, ec);
  if (ec) {
    ec.clear();
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) return fs_error("copying an object", ec);
  }
  drop_replaced(*old);
  if (auto r = sync_directory(dst.parent_path()); !r)
    return make_error(errc::kUnavailable, r.error().message);
  return ok_result();
}

}  // namespace stagecast::record
