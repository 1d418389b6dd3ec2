#pragma once
// Checks on user-supplied text (titles, names, passwords): lengths are counted in Unicode code
// points, because that is what a person typing a 140-character title counts.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stagecast::platform {

// Number of code points when `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing
// above U+10FFFF), else nullopt.
std::optional<size_t> utf8_length(std::string_view s);

// True when `s` holds C0 controls or DEL (tab, CR and LF excepted when allow_line_breaks).
bool has_control_characters(std::string_view s, bool allow_line_breaks);

// Without leading and trailing ASCII whitespace.
std::string trim(std::string_view s);

// ASCII letters lowercased, every other byte as it is (currency codes, blocked words).
std::string ascii_lowercase(std::string_view s);

}  // namespace stagecast::platform
