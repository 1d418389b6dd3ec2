#include "hls/playlist_uri_query.h"

#include <algorithm>

namespace stagecast::hls {
namespace {

void append_query(std::string& out, std::string_view uri, std::string_view query) {
  out.append(uri);
  out.push_back(uri.find('?') == std::string_view::npos ? '?' : '&');
  out.append(query);
}

void rewrite_tag(std::string& out, std::string_view line, std::string_view query) {
  constexpr std::string_view kAttr = "URI=\"";
  size_t pos = 0;
  while (true) {
    const size_t at = line.find(kAttr, pos);
    // The attribute name must start the attribute list or follow a comma/colon, so that e.g.
    // "XURI=" is not taken for "URI=".
    if (at == std::string_view::npos) break;
    const bool starts_attr = at > 0 && (line[at - 1] == ':' || line[at - 1] == ',');
    const size_t value_start = at + kAttr.size();
    const size_t close = line.find('"', value_start);
    if (close == std::string_view::npos) break;
    out.append(line.substr(pos, value_start - pos));
    if (starts_attr) {
      append_query(out, line.substr(value_start, close - value_start), query);
    } else {
      out.append(line.substr(value_start, close - value_start));
    }
    pos = close;
  }
  out.append(line.substr(pos));
}

}  // namespace

std::string add_query_to_playlist_uris(std::string_view playlist, std::string_view query) {
  if (query.empty()) return std::string(playlist);
  // Every line may get the query once (a URI line, or a tag with one URI attribute; a tag with
  // more is rare): one allocation for the whole playlist in practice.
  const size_t lines = static_cast<size_t>(std::count(playlist.begin(), playlist.end(), '\n')) + 1;
  std::string out;
  out.reserve(playlist.size() + lines * (query.size() + 1));
  size_t pos = 0;
  while (pos < playlist.size()) {
    size_t eol = playlist.find('\n', pos);
    const bool has_newline = eol != std::string_view::npos;
    if (!has_newline) eol = playlist.size();
    std::string_view line = playlist.substr(pos, eol - pos);
    std::string_view cr;
    if (!line.empty() && line.back() == '\r') {
      cr = line.substr(line.size() - 1);
      line.remove_suffix(1);
    }
    if (line.empty()) {
      // blank lines are ignored by players; keep them as they are
    } else if (line.front() == '#') {
      if (line.starts_with("#EXT")) {
        rewrite_tag(out, line, query);
      } else {
        out.append(line);  // a comment
      }
    } else {
      append_query(out, line, query);
    }
    out.append(cr);
    if (has_newline) out.push_back('\n');
    pos = eol + 1;
  }
  return out;
}

std::string percent_encode_query_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace stagecast::hls
