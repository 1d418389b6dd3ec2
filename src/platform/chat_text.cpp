#include "platform/chat_text.h"

#include <algorithm>
#include <cstdint>

#include "platform/text.h"

namespace stagecast::platform {

namespace {

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

bool word_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// C1 controls (U+0080..U+009F) and the bidi overrides and isolates, in well-formed UTF-8.
bool has_unicode_controls(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    const auto a = static_cast<unsigned char>(s[i]);
    const auto b = static_cast<unsigned char>(s[i + 1]);
    if (a == 0xC2 && b >= 0x80 && b <= 0x9F) return true;
    if (a == 0xE2 && i + 2 < s.size()) {
      const auto c = static_cast<unsigned char>(s[i + 2]);
      if (b == 0x80 && c >= 0xAA && c <= 0xAE) return true;  // U+202A..U+202E
      if (b == 0x81 && c >= 0xA6 && c <= 0xA9) return true;  // U+2066..U+2069
    }
  }
  return false;
}

}  // namespace

Result<std::string> checked_chat_text(std::string_view raw, size_t max_chars) {
  if (!utf8_length(raw)) return make_error("invalid_utf8", "the message is not valid UTF-8");
  if (has_control_characters(raw, false) || has_unicode_controls(raw)) {
    return make_error("control_characters", "the message contains control characters");
  }
  std::string text = trim(raw);
  if (text.empty()) return make_error("message_empty", "the message is empty");
  if (*utf8_length(text) > max_chars) {
    return make_error("message_too_long",
                      "the message is longer than " + std::to_string(max_chars) + " characters");
  }
  return text;
}

BlockedWords::BlockedWords(const std::vector<std::string>& words) {
  for (const std::string& w : words) add(w);
}

BlockedWords::BlockedWords(const BlockedWords& global, const std::vector<std::string>& stream_words)
    : words_(global.words_) {
  for (const std::string& w : stream_words) add(w);
}

void BlockedWords::add(std::string_view word) {
  std::string w = folded(trim(word));
  if (w.empty()) return;
  if (std::find(words_.begin(), words_.end(), w) == words_.end()) words_.push_back(std::move(w));
}

std::optional<std::string> BlockedWords::find_in(std::string_view text) const {
  if (words_.empty()) return std::nullopt;
  const std::string haystack = folded(text);
  for (const std::string& word : words_) {
    size_t pos = 0;
    while ((pos = haystack.find(word, pos)) != std::string::npos) {
      const size_t end = pos + word.size();
      const bool starts = pos == 0 || !word_char(haystack[pos - 1]) || !word_char(word.front());
      const bool ends = end == haystack.size() || !word_char(haystack[end]) ||
                        !word_char(word.back());
      if (starts && ends) return word;
      ++pos;
    }
  }
  return std::nullopt;
}

}  // namespace stagecast::platform
