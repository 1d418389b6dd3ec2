#include "net/http_framing.h"

#include <boost/beast/core/string.hpp>
#include <string_view>

namespace stagecast::net {
namespace http = boost::beast::http;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// token (RFC 9110 5.6.2)
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> framing_problem(const RequestHeader& header) {
  // Transfer-Encoding: every coding of every field line, in order (RFC 9110 5.3: several field
  // lines are one comma-separated list).
  int codings = 0;
  int chunked = 0;
  bool last_chunked = false;
  bool any_te = false;
  for (auto range = header.equal_range(http::field::transfer_encoding); range.first != range.second;
       ++range.first) {
    any_te = true;
    std::string_view value = range.first->value();
    if (trim(value).empty()) return "empty Transfer-Encoding";
    while (!value.empty()) {
      const size_t comma = value.find(',');
      std::string_view item = trim(value.substr(0, comma));
      value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
      if (item.empty()) continue;  // empty list elements are allowed (RFC 9110 5.6.1)
      // No coding we accept takes parameters; a parser that read "chunked;x" differently from
      // us would be a way to smuggle.
      const std::string_view name = item;
      if (!is_token(name)) return "malformed Transfer-Encoding";
      ++codings;
      last_chunked = boost::beast::iequals(name, "chunked");
      if (last_chunked) ++chunked;
    }
  }
  if (any_te) {
    // Several field lines are one list to the RFC; not every intermediary agrees which line wins.
    if (header.count(http::field::transfer_encoding) > 1) return "more than one Transfer-Encoding";
    if (header.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
    if (codings == 0) return "empty Transfer-Encoding";
    if (!last_chunked) return "Transfer-Encoding whose final coding is not chunked";
    if (chunked > 1) return "chunked applied more than once";
    if (header.count(http::field::content_length) > 0)
      return "both Transfer-Encoding and Content-Length";
  }

  const size_t lengths = header.count(http::field::content_length);
  if (lengths > 1) return "more than one Content-Length";
  if (lengths == 1) {
    const std::string_view v = header[http::field::content_length];
    if (v.empty() || v.size() > 18) return "invalid Content-Length";
    for (const char c : v)
      if (c < '0' || c > '9') return "invalid Content-Length";
  }

  if (header.version() >= 11) {
    const size_t hosts = header.count(http::field::host);
    if (hosts == 0) return "no Host header";
    if (hosts > 1) return "more than one Host header";
  } else if (header.count(http::field::host) > 1) {
    return "more than one Host header";
  }
  return std::nullopt;
}

}  // namespace stagecast::net
