#pragma once
// Logging goes through spdlog. Secrets never reach a log line: use redact() for anything that
// might hold a token or key.

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace stagecast {

enum class LogFormat { Text, Json };

void setup_logging(std::string_view level, LogFormat format = LogFormat::Text);

// "sk_live_abcdef..." -> "sk_l…(redacted)"; keeps a short prefix so operators can tell keys apart.
std::string redact(std::string_view secret);

}  // namespace stagecast
