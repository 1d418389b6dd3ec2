#include "record/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "record/durable_file.h"

namespace stagecast::record {
namespace {

bool is_token(std::string_view s) {
  if (s.empty() || s.size() > 1024) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return true;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size() && out.size() < 32) {
    const size_t next = line.find(' ', i);
    out.push_back(line.substr(i, next == std::string_view::npos ? line.size() - i : next - i));
    if (next == std::string_view::npos) break;
    i = next + 1;
  }
  return out;
}

template <typename T>
bool number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

struct Encoder {
  std::string operator()(const journal::Header& h) const {
    if (!is_token(h.recording_id) || !is_token(h.stream_id) || !is_token(h.prefix)) return {};
    return fmt::format("H 1 {} {} {} {}\n", h.recording_id, h.stream_id, h.prefix,
                       h.started_at_ms);
  }
  std::string operator()(const journal::Init& i) const {
    if (!is_token(i.rendition)) return {};
    return fmt::format("I {} {} {}\n", i.rendition, i.version, i.bytes);
  }
  std::string operator()(const journal::Segment& s) const {
    if (!is_token(s.rendition)) return {};
    const auto& e = s.entry;
    std::string reason = e.lost ? (is_token(s.lost_reason) ? s.lost_reason : "lost") : "-";
    return fmt::format("S {} {} {} {} {} {} {} {} {}\n", s.rendition, e.msn, e.duration_us,
                       e.discontinuity ? 1 : 0, e.init_version, e.program_date_time_ms, e.bytes,
                       e.lost ? 1 : 0, reason);
  }
  std::string operator()(const journal::Lost& l) const {
    if (!is_token(l.rendition)) return {};
    return fmt::format("L {} {} {}\n", l.rendition, l.msn, is_token(l.reason) ? l.reason : "lost");
  }
  std::string operator()(const journal::Variant& v) const {
    const auto& i = v.info;
    if (!is_token(v.rendition) || (!i.codecs.empty() && !is_token(i.codecs))) return {};
    return fmt::format("V {} {} {} {} {} {} {} {}\n", v.rendition, i.bandwidth,
                       i.average_bandwidth, i.width, i.height,
                       static_cast<int64_t>(i.frame_rate * 1000.0 + 0.5),
                       i.independent_segments ? 1 : 0, i.codecs.empty() ? "-" : i.codecs);
  }
  std::string operator()(const journal::Withdrawn& w) const {
    return is_token(w.rendition) ? fmt::format("W {}\n", w.rendition) : std::string();
  }
  std::string operator()(const journal::Mp4Start& m) const {
    return fmt::format("MS {}\n", m.init_version);
  }
  std::string operator()(const journal::Mp4Upload& m) const {
    return is_token(m.upload_id) ? fmt::format("MU {}\n", m.upload_id) : std::string();
  }
  std::string operator()(const journal::Mp4Part& p) const {
    return is_token(p.etag) ? fmt::format("MP {} {} {}\n", p.number, p.bytes, p.etag)
                            : std::string();
  }
  std::string operator()(const journal::Mp4Stopped& m) const {
    return fmt::format("MX {}\n", is_token(m.reason) ? m.reason : "stopped");
  }
  std::string operator()(const journal::Done& d) const {
    return fmt::format("D {}\n", to_string(d.outcome));
  }
};

struct Applier {
  RecordingModel& m;
  void operator()(const journal::Header& h) const {
    m.recording_id = h.recording_id;
    m.stream_id = h.stream_id;
    m.prefix = h.prefix;
    m.started_at_ms = h.started_at_ms;
  }
  void operator()(const journal::Init& i) const { m.rendition(i.rendition).inits[i.version] = i.bytes; }
  void operator()(const journal::Segment& s) const {
    auto& segments = m.rendition(s.rendition).segments;
    // Ascending, each msn once (a replayed line changes nothing).
    if (!segments.empty() && segments.back().msn >= s.entry.msn) return;
    segments.push_back(s.entry);
    if (s.entry.lost) m.lost_reasons[s.rendition + ":" + std::to_string(s.entry.msn)] = s.lost_reason;
  }
  void operator()(const journal::Lost& l) const {
    for (auto& e : m.rendition(l.rendition).segments) {
      if (e.msn != l.msn || e.lost) continue;
      e.lost = true;
      m.lost_reasons[l.rendition + ":" + std::to_string(l.msn)] = l.reason;
    }
  }
  void operator()(const journal::Variant& v) const { m.rendition(v.rendition).variant = v.info; }
  void operator()(const journal::Withdrawn& w) const { m.rendition(w.rendition).withdrawn = true; }
  void operator()(const journal::Mp4Start& s) const { m.mp4.init_version = s.init_version; }
  void operator()(const journal::Mp4Upload& u) const { m.mp4.upload_id = u.upload_id; }
  void operator()(const journal::Mp4Part& p) const {
    if (!m.mp4.parts.empty() && m.mp4.parts.back().number >= p.number) return;
    m.mp4.parts.push_back(UploadedPart{p.number, p.etag});
    m.mp4.part_bytes.push_back(p.bytes);
  }
  void operator()(const journal::Mp4Stopped& s) const {
    m.mp4.stopped = true;
    m.mp4.stop_reason = s.reason;
  }
  void operator()(const journal::Done& d) const { m.done = d.outcome; }
};

}  // namespace

