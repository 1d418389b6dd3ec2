#include "record/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/random.h"

namespace stagecast::record {
namespace {

// A file descriptor closed on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  bool ok() const { return fd_ >= 0; }
  // close() can report a deferred write error (NFS): check it when the data matters.
  bool close_checked() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r == 0;
  }

 private:
  int fd_;
};

Error io_error(std::string_view what, const std::filesystem::path& path) {
  return make_error("io_error", std::string(what) + " " + path.filename().string() + ": " +
                                    std::strerror(errno));
}

// read_fully, or the error naming `path`.
Result<size_t> pread_all(int fd, const std::filesystem::path& path, uint64_t offset,
                         std::span<uint8_t> out) {
  const auto done = read_fully(fd, offset, out);
  if (!done) return io_error("reading", path);
  return *done;
}

}  // namespace

std::optional<size_t> read_fully(int fd, uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

bool write_fully(int fd, ByteSpan data, std::optional<uint64_t> offset) {
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

Result<void> sync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return io_error("opening directory", dir);
  if (::fsync(fd.get()) != 0) return io_error("syncing directory", dir);
  return ok_result();
}

Result<void> write_file_durably(const std::filesystem::path& path, ByteSpan data) {
  const std::filesystem::path tmp = path.string() + ".tmp-" + random_id().substr(0, 8);
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (!fd.ok()) return io_error("creating", tmp);
    if (!write_fully(fd.get(), data, 0) || ::fdatasync(fd.get()) != 0 || !fd.close_checked()) {
      const Error e = io_error("writing", tmp);
      ::unlink(tmp.c_str());
      return e;
    }
  }
  return rename_durably(tmp, path);
}

Result<void> write_at_durably(const std::filesystem::path& path, uint64_t offset, ByteSpan data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.ok()) return io_error("opening", path);
  if (::ftruncate(fd.get(), static_cast<off_t>(offset)) != 0) return io_error("truncating", path);
  if (!write_fully(fd.get(), data, offset) || ::fdatasync(fd.get()) != 0 || !fd.close_checked())
    return io_error("appending to", path);
  return ok_result();
}

SyncBatch::~SyncBatch() {
  for (int fd : fds_) ::close(fd);
}

void SyncBatch::add_fd(int fd) {
  if (fd >= 0) fds_.push_back(fd);
}

Result<void> SyncBatch::commit() {
  Result<void> out = ok_result();
  for (int fd : fds_) {
    if (::fdatasync(fd) != 0 && out)
      out = make_error("io_error", std::string("syncing: ") + std::strerror(errno));
    if (::close(fd) != 0 && out)
      out = make_error("io_error", std::string("closing: ") + std::strerror(errno));
  }
  fds_.clear();
  for (const auto& dir : dirs_) {
    if (auto r = sync_directory(dir); !r && out) out = r;
  }
  dirs_.clear();
  return out;
}

Result<void> write_at_deferred(const std::filesystem::path& path, uint64_t offset, ByteSpan data,
                               SyncBatch& batch) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.ok()) return io_error("opening", path);
  if (::ftruncate(fd.get(), static_cast<off_t>(offset)) != 0) return io_error("truncating", path);
  if (!write_fully(fd.get(), data, offset)) return io_error("writing", path);
  batch.add_fd(fd.release());
  return ok_result();
}

Result<int> write_file_open(const std::filesystem::path& path, ByteSpan data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd.ok()) return io_error("creating", path);
  if (!write_fully(fd.get(), data, 0)) return io_error("writing", path);
  return fd.release();
}

Result<void> append_file(const std::filesystem::path& path, ByteSpan data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd.ok()) return io_error("opening", path);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("appending to", path);
    }
    done += static_cast<size_t>(n);
  }
  if (!fd.close_checked()) return io_error("appending to", path);
  return ok_result();
}

Result<void> sync_file(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.ok()) return io_error("opening", path);
  if (::fdatasync(fd.get()) != 0 || !fd.close_checked()) return io_error("syncing", path);
  return ok_result();
}

Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error("renaming", from);
  return sync_directory(to.parent_path().empty() ? std::filesystem::path(".") : to.parent_path());
}

Result<Bytes> read_file(const std::filesystem::path& path, uint64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return io_error("opening", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("reading", path);
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return make_error("io_error", path.filename().string() + " is larger than expected");
  return read_file_range(path, 0, static_cast<uint64_t>(st.st_size));
}

Result<Bytes> read_file_range(const std::filesystem::path& path, uint64_t offset,
                              uint64_t length) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return io_error("opening", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("reading", path);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset >= size) return Bytes{};
  Bytes out(std::min(length, size - offset));
  auto done = pread_all(fd.get(), path, offset, out);
  if (!done) return done.error();
  out.resize(*done);
  return out;
}

Result<size_t> read_file_range_into(const std::filesystem::path& path, uint64_t offset,
                                    std::span<uint8_t> out) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return io_error("opening", path);
  return pread_all(fd.get(), path, offset, out);
}

}  // namespace stagecast::record
