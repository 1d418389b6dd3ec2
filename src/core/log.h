#pragma once
// Logging goes through spdlog. Secrets never reach a log line: use redact() for anything that
// might hold a token or key.

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace stagecast {

enum class LogFormat { Text, Json };

void setup_logging(std::string_view level, LogFormat format = LogFormat::Text);

// A log message made safe to write as one line: CR, LF, ESC and every other C0 and C1 control
// character (and, for JSON, '"' and '\\'; and bytes that are not UTF-8) escaped, so text taken
// from a request can neither forge a log line nor drive a terminal, and a JSON line stays JSON.
// Every log line passes through it (the logger's pattern), not only the ones that quote requests.
std::string escape_for_log(std::string_view message, LogFormat format);

// "sk_live_abcdef..." -> "sk_l…(redacted)"; keeps a short prefix so operators can tell keys apart.
std::string redact(std::string_view secret);

}  // namespace stagecast
