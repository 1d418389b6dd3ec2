#include "transcode/ladder.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace stagecast::transcode {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> parse_number(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::vector<LadderStep> default_ladder() {
  return {{1080, 6'000'000}, {720, 3'000'000}, {480, 1'500'000}, {360, 800'000}};
}

Result<std::vector<LadderStep>> parse_ladder(std::string_view text) {
  std::vector<LadderStep> steps;
  while (!trim(text).empty()) {
    const auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos || item.substr(0, colon).empty() ||
        item.substr(0, colon).back() != 'p') {
      return make_error("invalid_ladder", fmt::format("'{}': expected <height>p:<bitrate>", item));
    }
    auto height = parse_number(item.substr(0, colon - 1));
    std::string_view rate = item.substr(colon + 1);
    uint64_t scale = 1;
    if (!rate.empty() && (rate.back() == 'k' || rate.back() == 'K')) scale = 1'000;
    if (!rate.empty() && rate.back() == 'M') scale = 1'000'000;
    if (scale != 1) rate.remove_suffix(1);
    auto bits = parse_number(rate);
    if (!height || *height < 16 || *height > 4320 || *height % 2 != 0 || !bits || *bits == 0 ||
        *bits > 100'000'000 / scale) {
      return make_error("invalid_ladder",
                        fmt::format("'{}': even height 16..4320, bitrate up to 100M", item));
    }
    steps.push_back({static_cast<int>(*height), *bits * scale});
  }
  std::sort(steps.begin(), steps.end(), [](auto& a, auto& b) { return a.height > b.height; });
  for (size_t i = 1; i < steps.size(); ++i) {
    if (steps[i].height == steps[i - 1].height)
      return make_error("invalid_ladder", fmt::format("{}p listed twice", steps[i].height));
  }
  return steps;
}

std::string format_ladder(const std::vector<LadderStep>& steps) {
  std::string out;
  for (const auto& s : steps) {
    if (!out.empty()) out += ',';
    out += s.bitrate % 1000 == 0 ? fmt::format("{}p:{}k", s.height, s.bitrate / 1000)
                                 : fmt::format("{}p:{}", s.height, s.bitrate);
  }
  return out;
}

std::vector<Rung> plan_rungs(const std::vector<LadderStep>& steps, int source_width,
                             int source_height) {
  std::vector<Rung> rungs;
  if (source_width <= 0 || source_height <= 0) return rungs;
  for (const auto& s : steps) {
    if (s.height >= source_height) continue;
    // 4:2:0 needs even dimensions; round to the nearest even width that keeps the aspect.
    const double exact = static_cast<double>(source_width) * s.height / source_height;
    const int width = std::max(2, static_cast<int>(std::lround(exact / 2.0)) * 2);
    rungs.push_back({fmt::format("{}p", s.height), width, s.height, s.bitrate});
  }
  std::sort(rungs.begin(), rungs.end(), [](auto& a, auto& b) { return a.height > b.height; });
  return rungs;
}

}  // namespace stagecast::transcode
