// LocalObjectStore: multipart uploads (appended or linked parts) and their completion, into one
// file or a composite object (record/local_composite.h).
//
// Completion of an upload with a linked part, step by step (a crash anywhere leaves either an
// open upload, listed and abortable, or a whole object; never a manifest without its pieces):
//   1. every listed linked part is checked (present, its size) and fdatasynced; the data file is
//      cut after the last listed appended part and synced; unlisted parts are removed;
//   2. the manifest is written in the upload's folder, durably;
//   3. the folder is renamed .uploads/<id> -> .composite/<id> (both parents synced): the upload
//      is still listed as open (its key holds no manifest naming it), and a second
//      complete_multipart finishes it from here;
//   4. the manifest is written at the key, durably: the object exists.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/random.h"
#include "record/durable_file.h"
#include "record/local_object_store.h"

namespace stagecast::record {
namespace fs = std::filesystem;
namespace {

constexpr const char* kUploads = ".uploads";
constexpr const char* kComposite = ".composite";

// Names a part for the completion check (the parts listed must be the parts uploaded): where it
// sits. Hashing every segment again would cost CPU for nothing (nobody compares these with an MD5).
std::string etag_of(uint64_t offset, uint64_t size) {
  return fmt::format("{:016x}{:016x}", offset, size);
}
std::string linked_etag(int number, uint64_t size) {
  return fmt::format("l{:015x}{:016x}", number, size);
}

std::vector<PartRecord> read_parts(const fs::path& file) {
  auto bytes = read_file(file, 64ull * 1024 * 1024);
  if (!bytes) return {};
  return parse_part_lines(as_string_view(*bytes));
}

Result<void> write_parts(const fs::path& file, const std::vector<PartRecord>& parts) {
  std::string text;
  for (const auto& p : parts) text += render_part_line(p);
  return write_file_durably(file, as_bytes(text));
}

// Where the next appended part goes: after the last appended one.
uint64_t data_end(const std::vector<PartRecord>& parts) {
  uint64_t end = 0;
  for (const auto& p : parts)
    if (!p.linked) end = p.offset + p.size;
  return end;
}

bool valid_upload_id(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A hard link of `from` as `to` (a retried part replaces the link it left).
bool link_part(const fs::path& from, const fs::path& to) {
  ::unlink(to.c_str());
  return ::link(from.c_str(), to.c_str()) == 0;
}

Error sys_error(std::string_view what) {
  return make_error(errc::kUnavailable,
                    fmt::format("local object store: {}: {}", what, std::strerror(errno)));
}

}  // namespace

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
  return add_part(key, upload_id, part_number, data, nullptr);
}

Result<UploadedPart> LocalObjectStore::upload_part_staged(const StagedPuts& puts,
                                                          const std::string& staged_key,
                                                          const std::string& key,
                                                          const std::string& upload_id,
                                                          int part_number) {
  for (auto it = puts.items_.rbegin(); it != puts.items_.rend(); ++it)
    if (it->key == staged_key) return add_part(key, upload_id, part_number, {}, &it->file);
  return make_error(errc::kNotFound, "no such staged object");
}

Result<UploadedPart> LocalObjectStore::add_part(const std::string& key,
                                                const std::string& upload_id, int part_number,
                                                ByteSpan data, const fs::path* link_from) {
  if (!valid_upload_id(upload_id)) return make_error(errc::kNotFound, "no such upload");
  const fs::path dir = upload_dir(upload_id);
  uint64_t size = data.size();
  if (link_from) {
    std::error_code ec;
    size = fs::file_size(*link_from, ec);
    if (ec) return fs_error("reading a part's source", ec);
  }
  std::lock_guard lock(uploads_mu_);
  auto known = upload_ends_.find(upload_id);
  if (known != upload_ends_.end() && known->second.key == key &&
      part_number == known->second.last + 1) {
    // The common case: the next part, appended where the last one ended (or linked).
    UploadEnd& end = known->second;
    PartRecord p{part_number, link_from != nullptr, end.end, size, ""};
    p.etag = link_from ? linked_etag(part_number, size) : etag_of(end.end, size);
    const std::string line = render_part_line(p);
    if (!link_from && end.data_fd < 0) {
      // Anything past the last part (a write cut short) is cut first.
      end.data_fd = ::open((dir / "data").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
      if (end.data_fd >= 0 && ::ftruncate(end.data_fd, static_cast<off_t>(end.end)) != 0) {
        ::close(end.data_fd);
        end.data_fd = -1;
      }
    }
    if (end.parts_fd < 0)
      end.parts_fd =
          ::open((dir / "parts").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    const bool stored = link_from ? link_part(*link_from, dir / linked_part_file(part_number))
                                  : (end.data_fd >= 0 && write_fully(end.data_fd, data, end.end));
    if (!stored || end.parts_fd < 0 || !write_fully(end.parts_fd, as_bytes(line), std::nullopt)) {
      const Error e = sys_error("adding a part");
      forget_upload(upload_id);  // the next try reads the parts file back
      return e;
    }
    end.last = part_number;
    if (!link_from) end.end += size;
    return UploadedPart{part_number, p.etag};
  }
  if (known != upload_ends_.end()) forget_upload(upload_id);
  auto stored_key = read_file(dir / "key", 4096);
  if (!stored_key || as_string_view(*stored_key) != key)
    return make_error(errc::kNotFound, "no such upload");
  std::vector<PartRecord> parts = read_parts(dir / "parts");
  // Appending needs the parts in order; the same number again (a retry) replaces the last one.
  if (!parts.empty() && parts.back().number == part_number) parts.pop_back();
  const int expected = parts.empty() ? 1 : parts.back().number + 1;
  // No 10,000-part cap here: the recorder adds the MP4 segment by segment (S3 gets parts of
  // part_bytes instead).
  if (part_number != expected)
    return make_error(errc::kInvalid,
                      fmt::format("local uploads take parts in order: expected {}", expected));
  const uint64_t offset = data_end(parts);
  PartRecord p{part_number, link_from != nullptr, offset, size, ""};
  if (link_from) {
    p.etag = linked_etag(part_number, size);
    if (!link_part(*link_from, dir / linked_part_file(part_number)))
      return sys_error("linking a part");
  } else {
    p.etag = etag_of(offset, size);
    // Written at `offset` (anything after it cut first), not synced: the completion syncs.
    SyncBatch unsynced;  // closes the descriptor without a sync when it goes
    if (auto r = write_at_deferred(dir / "data", offset, data, unsynced); !r)
      return make_error(errc::kUnavailable, r.error().message);
  }
  parts.push_back(p);
  if (auto r = write_parts(dir / "parts", parts); !r)
    return make_error(errc::kUnavailable, r.error().message);
  upload_ends_[upload_id] = UploadEnd{key, part_number, data_end(parts), -1, -1};
  return UploadedPart{part_number, p.etag};
}

size_t LocalObjectStore::whole_parts(const std::string& key, const std::string& upload_id,
                                     std::span<const UploadedPart> parts) {
  if (!valid_upload_id(upload_id)) return 0;
  const fs::path dir = upload_dir(upload_id);
  auto stored_key = read_file(dir / "key", 4096);
  if (!stored_key || as_string_view(*stored_key) != key) return 0;
  const std::vector<PartRecord> stored = read_parts(dir / "parts");
  std::error_code ec;
  const uint64_t data_size = fs::file_size(dir / "data", ec);
  const uint64_t data_have = ec ? 0 : data_size;
  size_t n = 0;
  for (; n < parts.size() && n < stored.size(); ++n) {
    const PartRecord& p = stored[n];
    if (parts[n].number != p.number || parts[n].etag != p.etag) break;
    if (p.linked) {
      const uint64_t have = fs::file_size(dir / linked_part_file(p.number), ec);
      if (ec || have != p.size) break;
    } else if (data_have < p.offset + p.size) {
      break;
    }
  }
  return n;
}

Result<void> LocalObjectStore::complete_multipart(const std::string& key,
                                                  const std::string& upload_id,
                                                  std::span<const UploadedPart> parts) {
  if (!valid_upload_id(upload_id)) return make_error(errc::kNotFound, "no such upload");
  const fs::path dir = upload_dir(upload_id);
  auto stored_key = read_file(dir / "key", 4096);
  if (!stored_key) {
    // A completion cut short after step 3 (or done already): finished from its composite folder.
    auto composite_key = read_file(composite_dir(upload_id) / "key", 4096);
    if (composite_key && as_string_view(*composite_key) == key)
      return publish_composite(key, upload_id);
    return make_error(errc::kNotFound, "no such upload");
  }
  if (as_string_view(*stored_key) != key) return make_error(errc::kNotFound, "no such upload");
  const std::vector<PartRecord> stored = read_parts(dir / "parts");
  // The listed parts must be the first ones uploaded, in order. More may have been added (a
  // crash after an append, before the recorder journaled it): the object ends where the listed
  // parts end, as S3 keeps only the parts listed.
  if (parts.empty() || parts.size() > stored.size())
    return make_error(errc::kInvalid, "the parts listed are not the parts uploaded");
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].number != stored[i].number || parts[i].etag != stored[i].etag)
      return make_error(errc::kInvalid, "the parts listed are not the parts uploaded");
  }
  std::vector<PartRecord> listed(stored.begin(), stored.begin() + parts.size());
  {
    std::lock_guard lock(uploads_mu_);
    forget_upload(upload_id);
  }
  const bool linked =
      std::any_of(listed.begin(), listed.end(), [](const auto& p) { return p.linked; });
  if (linked) return complete_composite(key, upload_id, listed);
  // Only appended parts: the data file becomes the object. Cuts what lies past the listed parts,
  // and syncs what the parts appended unsynced.
  if (auto r = write_at_durably(dir / "data", data_end(listed), {}); !r)
    return make_error(errc::kUnavailable, r.error().message);
  const fs::path target = path_of(key);
  if (auto r = make_parent(target); !r) return r;
  auto old = inspect(target);
  if (!old) return old.error();
  if (auto r = rename_durably(dir / "data", target); !r)
    return make_error(errc::kUnavailable, r.error().message);
  drop_replaced(*old);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ok_result();
}