std::string encode_journal_entry(const JournalEntry& entry) { return std::visit(Encoder{}, entry); }

std::optional<JournalEntry> parse_journal_line(std::string_view line) {
  const auto t = split(line);
  if (t.empty()) return std::nullopt;
  const std::string_view kind = t[0];
  if (kind == "H" && t.size() == 6 && t[1] == "1") {
    journal::Header h{std::string(t[2]), std::string(t[3]), std::string(t[4]), 0};
    if (!number(t[5], h.started_at_ms)) return std::nullopt;
    return h;
  }
  if (kind == "I" && t.size() == 4) {
    journal::Init i{std::string(t[1]), 0, 0};
    if (!number(t[2], i.version) || !number(t[3], i.bytes)) return std::nullopt;
    return i;
  }
  if (kind == "S" && t.size() == 10) {
    journal::Segment s{std::string(t[1]), {}, ""};
    int disc = 0, lost = 0;
    auto& e = s.entry;
    if (!number(t[2], e.msn) || !number(t[3], e.duration_us) || !number(t[4], disc) ||
        !number(t[5], e.init_version) || !number(t[6], e.program_date_time_ms) ||
        !number(t[7], e.bytes) || !number(t[8], lost))
      return std::nullopt;
    e.discontinuity = disc != 0;
    e.lost = lost != 0;
    if (e.lost) s.lost_reason = std::string(t[9]);
    return s;
  }
  if (kind == "V" && t.size() == 9) {
    journal::Variant v{std::string(t[1]), {}};
    auto& i = v.info;
    int64_t fps_milli = 0;
    int independent = 1;
    if (!number(t[2], i.bandwidth) || !number(t[3], i.average_bandwidth) || !number(t[4], i.width) ||
        !number(t[5], i.height) || !number(t[6], fps_milli) || !number(t[7], independent))
      return std::nullopt;
    i.frame_rate = static_cast<double>(fps_milli) / 1000.0;
    i.independent_segments = independent != 0;
    i.codecs = t[8] == "-" ? "" : std::string(t[8]);
    i.rendition = v.rendition;
    return v;
  }
  if (kind == "L" && t.size() == 4) {
    journal::Lost l{std::string(t[1]), 0, std::string(t[3])};
    if (!number(t[2], l.msn)) return std::nullopt;
    return l;
  }
  if (kind == "W" && t.size() == 2) return journal::Withdrawn{std::string(t[1])};
  if (kind == "MS" && t.size() == 2) {
    journal::Mp4Start s;
    if (!number(t[1], s.init_version)) return std::nullopt;
    return s;
  }
  if (kind == "MU" && t.size() == 2) return journal::Mp4Upload{std::string(t[1])};
  if (kind == "MP" && t.size() == 4) {
    journal::Mp4Part p{0, 0, std::string(t[3])};
    if (!number(t[1], p.number) || !number(t[2], p.bytes)) return std::nullopt;
    return p;
  }
  if (kind == "MX" && t.size() == 2) return journal::Mp4Stopped{std::string(t[1])};
  if (kind == "D" && t.size() == 2) {
    if (auto o = parse_outcome(t[1])) return journal::Done{*o};
  }
  return std::nullopt;
}

void apply_journal_entry(RecordingModel& model, const JournalEntry& entry) {
  std::visit(Applier{model}, entry);
}

std::optional<RecordingModel> replay_journal(std::string_view text) {
  RecordingModel model;
  bool header = false;
  size_t at = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) break;  // a torn last line
    auto entry = parse_journal_line(text.substr(at, nl - at));
    at = nl + 1;
    if (!entry) continue;
    if (!header) {
      if (!std::holds_alternative<journal::Header>(*entry)) return std::nullopt;
      header = true;
    }
    apply_journal_entry(model, *entry);
  }
  if (!header) return std::nullopt;
  return model;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> Journal::append(const JournalEntry& entry, bool sync) {
  const std::string line = encode_journal_entry(entry);
  if (line.empty()) return make_error("invalid_argument", "a journal entry that cannot be written");
  if (fd_ < 0) {
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0 || ::ftruncate(fd_, static_cast<off_t>(size_)) != 0)
      return make_error("io_error", "opening the journal: " + std::string(std::strerror(errno)));
  }
  if (!write_fully(fd_, as_bytes(line), size_)) {
    return make_error("io_error", "appending to the journal: " + std::string(std::strerror(errno)));
  }
  size_ += line.size();
  dirty_ = true;
  return sync ? this->sync() : ok_result();
}

Result<void> Journal::sync() {
  if (!dirty_ || fd_ < 0) return ok_result();
  if (::fdatasync(fd_) != 0)
    return make_error("io_error", "syncing the journal: " + std::string(std::strerror(errno)));
  dirty_ = false;
  return ok_result();
}

Result<RecordingModel> Journal::load(const std::filesystem::path& file, uint64_t* size) {
  auto bytes = read_file(file, 512ull * 1024 * 1024);
  if (!bytes) return bytes.error();
  const std::string_view text = as_string_view(*bytes);
  auto model = replay_journal(text);
  if (!model) return make_error("invalid_journal", "no header in " + file.string());
  // Appends go after the last complete line (a torn tail is overwritten).
  const size_t last_nl = text.rfind('\n');
  if (size) *size = last_nl == std::string_view::npos ? 0 : last_nl + 1;
  return std::move(*model);
}

}  // namespace stagecast::record
