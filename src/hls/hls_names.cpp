#include "hls/hls_names.h"

#include <fmt/format.h>

#include <charconv>

namespace stagecast::hls {

std::string init_uri(int version) {
  return version == 0 ? std::string("init.mp4") : fmt::format("init-{}.mp4", version);
}
std::string segment_uri(int64_t msn) {
  return fmt::format("seg{}.m4s", msn);
}
std::string part_uri(int64_t msn, int part) {
  return fmt::format("part{}.{}.m4s", msn, part);
}
std::string sibling_playlist_uri(std::string_view rendition) {
  return fmt::format("../{}/{}", rendition, kMediaPlaylistName);
}
std::string rendition_playlist_uri(std::string_view rendition) {
  return fmt::format("{}/{}", rendition, kMediaPlaylistName);
}

std::optional<int64_t> parse_decimal_integer(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

namespace {

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool consume_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

}  // namespace

std::optional<ResourceName> parse_resource_name(std::string_view name) {
  ResourceName r;
  if (name == kMediaPlaylistName) return r;
  if (name == "init.mp4") {
    r.kind = ResourceName::Kind::Init;
    return r;
  }
  std::string_view s = name;
  if (consume(s, "init-") && consume_suffix(s, ".mp4")) {
    auto v = parse_decimal_integer(s);
    if (!v || *v <= 0 || *v > 1'000'000) return std::nullopt;
    r.kind = ResourceName::Kind::Init;
    r.init_version = static_cast<int>(*v);
    return r;
  }
  s = name;
  if (consume(s, "seg") && consume_suffix(s, ".m4s")) {
    auto msn = parse_decimal_integer(s);
    if (!msn) return std::nullopt;
    r.kind = ResourceName::Kind::Segment;
    r.msn = *msn;
    return r;
  }
  s = name;
  if (consume(s, "part") && consume_suffix(s, ".m4s")) {
    const size_t dot = s.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto msn = parse_decimal_integer(s.substr(0, dot));
    auto part = parse_decimal_integer(s.substr(dot + 1));
    if (!msn || !part || *part > 1'000'000) return std::nullopt;
    r.kind = ResourceName::Kind::Part;
    r.msn = *msn;
    r.part = static_cast<int>(*part);
    return r;
  }
  return std::nullopt;
}

bool valid_rendition_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace stagecast::hls
