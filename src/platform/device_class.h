#pragma once
// The class of device a User-Agent names, for analytics (docs/analytics.md): one of "desktop",
// "mobile", "tablet", "tv", "bot", "other". Heuristic by substrings, as analytics products do;
// never trusted for anything but counting. Bounded work: only the first 512 bytes are looked at.

#include <string_view>

namespace stagecast::platform {

std::string_view device_class(std::string_view user_agent);

}  // namespace stagecast::platform
