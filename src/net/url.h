#pragma once
// URL pieces (RFC 3986 2.1 percent-encoding; application/x-www-form-urlencoded queries).

#include <map>
#include <string>
#include <string_view>

namespace stagecast::net {

// Invalid escapes are kept literally; `plus_as_space` is for query components.
std::string percent_decode(std::string_view in, bool plus_as_space);
std::string percent_encode(std::string_view in);
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace stagecast::net
