#pragma once
// Transport-neutral HTTP request and response: what handlers outside net/ see. No Beast types
// leak out of net/.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stagecast {
class WorkerPool;
}

namespace stagecast::net {

// Header names are stored lowercase.
using HeaderMap = std::map<std::string, std::string>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, path and query
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;
  HeaderMap headers;
  std::string body;
  std::string remote_address;
  // Filled by the router from patterns like /api/livestream/{id}.
  std::map<std::string, std::string> params;

  std::string_view header(std::string_view lowercase_name) const;
  std::optional<std::string> query_param(const std::string& name) const;
  std::string param(const std::string& name) const;
  // The token of "Authorization: Bearer <token>", empty when absent.
  std::string bearer_token() const;
};

// A body too large to hold in memory (a recording's MP4 download): `size` bytes, pulled in pieces
// of at most piece_bytes by read(offset, max), which may block (a file, an S3 GET). The server
// calls read on `pool` (below), one piece at a time, and asks for the next only once the socket
// (or the HTTP/2 flow-control window) has taken the previous one: a client that stops reading
// holds about one piece of the server's memory. read returns null when the bytes cannot be had;
// the response is then cut short (the connection or HTTP/2 stream is reset), never padded.
struct StreamedBody {
  uint64_t size = 0;
  size_t piece_bytes = 1024 * 1024;
  // Where read runs: the route's own pool (null: the server's worker pool), so that slow store
  // reads of downloads never hold the threads every other request needs.
  WorkerPool* pool = nullptr;
  std::function<std::shared_ptr<const std::vector<uint8_t>>(uint64_t offset, size_t max)> read;
};

// Header fields that are the same for every response of a kind (an HLS part: its content type,
// cache policy and CORS field), built once and pointed to by each such response instead of being
// copied into its HeaderMap: no allocation per response, and the HTTP/1.1 bytes of the fields
// ready to copy. Names are lowercased; a field with CR, LF or NUL, or a framing field
// (Content-Length, Transfer-Encoding, Connection) is dropped at construction, as
// append_response_head drops them from a HeaderMap. Must outlive every response that
// points to it (in practice: function-local statics).
class PresetHeaders {
 public:
  explicit PresetHeaders(std::vector<std::pair<std::string, std::string>> fields);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  // "name: value\r\n" for every field, in order.
  std::string_view wire() const { return wire_; }
  // Empty when absent.
  std::string_view find(std::string_view lowercase_name) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
  std::string wire_;
};

struct Response {
  int status = 200;
  HeaderMap headers;
  // Fields shared with other responses (see PresetHeaders), sent after `headers`; a name also in
  // `headers` is sent once, with the value from `headers`.
  const PresetHeaders* preset = nullptr;
  std::string body;
  // Immutable shared payload (HLS segments and parts): written without a copy when set.
  std::shared_ptr<const std::vector<uint8_t>> shared_body;
  // Or a payload of several such pieces, written one after the other in one gather (an LL-HLS
  // segment served as its parts). Used when shared_body is not set.
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> shared_pieces;
  // Or a body pulled piece by piece as the client takes it; used when set (see StreamedBody).
  std::shared_ptr<const StreamedBody> streamed;

  size_t body_size() const;
  // The value of a field from `headers` or the preset; empty when absent.
  std::string_view header_value(std::string_view lowercase_name) const;
  bool has_header(std::string_view lowercase_name) const;

  static Response json(int status, std::string body);
  // {"error":{"code":..., "message":...}}
  static Response error(int status, std::string_view code, std::string_view message);
  static Response text(int status, std::string body, std::string content_type = "text/plain");
  Response& header(std::string name, std::string value) {
    headers[std::move(name)] = std::move(value);
    return *this;
  }
};

}  // namespace stagecast::net
