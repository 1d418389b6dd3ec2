#include "record/clip_maker.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "hls/hls_names.h"
#include "record/vod_playlist.h"

namespace stagecast::record {
namespace {

std::optional<int64_t> parse_pdt(std::string_view s) {
  // "2023-11-14T22:13:20.000Z" (what hls::format_program_date_time writes)
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[23] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t n) -> std::optional<int> {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + n, v);
    if (ec != std::errc() || p != s.data() + at + n) return std::nullopt;
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
       se = num(17, 2), ms = num(20, 3);
  if (!y || !mo || !d || !h || !mi || !se || !ms) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *se;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + *ms;
}

}  // namespace

std::optional<std::vector<SegmentEntry>> parse_vod_media_playlist(std::string_view text) {
  if (!text.starts_with("#EXTM3U")) return std::nullopt;
  std::vector<SegmentEntry> out;
  int init_version = 0;
  bool discontinuity = false;
  // -1: none seen (plain values: g++ 12 warns about std::optional here, wrongly)
  int64_t pdt = -1;
  int64_t duration_us = -1;
  size_t at = 0;
  while (at < text.size() && out.size() < 1'000'000) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("#EXT-X-MAP:URI=\"")) {
      const std::string_view uri = line.substr(16, line.find('"', 16) - 16);
      auto name = hls::parse_resource_name(uri);
      if (!name || name->kind != hls::ResourceName::Kind::Init) return std::nullopt;
      init_version = name->init_version;
    } else if (line == "#EXT-X-DISCONTINUITY") {
      discontinuity = true;
    } else if (line.starts_with("#EXT-X-PROGRAM-DATE-TIME:")) {
      pdt = parse_pdt(line.substr(25)).value_or(-1);
    } else if (line.starts_with("#EXTINF:")) {
      const std::string_view v = line.substr(8, line.find(',') - 8);
      double seconds = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
      if (ec != std::errc() || !(seconds > 0) || seconds > 3600) return std::nullopt;
      duration_us = std::llround(seconds * 1e6);
    } else if (!line.empty() && line.front() != '#') {
      const std::string_view uri = line.substr(0, line.find('?'));
      auto name = hls::parse_resource_name(uri);
      if (!name || name->kind != hls::ResourceName::Kind::Segment || duration_us < 0)
        return std::nullopt;
      SegmentEntry e;
      e.msn = name->msn;
      e.duration_us = duration_us;
      e.discontinuity = discontinuity;
      e.init_version = init_version;
      if (pdt >= 0) {
        e.program_date_time_ms = pdt;
      } else if (!out.empty()) {
        e.program_date_time_ms = out.back().program_date_time_ms + out.back().duration_us / 1000;
      }
      out.push_back(e);
      discontinuity = false;
      pdt = -1;
      duration_us = -1;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

Result<std::pair<std::vector<SegmentEntry>, int64_t>> clip_segments(
    const std::vector<SegmentEntry>& entries, int64_t start_ms, int64_t duration_ms) {
  int64_t total_us = 0;
  for (const auto& e : entries) total_us += e.duration_us;
  const int64_t start_us = start_ms * 1000;
  const int64_t end_us = start_us + duration_ms * 1000;
  if (start_ms < 0 || duration_ms <= 0 || end_us > total_us + 500'000)
    return make_error(kClipOutOfRange,
                      fmt::format("the clip must lie within the recording (0 to {} ms)",
                                  total_us / 1000));
  std::vector<SegmentEntry> out;
  int64_t at = 0;
  int64_t first_start = -1;
  for (const auto& e : entries) {
    const int64_t next = at + e.duration_us;
    if (next > start_us && at < end_us) {
      if (first_start < 0) first_start = at;
      out.push_back(e);
    }
    at = next;
  }
  if (out.empty()) return make_error(kClipOutOfRange, "the clip covers no segment");
  return std::make_pair(std::move(out), first_start / 1000);
}

Result<ClipResult> make_clip(ObjectStore& store, const ClipRequest& req, uint64_t part_bytes) {
  std::optional<std::vector<SegmentEntry>> entries = req.live_segments;
  if (!entries) {
    auto playlist = store.get(media_playlist_key(req.source_prefix, req.rendition), std::nullopt);
    if (!playlist) return playlist.error();
    entries = parse_vod_media_playlist(as_string_view(playlist->data));
    if (!entries) return make_error(errc::kBadResponse, "the recording's playlist is unreadable");
  }
  auto window = clip_segments(*entries, req.start_ms, req.duration_ms);
  if (!window) return window.error();
  auto& [segments, start_ms] = *window;

  ClipResult out;
  out.start_ms = start_ms;
  RenditionRecord clip{req.rendition, {}, {}, std::nullopt, false};
  // Copy the headers and segments (server-side: no bytes through this server).
  for (const auto& s : segments) {
    if (!clip.inits.count(s.init_version)) {
      const std::string from = init_key(req.source_prefix, req.rendition, s.init_version);
      if (auto r = store.copy(from, init_key(req.clip_prefix, req.rendition, s.init_version)); !r)
        return r.error();
      auto size = store.size(from);
      clip.inits[s.init_version] = size && *size ? **size : 0;
    }
    const std::string from = segment_key(req.source_prefix, req.rendition, s.msn);
    if (auto r = store.copy(from, segment_key(req.clip_prefix, req.rendition, s.msn)); !r)
      return r.error();
    SegmentEntry e = s;
    auto size = store.size(from);
    e.bytes = size && *size ? **size : 0;
    clip.segments.push_back(e);
    out.duration_ms += s.duration_us / 1000;
  }
  out.bytes = clip.bytes();

  // The MP4: the first header and the segments after it while the header stays the same.
  const std::string mp4 = mp4_key(req.clip_prefix);
  auto upload = store.create_multipart(mp4, "video/mp4");
  if (!upload) return upload.error();
  std::vector<UploadedPart> parts;
  Bytes buffer;
  auto flush = [&]() -> Result<void> {
    auto p = store.upload_part(mp4, *upload, static_cast<int>(parts.size()) + 1, buffer);
    if (!p) return p.error();
    parts.push_back(*p);
    out.bytes += buffer.size();
    buffer.clear();
    return ok_result();
  };
  Result<void> fed = ok_result();
  const int version = clip.segments.front().init_version;
  auto header = store.get(init_key(req.clip_prefix, req.rendition, version), std::nullopt);
  if (!header) fed = header.error();
  if (fed) buffer = std::move(header->data);
  for (const auto& s : clip.segments) {
    if (!fed || s.init_version != version) break;
    auto bytes = store.get(segment_key(req.clip_prefix, req.rendition, s.msn), std::nullopt);
    if (!bytes) {
      fed = bytes.error();
      break;
    }
    buffer.insert(buffer.end(), bytes->data.begin(), bytes->data.end());
    if (buffer.size() >= part_bytes) fed = flush();
  }
  if (fed && !buffer.empty()) fed = flush();
  if (fed) fed = store.complete_multipart(mp4, *upload, parts);
  if (!fed) {
    (void)store.abort_multipart(mp4, *upload);
    return fed.error();
  }
  out.mp4_key = mp4;

  RecordingModel model;
  model.renditions.push_back(clip);
  const std::string media = render_vod_media_playlist(clip);
  const std::string master = render_vod_multivariant_playlist(model);
  if (auto r = store.put(media_playlist_key(req.clip_prefix, req.rendition), as_bytes(media),
                         "application/vnd.apple.mpegurl");
      !r)
    return r.error();
  out.master_key = master_playlist_key(req.clip_prefix);
  if (auto r = store.put(out.master_key, as_bytes(master), "application/vnd.apple.mpegurl"); !r)
    return r.error();
  out.bytes += media.size() + master.size();
  return out;
}

}  // namespace stagecast::record
