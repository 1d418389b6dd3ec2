#include "api/json_body.h"

#include <fmt/format.h>

#include <charconv>

#include "net/strict_json.h"
#include "platform/errors.h"

namespace stagecast::api {

namespace {
constexpr size_t kMaxDepth = 16;

Result<void> check_fields(const nlohmann::json& object, const std::string& prefix,
                          std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) {
      return make_error("validation_failed", fmt::format("unknown field '{}{}'", prefix, key));
    }
  }
  return {};
}
}  // namespace

Result<JsonBody> JsonBody::parse(const net::Request& request,
                                 std::initializer_list<std::string_view> allowed) {
  if (request.body.empty()) return make_error("invalid_json", "a JSON object body is required");
  auto parsed = net::parse_strict_json(request.body, kMaxDepth);
  if (parsed.error == net::StrictJsonError::TooDeep)
    return make_error("invalid_json", "JSON nested too deeply");
  if (parsed.error == net::StrictJsonError::DuplicateKey)
    return make_error("invalid_json", "a key appears twice in one JSON object");
  if (parsed.error != net::StrictJsonError::None)
    return make_error("invalid_json", "the body is not valid JSON");
  nlohmann::json j = std::move(parsed.value);
  if (!j.is_object()) return make_error("invalid_json", "the body must be a JSON object");
  if (auto r = check_fields(j, "", allowed); !r) return r.error();
  return JsonBody(std::move(j), "");
}

Result<JsonBody> JsonBody::from(const nlohmann::json& object, std::string prefix,
                                std::initializer_list<std::string_view> allowed) {
  if (auto r = check_fields(object, prefix, allowed); !r) return r.error();
  return JsonBody(object, std::move(prefix));
}

bool JsonBody::has(std::string_view field) const {
  return json_.contains(field);
}

bool JsonBody::is_null(std::string_view field) const {
  auto it = json_.find(field);
  return it != json_.end() && it->is_null();
}

Error JsonBody::type_error(std::string_view field, std::string_view expected) const {
  return make_error("validation_failed",
                    fmt::format("'{}{}' must be {}", prefix_, field, expected));
}

Result<std::optional<std::string>> JsonBody::string(std::string_view field) const {
  auto it = json_.find(field);
  if (it == json_.end()) return std::optional<std::string>{};
  if (!it->is_string()) return type_error(field, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> JsonBody::required_string(std::string_view field) const {
  auto v = string(field);
  if (!v) return v.error();
  if (!*v) {
    return make_error("validation_failed", fmt::format("'{}{}' is required", prefix_, field));
  }
  return **v;
}

Result<std::optional<int64_t>> JsonBody::integer(std::string_view field) const {
  auto it = json_.find(field);
  if (it == json_.end()) return std::optional<int64_t>{};
  if (it->is_number_integer()) return std::optional<int64_t>(it->get<int64_t>());
  if (it->is_number_unsigned()) return type_error(field, "an integer in range");
  return type_error(field, "an integer");
}

Result<std::optional<bool>> JsonBody::boolean(std::string_view field) const {
  auto it = json_.find(field);
  if (it == json_.end()) return std::optional<bool>{};
  if (!it->is_boolean()) return type_error(field, "true or false");
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<std::vector<std::string>>> JsonBody::string_list(std::string_view field,
                                                                      size_t max_items) const {
  auto it = json_.find(field);
  if (it == json_.end()) return std::optional<std::vector<std::string>>{};
  if (!it->is_array()) return type_error(field, "an array of strings");
  if (it->size() > max_items) {
    return make_error("validation_failed",
                      fmt::format("'{}{}' has more than {} items", prefix_, field, max_items));
  }
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string()) return type_error(field, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<JsonBody>> JsonBody::object(
    std::string_view field, std::initializer_list<std::string_view> allowed) const {
  auto it = json_.find(field);
  if (it == json_.end()) return std::optional<JsonBody>{};
  if (!it->is_object()) return type_error(field, "an object");
  auto inner = from(*it, prefix_ + std::string(field) + ".", allowed);
  if (!inner) return inner.error();
  return std::optional<JsonBody>(std::move(*inner));
}

Result<int64_t> integer_query_param(const net::Request& req, const std::string& name,
                                    int64_t fallback, int64_t min, int64_t max) {
  const auto raw = req.query_param(name);
  if (!raw) return fallback;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || ptr != raw->data() + raw->size() || v < min || v > max) {
    return make_error("validation_failed", "'" + name + "' must be an integer from " +
                                               std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

Result<std::optional<int64_t>> optional_integer_query_param(const net::Request& req,
                                                            const std::string& name, int64_t min,
                                                            int64_t max) {
  if (!req.query_param(name)) return std::optional<int64_t>();
  auto v = integer_query_param(req, name, 0, min, max);
  if (!v) return v.error();
  return std::optional<int64_t>(*v);
}

Result<bool> boolean_query_param(const net::Request& req, const std::string& name) {
  const auto raw = req.query_param(name);
  if (!raw) return false;
  if (*raw != "true" && *raw != "false") {
    return make_error("validation_failed", "'" + name + "' must be true or false");
  }
  return *raw == "true";
}

net::Response error_response(const Error& error) {
  int status = 500;
  if (error.code == "invalid_json") {
    status = 400;
  } else if (error.code == "overloaded") {
    status = 503;
  } else {
    status = platform::errc::http_status_for(error.code);
  }
  // Internal details stay in the log; the client gets a generic message.
  if (status == 500) {
    return net::Response::error(500, "internal_error", "internal server error");
  }
  return net::Response::error(status, error.code, error.message);
}

}  // namespace stagecast::api
