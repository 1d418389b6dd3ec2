#include "record/s3_environment.h"

#include <optional>
#include <string_view>

namespace stagecast::record {
namespace {

std::optional<std::string> lookup(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      std::string value = entry.substr(name.size() + 1);
      if (!value.empty()) return value;
    }
  }
  return std::nullopt;
}

void fill(std::string& field, const std::vector<std::string>& env,
          std::initializer_list<std::string_view> names) {
  if (!field.empty()) return;
  for (std::string_view name : names) {
    if (auto v = lookup(env, name)) {
      field = *v;
      return;
    }
  }
}

}  // namespace

S3Settings resolve_s3_settings(S3Settings s, const std::vector<std::string>& env) {
  // A key pair is taken whole from one place: a configured id with an environment secret would
  // sign with a mismatched pair.
  if (s.credentials.access_key_id.empty() && s.credentials.secret_access_key.empty()) {
    fill(s.credentials.access_key_id, env, {"AWS_ACCESS_KEY_ID"});
    fill(s.credentials.secret_access_key, env, {"AWS_SECRET_ACCESS_KEY"});
    fill(s.credentials.session_token, env, {"AWS_SESSION_TOKEN"});
  }
  fill(s.region, env, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s.region.empty()) s.region = "us-east-1";
  fill(s.endpoint, env, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  if (s.endpoint.empty()) s.endpoint = "https://s3." + s.region + ".amazonaws.com";
  return s;
}

}  // namespace stagecast::record
