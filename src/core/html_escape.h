#pragma once
// Text as HTML: the five characters that end text or an attribute value (& < > " ') as entity
// references, for server-rendered pages and mail bodies.

#include <string>
#include <string_view>

namespace stagecast {

std::string html_escape(std::string_view in);

}  // namespace stagecast
