// libFuzzer target for what the HLS delivery parses out of a request: the resource name (last
// path segment), decimal-integer directives (_HLS_msn, _HLS_part), rendition names, and the
// token value percent-encoded into every playlist URI.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hls/hls_names.h"
#include "hls/playlist_uri_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto name = stagecast::hls::parse_resource_name(input)) {
    // Whatever parses must name a URI that parses back to the same resource.
    using Kind = stagecast::hls::ResourceName::Kind;
    std::string again;
    switch (name->kind) {
      case Kind::Segment:
        again = stagecast::hls::segment_uri(name->msn);
        break;
      case Kind::Part:
        again = stagecast::hls::part_uri(name->msn, name->part);
        break;
      case Kind::Init:
        again = stagecast::hls::init_uri(name->init_version);
        break;
      case Kind::MediaPlaylist:
        again = "index.m3u8";
        break;
    }
    auto back = stagecast::hls::parse_resource_name(again);
    if (!back || back->kind != name->kind || back->msn != name->msn || back->part != name->part ||
        back->init_version != name->init_version)
      __builtin_trap();
  }
  (void)stagecast::hls::parse_decimal_integer(input);
  (void)stagecast::hls::valid_rendition_name(input);
  const std::string encoded = stagecast::hls::percent_encode_query_value(input);
  for (char c : encoded)
    if (c == '"' || c == '\n' || c == '\r' || c == '&' || c == '#') __builtin_trap();
  (void)stagecast::hls::add_query_to_playlist_uris(input, "token=" + encoded);
  return 0;
}
