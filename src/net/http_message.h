#pragma once
// Transport-neutral HTTP request and response: what handlers outside net/ see. No Beast types
// leak out of net/.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

struct Response {
  int status = 200;
  HeaderMap headers;
  std::string body;
  // Immutable shared payload (HLS segments and parts): written without a copy when set.
  std::shared_ptr<const std::vector<uint8_t>> shared_body;
  // Or a payload of several such pieces, written one after the other in one gather (an LL-HLS
  // segment served as its parts). Used when shared_body is not set.
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> shared_pieces;

  size_t body_size() const;

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
