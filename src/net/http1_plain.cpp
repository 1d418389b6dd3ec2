#include "net/http1_plain.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>

#include "net/url.h"

namespace stagecast::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseAwaitable = asio::as_tuple(asio::use_awaitable);

// A field value or name as it may go on the wire: no CR, LF or NUL (a header a handler built from
// untrusted text must not split the response).
bool safe_field_text(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

// The status line and header fields of a response (RFC 9112 4, 5): what Beast's serializer wrote
// before, without its field container. Framing fields are the server's: a handler's
// Content-Length, Transfer-Encoding or Connection is not written. HTTP/1.1 says "Connection:
// close" when the connection ends after this response; HTTP/1.0 says "Connection: keep-alive"
// when it does not (RFC 9112 9.3). The preset's fields follow `headers` (a name in both is sent
// once, from `headers`).
void append_response_head(std::string& out, int status, unsigned version, std::string_view server,
                          const HeaderMap& headers, const PresetHeaders* preset, bool keep_alive,
                          std::optional<size_t> content_length) {
  out.reserve(out.size() + 192);
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
  (void)ec;
  out.append(digits, end);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(status));
  out += "\r\nServer: ";
  out += server;
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    if (name == "content-length" || name == "transfer-encoding" || name == "connection") continue;
    if (name.empty() || !safe_field_text(name) || !safe_field_text(value)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (preset != nullptr) {
    if (headers.empty()) {
      out += preset->wire();  // the common case (an HLS part): one copy of ready bytes
    } else {
      for (const auto& [name, value] : preset->fields()) {
        if (headers.contains(name)) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
      }
    }
  }
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
  if (content_length) {
    auto [cend, cec] = std::to_chars(digits, digits + sizeof digits, *content_length);
    (void)cec;
    out += "Content-Length: ";
    out.append(digits, cend);
    out += "\r\n";
  }
  out += "\r\n";
}

// A request header read straight from a plain socket into `buffer` and fed to `parser`, with the
// outcomes of http::async_read_header (end_of_stream when the peer closed between requests,
// partial_message within one, the parser's errors) without the layers of composed operations and
// the timer that Beast's stream puts around every read.
asio::awaitable<boost::system::error_code> read_header_plain(
    tcp::socket& socket, beast::flat_buffer& buffer,
    http::request_parser<http::string_body>& parser) {
  boost::system::error_code ec;
  for (;;) {
    if (buffer.size() > 0) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) co_return ec;  // body_limit among them
      ec = {};
      if (parser.is_header_done()) co_return ec;
    }
    if (buffer.size() >= buffer.max_size()) co_return http::error::buffer_overflow;
    auto [rec, n] = co_await socket.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)),
                                                    kUseAwaitable);
    if (rec == asio::error::eof) {
      if (!parser.got_some()) co_return http::error::end_of_stream;
      parser.put_eof(ec);
      co_return ec ? ec : http::error::partial_message;
    }
    if (rec) co_return rec;
    buffer.commit(n);
  }
}

// `buffers` without their first `n` bytes.
std::vector<asio::const_buffer> after_bytes(const GatherBuffers& buffers, size_t n) {
  std::vector<asio::const_buffer> rest;
  for (asio::const_buffer b : buffers) {
    if (n >= b.size()) {
      n -= b.size();
      continue;
    }
    rest.push_back(b + n);
    n = 0;
  }
  return rest;
}

Request to_request(const http::request<http::string_body>& msg, const std::string& remote) {
  Request r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  const std::string_view target = msg.target();
  const size_t q = target.find('?');
  r.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1));
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = r.headers.emplace(std::move(name), std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  r.body = msg.body();
  r.remote_address = remote;
  return r;
}

}  // namespace stagecast::net
