// escape_for_log: what a request can put into a log line comes out as one line, and a JSON log
// line stays valid JSON.
#include "core/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace stagecast {
namespace {

TEST(EscapeForLog, ControlCharactersCannotForgeALineOrDriveATerminal) {
  EXPECT_EQ(escape_for_log("GET /a\r\n2026-01-01 info forged", LogFormat::Text),
            "GET /a\\r\\n2026-01-01 info forged");
  EXPECT_EQ(escape_for_log("x\x1b[31mred", LogFormat::Text), "x\\x1b[31mred");
  EXPECT_EQ(escape_for_log(std::string("nul\0end", 7), LogFormat::Text), "nul\\x00end");
  EXPECT_EQ(escape_for_log("del\x7f", LogFormat::Text), "del\\x7f");
  // C1: U+009B (CSI) as UTF-8, and U+0085 (NEL, a line break to some readers).
  EXPECT_EQ(escape_for_log("a\xc2\x9b"
                           "31mb\xc2\x85"
                           "c",
                           LogFormat::Text),
            "a\\u009b31mb\\u0085c");
  // Not UTF-8: byte values.
  EXPECT_EQ(escape_for_log("\xff\xc3", LogFormat::Text), "\\xff\\xc3");
  // Ordinary text, including non-ASCII, is untouched.
  EXPECT_EQ(escape_for_log("Café ☕ 🎸 tab\tend", LogFormat::Text), "Café ☕ 🎸 tab\\tend");
}

TEST(EscapeForLog, JsonLinesStayJson) {
  const std::string nasty = "he said \"hi\" \\ \r\n\x1b[2J\xc2\x9b\xff\xfe end ☕";
  const std::string line = "{\"msg\":\"" + escape_for_log(nasty, LogFormat::Json) + "\"}";
  // The line as written: no raw control character (a JSON reader decodes \u001b back to ESC,
  // which is its business; a terminal showing the file never sees one).
  for (const char c : line) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << line;
  const auto parsed = nlohmann::json::parse(line);  // throws if not JSON
  const std::string msg = parsed["msg"];
  EXPECT_NE(msg.find("he said \"hi\""), std::string::npos);
  EXPECT_NE(msg.find("\\xff"), std::string::npos);
  EXPECT_NE(msg.find("end ☕"), std::string::npos);
}

}  // namespace
}  // namespace stagecast
