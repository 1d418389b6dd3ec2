#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace stagecast {

void setup_logging(std::string_view level, LogFormat format) {
  auto logger = spdlog::stderr_color_mt("stagecast");
  if (format == LogFormat::Json) {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%v"})");
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);
}

std::string redact(std::string_view secret) {
  if (secret.empty()) return "";
  return std::string(secret.substr(0, std::min<size_t>(4, secret.size() / 4))) + "…(redacted)";
}

}  // namespace stagecast
