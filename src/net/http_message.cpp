#include "net/http_message.h"

#include <nlohmann/json.hpp>

namespace stagecast::net {

std::string_view Request::header(std::string_view lowercase_name) const {
  auto it = headers.find(std::string(lowercase_name));
  return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string{} : it->second;
}

std::string Request::bearer_token() const {
  std::string_view auth = header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (auth.size() <= kPrefix.size()) return {};
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(auth[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i])))
      return {};
  }
  return std::string(auth.substr(kPrefix.size()));
}

namespace {
bool safe_preset_text(std::string_view s) {
  return !s.empty() && s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}
}  // namespace

PresetHeaders::PresetHeaders(std::vector<std::pair<std::string, std::string>> fields) {
  for (auto& [name, value] : fields) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!safe_preset_text(name) || (!value.empty() && !safe_preset_text(value))) continue;
    // Framing is the server's (append_response_head, the HTTP/2 session).
    if (name == "content-length" || name == "transfer-encoding" || name == "connection") continue;
    wire_ += name;
    wire_ += ": ";
    wire_ += value;
    wire_ += "\r\n";
    fields_.emplace_back(std::move(name), std::move(value));
  }
}

std::string_view PresetHeaders::find(std::string_view lowercase_name) const {
  for (const auto& [name, value] : fields_) {
    if (name == lowercase_name) return value;
  }
  return {};
}

std::string_view Response::header_value(std::string_view lowercase_name) const {
  if (!headers.empty()) {
    auto it = headers.find(std::string(lowercase_name));
    if (it != headers.end()) return it->second;
  }
  return preset != nullptr ? preset->find(lowercase_name) : std::string_view{};
}

bool Response::has_header(std::string_view lowercase_name) const {
  if (!headers.empty() && headers.contains(std::string(lowercase_name))) return true;
  if (preset == nullptr) return false;
  for (const auto& field : preset->fields()) {
    if (field.first == lowercase_name) return true;
  }
  return false;
}

size_t Response::body_size() const {
  if (streamed) return static_cast<size_t>(streamed->size);
  if (shared_body) return shared_body->size();
  if (!shared_pieces.empty()) {
    size_t total = 0;
    for (const auto& piece : shared_pieces) total += piece->size();
    return total;
  }
  return body.size();
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers["content-type"] = "application/json";
  return r;
}

Response Response::error(int status, std::string_view code, std::string_view message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  return json(status, j.dump());
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers["content-type"] = std::move(content_type);
  return r;
}

}  // namespace stagecast::net