Result<void> LocalObjectStore::complete_composite(const std::string& key,
                                                  const std::string& upload_id,
                                                  const std::vector<PartRecord>& listed) {
  const fs::path dir = upload_dir(upload_id);
  CompositeManifest m;
  m.id = upload_id;
  bool has_data = false;
  // 1. The pieces: linked parts whole and synced (the commit that staged them synced them
  // already; this is cheap then, and it is what makes the object whole if it did not).
  for (const auto& p : listed) {
    if (p.size == 0) continue;
    if (!p.linked) {
      has_data = true;
      m.pieces.push_back(CompositePiece{"data", p.offset, p.size});
    } else {
      const fs::path file = dir / linked_part_file(p.number);
      const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      const bool whole = fd >= 0 && ::fstat(fd, &st) == 0 &&
                         static_cast<uint64_t>(st.st_size) == p.size && ::fdatasync(fd) == 0;
      if (fd >= 0) ::close(fd);
      if (!whole)
        return make_error(errc::kInvalid, fmt::format("part {} is missing or not whole", p.number));
      m.pieces.push_back(CompositePiece{linked_part_file(p.number), 0, p.size});
    }
    m.size += p.size;
  }
  if (m.pieces.empty()) return make_error(errc::kInvalid, "the parts listed are empty");
  std::error_code ec;
  if (has_data) {
    if (auto r = write_at_durably(dir / "data", data_end(listed), {}); !r)
      return make_error(errc::kUnavailable, r.error().message);
  } else {
    fs::remove(dir / "data", ec);
  }
  // Parts added after the listed ones are not part of the object.
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == "data" || !valid_piece_file(name)) continue;
    const bool kept = std::any_of(m.pieces.begin(), m.pieces.end(),
                                  [&](const CompositePiece& p) { return p.file == name; });
    if (!kept) fs::remove(it->path(), ec);
  }
  // 2. The manifest in the folder (write_file_durably syncs the folder too: the links with it).
  if (auto r = write_file_durably(dir / "manifest", as_bytes(render_composite(m))); !r)
    return make_error(errc::kUnavailable, r.error().message);
  // 3. Out of the open uploads.
  if (::rename(dir.c_str(), composite_dir(upload_id).c_str()) != 0)
    return sys_error("moving a completed upload");
  if (auto r = sync_directory(root_ / kComposite); !r)
    return make_error(errc::kUnavailable, r.error().message);
  if (auto r = sync_directory(root_ / kUploads); !r)
    return make_error(errc::kUnavailable, r.error().message);
  // 4. The object.
  return publish_composite(key, upload_id);
}

