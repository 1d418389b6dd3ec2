#pragma once
// Strict reading of JSON request bodies: the body must be a JSON object, every field must be one
// the endpoint knows (a typo is an error, not a silently ignored setting), and every field must
// have the declared type. Errors come back as API responses: 400 invalid_json for bytes that are
// not JSON, 422 validation_failed naming the field for the rest.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/http_message.h"

namespace stagecast::api {

class JsonBody {
 public:
  // Parses `request.body`; `allowed` lists the accepted top-level fields.
  static Result<JsonBody> parse(const net::Request& request,
                                std::initializer_list<std::string_view> allowed);
  // For nested objects such as "chat": `where` names it in messages ("chat.").
  static Result<JsonBody> from(const nlohmann::json& object, std::string prefix,
                               std::initializer_list<std::string_view> allowed);

  bool has(std::string_view field) const;
  bool is_null(std::string_view field) const;

  // Absent -> nullopt; present with the wrong type -> error. Integers must be integral numbers
  // (1.5 and 1e3 are refused: money and counts are never fractional).
  Result<std::optional<std::string>> string(std::string_view field) const;
  Result<std::optional<int64_t>> integer(std::string_view field) const;
  Result<std::optional<bool>> boolean(std::string_view field) const;
  Result<std::optional<std::vector<std::string>>> string_list(std::string_view field,
                                                              size_t max_items) const;
  Result<std::optional<JsonBody>> object(std::string_view field,
                                         std::initializer_list<std::string_view> allowed) const;
  // Like string() but absent is an error ("field is required").
  Result<std::string> required_string(std::string_view field) const;

  const nlohmann::json& json() const { return json_; }

 private:
  JsonBody(nlohmann::json json, std::string prefix) : json_(std::move(json)), prefix_(std::move(prefix)) {}
  Error type_error(std::string_view field, std::string_view expected) const;

  nlohmann::json json_;
  std::string prefix_;
};

// A query parameter that must be an integer in [min, max]: `fallback` when absent, 422
// validation_failed naming it otherwise.
Result<int64_t> integer_query_param(const net::Request& req, const std::string& name,
                                    int64_t fallback, int64_t min, int64_t max);

// The same, absent -> nullopt (a paging cursor such as `before`).
Result<std::optional<int64_t>> optional_integer_query_param(const net::Request& req,
                                                            const std::string& name, int64_t min,
                                                            int64_t max);
// A query parameter that must be `true` or `false`: false when absent, 422 otherwise.
Result<bool> boolean_query_param(const net::Request& req, const std::string& name);

// An Error from a service or from JsonBody as an HTTP response with the right status.
net::Response error_response(const Error& error);

}  // namespace stagecast::api
