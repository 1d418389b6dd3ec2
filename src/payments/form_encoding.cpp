#include "payments/form_encoding.h"

namespace stagecast::payments {

namespace {
bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}
}  // namespace

std::string form_escape(std::string_view text, bool keep_brackets) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keep_brackets && (c == '[' || c == ']'))) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::string FormFields::encode() const {
  std::string out;
  for (const auto& [key, value] : fields_) {
    if (!out.empty()) out += '&';
    out += form_escape(key, true);
    out += '=';
    out += form_escape(value, false);
  }
  return out;
}

}  // namespace stagecast::payments
