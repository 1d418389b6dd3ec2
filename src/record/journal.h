#pragma once
// A recording's journal: one text line per fact made durable (a header, a segment spooled or
// lost, the MP4 upload's id and parts, the outcome), appended and fdatasynced (alone, or with
// the recording's other writes in a group commit) before the fact counts. After a crash the journal
// is read back into the RecordingModel and the recording is finished from there: playlists up to
// the last segment journaled, the MP4 completed from the parts journaled. A torn last line (the
// crash hit mid-write) is ignored.
//
// Lines are space-separated tokens; every string in them is a rendition name, an object key
// prefix, an id, an ETag, a codecs string or a reason word, none of which has spaces (checked
// on the way in). Blocking: runs on the recording's serial queue.

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"
#include "record/recording_model.h"

namespace stagecast::record {

namespace journal {
struct Header {
  std::string recording_id, stream_id, prefix;
  int64_t started_at_ms = 0;
};
struct Init {
  std::string rendition;
  int version = 0;
  uint64_t bytes = 0;
};
struct Segment {
  std::string rendition;
  SegmentEntry entry;
  std::string lost_reason;  // one word, when entry.lost
};
// A segment journaled as kept whose upload was given up later (the store refused it for good).
struct Lost {
  std::string rendition;
  int64_t msn = 0;
  std::string reason;
};
struct Variant {
  std::string rendition;
  hls::VariantInfo info;
};
struct Withdrawn {
  std::string rendition;
};
struct Mp4Start {
  int init_version = 0;
};
struct Mp4Upload {
  std::string upload_id;
};
struct Mp4Part {
  int number = 0;
  uint64_t bytes = 0;
  std::string etag;
};
struct Mp4Stopped {
  std::string reason;
};
struct Done {
  RecordingOutcome outcome = RecordingOutcome::kReady;
};
}  // namespace journal

using JournalEntry =
    std::variant<journal::Header, journal::Init, journal::Segment, journal::Lost, journal::Variant,
                 journal::Withdrawn, journal::Mp4Start, journal::Mp4Upload, journal::Mp4Part,
                 journal::Mp4Stopped, journal::Done>;

// One line, newline included; empty when a string in it would break the format.
std::string encode_journal_entry(const JournalEntry& entry);
std::optional<JournalEntry> parse_journal_line(std::string_view line);
void apply_journal_entry(RecordingModel& model, const JournalEntry& entry);
// Every complete line of `text` applied in order; nullopt without a header line first.
std::optional<RecordingModel> replay_journal(std::string_view text);

class Journal {
 public:
  explicit Journal(std::filesystem::path file, uint64_t size = 0)
      : file_(std::move(file)), size_(size) {}
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  // Appends durably (written and fdatasynced).
  Result<void> append(const JournalEntry& entry) { return append(entry, true); }
  // Appends; with `sync` false the line is written (it survives the process being killed) and
  // made durable by the next sync() (group commit: one fdatasync for every line since).
  Result<void> append(const JournalEntry& entry, bool sync);
  Result<void> sync();
  static Result<RecordingModel> load(const std::filesystem::path& file, uint64_t* size);
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  uint64_t size_;
  int fd_ = -1;  // open from the first append; the torn tail after `size` is cut then
  bool dirty_ = false;
};

}  // namespace stagecast::record
