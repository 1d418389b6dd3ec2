#pragma once
// JSON from the network, parsed strictly: a duplicate key in any object is an error (RFC 8259 4
// leaves it to the parser; "the last one wins" lets two components read two different values
// from one body), and nesting is bounded so a hostile body cannot recurse deeply.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace stagecast::net {

enum class StrictJsonError { None, Malformed, TooDeep, DuplicateKey };

struct StrictJson {
  nlohmann::json value;  // discarded unless error == None
  StrictJsonError error = StrictJsonError::None;
};

StrictJson parse_strict_json(std::string_view text, size_t max_depth);

}  // namespace stagecast::net
