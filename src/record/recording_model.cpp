#include "record/recording_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "hls/hls_names.h"

namespace stagecast::record {

std::string_view to_string(RecordingOutcome o) {
  switch (o) {
    case RecordingOutcome::kReady:
      return "READY";
    case RecordingOutcome::kPartial:
      return "PARTIAL";
    case RecordingOutcome::kFailed:
      return "FAILED";
  }
  return "FAILED";
}

std::optional<RecordingOutcome> parse_outcome(std::string_view s) {
  if (s == "READY") return RecordingOutcome::kReady;
  if (s == "PARTIAL") return RecordingOutcome::kPartial;
  if (s == "FAILED") return RecordingOutcome::kFailed;
  return std::nullopt;
}

int64_t RenditionRecord::duration_us() const {
  int64_t total = 0;
  for (const auto& s : segments)
    if (!s.lost) total += s.duration_us;
  return total;
}

uint64_t RenditionRecord::bytes() const {
  uint64_t total = 0;
  for (const auto& s : segments)
    if (!s.lost) total += s.bytes;
  for (const auto& [version, size] : inits) total += size;
  return total;
}

size_t RenditionRecord::kept() const {
  return static_cast<size_t>(
      std::count_if(segments.begin(), segments.end(), [](const auto& s) { return !s.lost; }));
}

size_t RenditionRecord::lost() const { return segments.size() - kept(); }

uint64_t Mp4Record::bytes() const {
  uint64_t total = 0;
  for (uint64_t b : part_bytes) total += b;
  return total;
}

RenditionRecord& RecordingModel::rendition(const std::string& name) {
  for (auto& r : renditions)
    if (r.name == name) return r;
  renditions.push_back(RenditionRecord{name, {}, {}, std::nullopt, false});
  return renditions.back();
}

const RenditionRecord* RecordingModel::find(const std::string& name) const {
  for (const auto& r : renditions)
    if (r.name == name) return &r;
  return nullptr;
}

const RenditionRecord* RecordingModel::lead() const {
  if (const auto* s = find("source")) return s;
  return renditions.empty() ? nullptr : &renditions.front();
}

int64_t RecordingModel::duration_ms() const {
  const auto* r = lead();
  return r ? r->duration_us() / 1000 : 0;
}

std::vector<RecordingGap> RecordingModel::gaps() const {
  std::vector<RecordingGap> out;
  for (const auto& r : renditions) {
    int64_t at_us = 0;
    std::optional<RecordingGap> open;
    for (const auto& s : r.segments) {
      if (s.lost) {
        if (!open) {
          open = RecordingGap{r.name, s.msn, s.msn, at_us / 1000, 0, ""};
          auto reason = lost_reasons.find(r.name + ":" + std::to_string(s.msn));
          if (reason != lost_reasons.end()) open->reason = reason->second;
        }
        open->last_msn = s.msn;
        open->duration_ms += s.duration_us / 1000;
      } else if (open) {
        out.push_back(*open);
        open.reset();
      }
      at_us += s.duration_us;
    }
    if (open) out.push_back(*open);
  }
  return out;
}

bool RecordingModel::has_gaps() const {
  return std::any_of(renditions.begin(), renditions.end(),
                     [](const auto& r) { return !r.withdrawn && r.lost() > 0; });
}

std::string segment_key(const std::string& prefix, const std::string& rendition, int64_t msn) {
  return fmt::format("{}/{}/{}", prefix, rendition, hls::segment_uri(msn));
}
std::string init_key(const std::string& prefix, const std::string& rendition, int version) {
  return fmt::format("{}/{}/{}", prefix, rendition, hls::init_uri(version));
}
std::string media_playlist_key(const std::string& prefix, const std::string& rendition) {
  return fmt::format("{}/{}/{}", prefix, rendition, hls::kMediaPlaylistName);
}
std::string master_playlist_key(const std::string& prefix) {
  return fmt::format("{}/{}", prefix, hls::kMultivariantPlaylistName);
}
std::string mp4_key(const std::string& prefix) { return prefix + "/recording.mp4"; }

}  // namespace stagecast::record
