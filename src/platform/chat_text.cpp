#include "platform/chat_text.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "platform/text.h"

namespace stagecast::platform {

namespace {

char fold(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

bool word_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The code points of well-formed UTF-8 (checked by utf8_length first).
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

// Controls a chat line must not carry: C1 (U+0080..U+009F), the line and paragraph separators
// (U+2028, U+2029: line breaks to JavaScript and many renderers), the bidi embeddings, overrides
// and isolates (U+202A..U+202E, U+2066..U+2069), and the interlinear annotation controls.
bool is_unicode_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         (cp >= 0xFFF9 && cp <= 0xFFFB);
}

// Code points that show nothing: spaces other than ASCII's, zero-width characters and joiners,
// fillers, variation selectors and tags. Inside a message they are fine (U+200D joins emoji);
// a message of nothing else is an empty message.
bool is_invisible(char32_t cp) {
  return cp == ' ' || cp == 0xA0 || cp == 0xAD || cp == 0x34F || cp == 0x115F || cp == 0x1160 ||
         cp == 0x17B4 || cp == 0x17B5 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) ||
         cp == 0x202F || (cp >= 0x205F && cp <= 0x2064) || cp == 0x206A || cp == 0x206B ||
         cp == 0x206C || cp == 0x206D || cp == 0x206E || cp == 0x206F || cp == 0x2800 ||
         cp == 0x3000 || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
         cp == 0xFFA0 || (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE007F) ||
         (cp >= 0xE0100 && cp <= 0xE01EF);
}

}  // namespace

Result<std::string> checked_chat_text(std::string_view raw, size_t max_chars) {
  if (!utf8_length(raw)) return make_error("invalid_utf8", "the message is not valid UTF-8");
  const auto cps = code_points(raw);
  if (has_control_characters(raw, false) ||
      std::any_of(cps.begin(), cps.end(), is_unicode_control)) {
    return make_error("control_characters", "the message contains control characters");
  }
  std::string text = trim(raw);
  if (text.empty() || std::all_of(cps.begin(), cps.end(), is_invisible))
    return make_error("message_empty", "the message is empty");
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
      const bool ends =
          end == haystack.size() || !word_char(haystack[end]) || !word_char(word.back());
      if (starts && ends) return word;
      ++pos;
    }
  }
  return std::nullopt;
}

}  // namespace stagecast::platform
