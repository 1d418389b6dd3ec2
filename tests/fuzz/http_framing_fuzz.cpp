// Fuzz target: request headers as bytes off the socket, through Beast's parser (as the server
// reads them) and then our RFC 9112 framing checks. Nothing may crash, and a request the checks
// accept must have one unambiguous body length.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/http_framing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& header = parser.get();
  if (!stagecast::net::framing_problem(header)) {
    // Accepted: at most one of chunked and Content-Length decides the length.
    const bool chunked = parser.chunked();
    const bool has_length = parser.content_length().has_value();
    if (chunked && has_length) std::abort();
    if (header.count(http::field::transfer_encoding) > 0 && !chunked) std::abort();
  }
  return 0;
}
