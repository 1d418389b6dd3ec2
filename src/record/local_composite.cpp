#include "record/local_composite.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace stagecast::record {
namespace {

// Splits off the next line (without its '\n'); nullopt when no whole line is left.
std::optional<std::string_view> next_line(std::string_view& text) {
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl + 1);
  return line;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at <= line.size()) {
    size_t sp = line.find(' ', at);
    if (sp == std::string_view::npos) sp = line.size();
    out.push_back(line.substr(at, sp - at));
    at = sp + 1;
  }
  return out;
}

template <typename T>
bool number(std::string_view s, T& out) {
  if (s.empty() || s.size() > 20) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

bool valid_piece_file(std::string_view name) {
  if (name == "data") return true;
  if (name.size() < 2 || name.size() > 10 || name[0] != 'p') return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string render_composite(const CompositeManifest& m) {
  std::string out(kCompositeMagic);
  out += fmt::format("id {}\nsize {}\n", m.id, m.size);
  for (const auto& p : m.pieces) out += fmt::format("{} {} {}\n", p.file, p.offset, p.size);
  return out;
}

std::optional<CompositeManifest> parse_composite(std::string_view text) {
  if (!text.starts_with(kCompositeMagic)) return std::nullopt;
  text.remove_prefix(kCompositeMagic.size());
  CompositeManifest m;
  auto id = next_line(text);
  auto size = next_line(text);
  if (!id || !size || !id->starts_with("id ") || !size->starts_with("size ")) return std::nullopt;
  m.id = std::string(id->substr(3));
  if (m.id.empty() || m.id.size() > 64 || !std::all_of(m.id.begin(), m.id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      }))
    return std::nullopt;
  if (!number(size->substr(5), m.size)) return std::nullopt;
  uint64_t sum = 0;
  while (!text.empty()) {
    auto line = next_line(text);
    if (!line) return std::nullopt;  // torn
    auto f = fields(*line);
    CompositePiece p;
    if (f.size() != 3 || !valid_piece_file(f[0]) || !number(f[1], p.offset) ||
        !number(f[2], p.size) || p.size == 0 || sum + p.size < sum)
      return std::nullopt;
    p.file = std::string(f[0]);
    sum += p.size;
    m.pieces.push_back(std::move(p));
  }
  if (sum != m.size || m.pieces.empty()) return std::nullopt;
  return m;
}

std::string render_part_line(const PartRecord& p) {
  if (p.linked) return fmt::format("{} L {} {}\n", p.number, p.size, p.etag);
  return fmt::format("{} {} {} {}\n", p.number, p.offset, p.size, p.etag);
}

std::vector<PartRecord> parse_part_lines(std::string_view text) {
  std::vector<PartRecord> out;
  while (auto line = next_line(text)) {
    auto f = fields(*line);
    PartRecord p;
    if (f.size() != 4 || !number(f[0], p.number) || p.number < 1 || !number(f[2], p.size) ||
        f[3].empty())
      break;
    if (f[1] == "L") {
      p.linked = true;
    } else if (!number(f[1], p.offset)) {
      break;
    }
    p.etag = std::string(f[3]);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace stagecast::record
