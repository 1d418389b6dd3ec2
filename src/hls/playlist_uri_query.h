#pragma once
// Carries a query (the viewer's playback token) into every URI of a playlist, so a player that
// fetched the playlist with ?token=... sends it again on every playlist, part and segment it
// requests. URIs are the non-tag lines and the quoted URI="..." attributes of tags
// (draft-pantos-hls-rfc8216bis 4.1, 4.2).

#include <string>
#include <string_view>

namespace stagecast::hls {

// `query` is already encoded, without '?', e.g. "token=abc". Lines are kept as they are
// otherwise; an empty query returns the text unchanged.
std::string add_query_to_playlist_uris(std::string_view playlist, std::string_view query);

// Percent-encodes everything but RFC 3986 unreserved characters, for a query parameter value.
std::string percent_encode_query_value(std::string_view value);

}  // namespace stagecast::hls
