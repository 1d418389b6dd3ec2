#pragma once
// What a chat message's text must be, and the blocked-word filter. Pure functions of the text:
// the room calls them on an I/O thread for every message, so nothing here blocks or allocates
// more than the message itself.
//
// Text rules (the error code in brackets):
//  * well-formed UTF-8 (RFC 3629)                                     [invalid_utf8]
//  * no control characters: C0 (line breaks included: chat is one line), DEL, C1, and the
//    bidirectional overrides/isolates U+202A..U+202E, U+2066..U+2069, with which a message can
//    make the next one on screen read backwards                         [control_characters]
//  * not empty once leading and trailing whitespace is trimmed          [message_empty]
//  * at most `max_chars` code points after trimming                     [message_too_long]
//
// Blocked words: matched case-insensitively (ASCII folding) as whole words: the characters
// right before and after a match must not be letters or digits (any non-ASCII byte counts as a
// letter), so "class" does not trip "ass" while "ASS!" does. A phrase with spaces matches as a
// phrase. Global words (configuration) and the stream's own words (chat.blockedWords) apply
// together.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stagecast::platform {

// The trimmed text, or an error with one of the codes above.
Result<std::string> checked_chat_text(std::string_view raw, size_t max_chars);

class BlockedWords {
 public:
  BlockedWords() = default;
  // Empty entries are ignored; entries are trimmed and lowercased.
  explicit BlockedWords(const std::vector<std::string>& words);
  // Both lists together.
  BlockedWords(const BlockedWords& global, const std::vector<std::string>& stream_words);

  // The first blocked word found in `text`, if any.
  std::optional<std::string> find_in(std::string_view text) const;
  bool empty() const { return words_.empty(); }
  size_t size() const { return words_.size(); }

 private:
  void add(std::string_view word);
  std::vector<std::string> words_;
};

}  // namespace stagecast::platform
