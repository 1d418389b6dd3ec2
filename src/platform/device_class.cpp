#include "platform/device_class.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace stagecast::platform {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != hay.end();
}

template <size_t N>
bool any_of(std::string_view ua, const std::array<std::string_view, N>& needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [ua](std::string_view n) { return contains(ua, n); });
}

constexpr std::array<std::string_view, 6> kBots = {
    "bot", "spider", "crawl", "slurp", "facebookexternalhit", "preview"};
constexpr std::array<std::string_view, 11> kTv = {"smart-tv", "smarttv", "tizen",    "web0s",
                                                  "webos",    "appletv", "apple tv", "crkey",
                                                  "roku",     "aftb",    "bravia"};
constexpr std::array<std::string_view, 3> kTablets = {"ipad", "tablet", "kindle"};
constexpr std::array<std::string_view, 5> kMobiles = {"mobi", "iphone", "ipod", "windows phone",
                                                      "opera mini"};
constexpr std::array<std::string_view, 5> kDesktops = {"windows nt", "macintosh", "x11", "cros",
                                                       "linux x86_64"};

}  // namespace

std::string_view device_class(std::string_view user_agent) {
  const std::string_view ua = user_agent.substr(0, 512);
  if (ua.empty()) return "other";
  if (any_of(ua, kBots)) return "bot";
  if (any_of(ua, kTv)) return "tv";
  if (any_of(ua, kTablets)) return "tablet";
  // Android phones say "Mobile"; Android tablets do not.
  if (contains(ua, "android")) return contains(ua, "mobile") ? "mobile" : "tablet";
  if (any_of(ua, kMobiles)) return "mobile";
  if (any_of(ua, kDesktops)) return "desktop";
  return "other";  // players and tools: ffmpeg (Lavf), VLC, GStreamer, curl
}

}  // namespace stagecast::platform