Result<void> LocalObjectStore::publish_composite(const std::string& key, const std::string& id) {
  const fs::path dir = composite_dir(id);
  auto text = read_file(dir / "manifest", kMaxManifestBytes);
  if (!text || !parse_composite(as_string_view(*text)))
    return make_error(errc::kUnavailable,
                      "local object store: a completed upload's manifest is torn");
  const fs::path target = path_of(key);
  if (auto r = make_parent(target); !r) return r;
  if (names_composite(target, id)) return ok_result();  // done already
  auto old = inspect(target);
  if (!old) return old.error();
  if (auto r = write_file_durably(target, *text); !r)
    return make_error(errc::kUnavailable, r.error().message);
  drop_replaced(*old, id);
  std::error_code ec;
  fs::remove(dir / "parts", ec);
  return ok_result();
}

Result<void> LocalObjectStore::abort_multipart(const std::string& key,
                                               const std::string& upload_id) {
  if (!valid_upload_id(upload_id)) return ok_result();
  {
    std::lock_guard lock(uploads_mu_);
    forget_upload(upload_id);
  }
  std::error_code ec;
  fs::remove_all(upload_dir(upload_id), ec);
  if (ec) return fs_error("aborting an upload", ec);
  (void)sync_directory(root_ / kUploads);
  // A completion cut short after its pieces left .uploads: removed unless its object exists.
  const fs::path composite = composite_dir(upload_id);
  auto composite_key = read_file(composite / "key", 4096);
  if (composite_key && valid_object_key(std::string(as_string_view(*composite_key)))) {
    if (names_composite(path_of(std::string(as_string_view(*composite_key))), upload_id))
      return ok_result();
    fs::remove_all(composite, ec);
    if (ec) return fs_error("aborting an upload", ec);
  }
  (void)key;
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
  // Completions cut short between moving the pieces and writing the object are still open.
  for (auto it = fs::directory_iterator(root_ / kComposite, ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string id = it->path().filename().string();
    if (!valid_upload_id(id)) continue;
    auto key = read_file(it->path() / "key", 4096);
    if (!key) continue;
    std::string k(as_string_view(*key));
    if (!k.starts_with(prefix) || !valid_object_key(k)) continue;
    if (names_composite(path_of(k), id)) continue;
    out.push_back(OpenUpload{std::move(k), id});
  }
  if (ec) return fs_error("listing uploads", ec);
  return out;
}

}  // namespace stagecast::record
