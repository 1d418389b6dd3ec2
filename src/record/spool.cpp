#include "record/spool.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <system_error>

#include "record/durable_file.h"

namespace stagecast::record {
namespace fs = std::filesystem;
namespace {

std::string seq_name(uint64_t seq) { return fmt::format("{:016}", seq); }

std::string meta_text(const SpoolEntry& e) {
  if (e.kind == SpoolEntry::Kind::kPut)
    return fmt::format("put {} {} {}\n", e.key, e.content_type.empty() ? "-" : e.content_type,
                       e.bytes);
  return fmt::format("part {} {} {}\n", e.key, e.part_number, e.bytes);
}

// Our own meta files; still read defensively (a disk can hand back anything).
std::optional<SpoolEntry> parse_meta(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string kind, key, third;
  uint64_t bytes = 0;
  if (!(in >> kind >> key >> third >> bytes)) return std::nullopt;
  SpoolEntry e;
  e.key = key;
  e.bytes = bytes;
  if (kind == "put") {
    e.kind = SpoolEntry::Kind::kPut;
    e.content_type = third == "-" ? "" : third;
  } else if (kind == "part") {
    e.kind = SpoolEntry::Kind::kPart;
    auto [p, ec] = std::from_chars(third.data(), third.data() + third.size(), e.part_number);
    if (ec != std::errc() || e.part_number < 1) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return e;
}

}  // namespace

Spool::Spool(fs::path root, uint64_t max_bytes) : root_(std::move(root)), max_bytes_(max_bytes) {}

bool Spool::reserve(uint64_t bytes, uint64_t overdraft) {
  std::lock_guard lock(mu_);
  if (used_.load() + bytes > max_bytes_ + overdraft) return false;
  used_ += bytes;
  return true;
}

void Spool::release(uint64_t bytes) {
  std::lock_guard lock(mu_);
  used_ -= std::min<uint64_t>(bytes, used_.load());
}

Result<std::vector<SpoolEntry>> Spool::load() {
  std::vector<SpoolEntry> out;
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return make_error("io_error", "creating the spool: " + ec.message());
  uint64_t max_seq = 0;
  for (auto rec = fs::directory_iterator(root_, ec); !ec && rec != fs::directory_iterator();
       rec.increment(ec)) {
    if (!rec->is_directory()) continue;
    const std::string recording_id = rec->path().filename().string();
    const fs::path q = rec->path() / "q";
    std::error_code qec;
    for (auto it = fs::directory_iterator(q, qec); !qec && it != fs::directory_iterator();
         it.increment(qec)) {
      const fs::path p = it->path();
      const std::string stem = p.stem().string();
      uint64_t seq = 0;
      auto [ptr, sec] = std::from_chars(stem.data(), stem.data() + stem.size(), seq);
      if (sec != std::errc() || ptr != stem.data() + stem.size()) {
        fs::remove(p, qec);  // a temporary file of an interrupted write
        qec.clear();
        continue;
      }
      max_seq = std::max(max_seq, seq);
      if (p.extension() != ".meta") continue;
      auto text = read_file(p, 4096);
      auto e = text ? parse_meta(as_string_view(*text)) : std::nullopt;
      const fs::path data = q / (stem + ".data");
      std::error_code sec2;
      if (!e || fs::file_size(data, sec2) != e->bytes || sec2) {
        fs::remove(p, sec2);
        fs::remove(data, sec2);
        continue;
      }
      e->seq = seq;
      e->recording_id = recording_id;
      e->data = data;
      out.push_back(std::move(*e));
    }
    // Data files without meta: written, never confirmed. Removed below once the metas are known.
    for (auto it = fs::directory_iterator(q, qec); !qec && it != fs::directory_iterator();
         it.increment(qec)) {
      if (it->path().extension() != ".data") continue;
      std::error_code x;
      if (!fs::exists(q / (it->path().stem().string() + ".meta"), x)) fs::remove(it->path(), x);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  uint64_t held = 0;
  for (const auto& e : out) held += e.bytes;
  used_ += held;
  next_seq_ = max_seq + 1;
  return out;
}

Result<SpoolEntry> Spool::write_meta(SpoolEntry e, SyncBatch* batch) {
  const fs::path meta = queue_dir(e.recording_id) / (seq_name(e.seq) + ".meta");
  const std::string text = meta_text(e);
  // In a batch the meta is written in place: a torn one does not parse, and load() drops the
  // entry (it was never committed).
  if (auto r = batch ? write_at_deferred(meta, 0, as_bytes(text), *batch)
                     : write_file_durably(meta, as_bytes(text));
      !r)
    return r.error();
  return e;
}

Result<SpoolEntry> Spool::add(SpoolEntry e, ByteSpan data, uint64_t overdraft, SyncBatch* batch) {
  if (!reserve(data.size(), overdraft))
    return make_error(kSpoolFull, fmt::format("the spool is full ({} of {} bytes)", used(), max_bytes_));
  e.seq = next_seq_++;
  e.bytes = data.size();
  const fs::path dir = queue_dir(e.recording_id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  e.data = dir / (seq_name(e.seq) + ".data");
  if (ec) {
    release(e.bytes);
    return make_error("io_error", "creating a spool folder: " + ec.message());
  }
  if (auto r =
          batch ? write_at_deferred(e.data, 0, data, *batch) : write_file_durably(e.data, data);
      !r) {
    release(e.bytes);
    return r.error();
  }
  if (batch) batch->add_dir(dir);
  const fs::path data_path = e.data;
  const uint64_t bytes = e.bytes;
  auto done = write_meta(std::move(e), batch);
  if (!done) {
    std::error_code x;
    fs::remove(data_path, x);
    release(bytes);
  }
  return done;
}

Result<SpoolEntry> Spool::adopt(SpoolEntry e, const fs::path& file) {
  std::error_code ec;
  e.bytes = fs::file_size(file, ec);
  if (ec) return make_error("io_error", "an MP4 part buffer is missing: " + ec.message());
  e.seq = next_seq_++;
  const fs::path dir = queue_dir(e.recording_id);
  fs::create_directories(dir, ec);
  e.data = dir / (seq_name(e.seq) + ".data");
  if (auto r = rename_durably(file, e.data); !r) return r.error();
  return write_meta(std::move(e));
}

void Spool::remove(const SpoolEntry& e) {
  std::error_code ec;
  fs::remove(e.data, ec);
  fs::remove(queue_dir(e.recording_id) / (seq_name(e.seq) + ".meta"), ec);
  release(e.bytes);
}

}  // namespace stagecast::record
