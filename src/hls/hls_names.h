#pragma once
// The URI layout of one rendition (docs/hls.md): the names the playlists write and the parser the
// HTTP layer uses on the last path segment of a request. The parser sees request bytes, so it
// accepts only the exact shapes below and never throws.
//
//   index.m3u8            media playlist
//   init.mp4, init-V.mp4  CMAF header; V > 0 after a codec change
//   segN.m4s              segment with media sequence number N
//   partN.P.m4s           part P (0-based) of segment N

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stagecast::hls {

inline constexpr std::string_view kMediaPlaylistName = "index.m3u8";
inline constexpr std::string_view kMultivariantPlaylistName = "master.m3u8";

std::string init_uri(int version);
std::string segment_uri(int64_t msn);
std::string part_uri(int64_t msn, int part);
// A sibling rendition's media playlist, relative to a media playlist (rendition reports).
std::string sibling_playlist_uri(std::string_view rendition);
// A rendition's media playlist, relative to the multivariant playlist.
std::string rendition_playlist_uri(std::string_view rendition);

struct ResourceName {
  enum class Kind { MediaPlaylist, Init, Segment, Part };
  Kind kind = Kind::MediaPlaylist;
  int64_t msn = 0;
  int part = 0;
  int init_version = 0;
};

std::optional<ResourceName> parse_resource_name(std::string_view name);

// A decimal-integer (RFC 8216bis 4.2) that fits in int64_t; nothing else (no sign, no spaces).
std::optional<int64_t> parse_decimal_integer(std::string_view text);

// A rendition name is one path segment the store and URIs can carry: [A-Za-z0-9_-]{1,64}.
bool valid_rendition_name(std::string_view name);

}  // namespace stagecast::hls
