#include "net/strict_json.h"

#include <set>
#include <string>
#include <vector>

namespace stagecast::net {

StrictJson parse_strict_json(std::string_view text, size_t max_depth) {
  StrictJson out;
  std::vector<std::set<std::string>> keys;  // one set per object being parsed
  nlohmann::json::parser_callback_t check = [&](int depth, nlohmann::json::parse_event_t event,
                                                nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (static_cast<size_t>(depth) + 1 > max_depth) out.error = StrictJsonError::TooDeep;
        if (event == E::object_start) keys.emplace_back();
        break;
      case E::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case E::key:
        if (!keys.empty() && parsed.is_string() &&
            !keys.back().insert(parsed.get<std::string>()).second)
          out.error = StrictJsonError::DuplicateKey;
        break;
      default:
        break;
    }
    return out.error == StrictJsonError::None;
  };
  out.value = nlohmann::json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/false);
  if (out.error == StrictJsonError::None && out.value.is_discarded())
    out.error = StrictJsonError::Malformed;
  return out;
}

}  // namespace stagecast::net
