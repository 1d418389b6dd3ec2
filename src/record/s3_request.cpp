#include "record/s3_request.h"

#include <algorithm>

namespace stagecast::record {
namespace {

struct Address {
  std::string host;  // the Host header
  std::string path;  // encoded
};

Address address_of(const S3Settings& s, const S3Endpoint& e, const std::string& key) {
  Address a;
  if (s.path_style) {
    a.host = e.authority;
    a.path = "/" + s.bucket + (key.empty() ? "" : "/" + uri_encode(key, true));
  } else {
    a.host = s.bucket + "." + e.authority;
    a.path = "/" + uri_encode(key, true);
  }
  return a;
}

std::string url_of(const S3Endpoint& e, const Address& a, const SigV4Pairs& query) {
  std::string url = e.scheme + "://" + a.host + a.path;
  const std::string q = canonical_query_string(query);
  if (!q.empty()) url += "?" + q;
  return url;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
}

}  // namespace

std::optional<S3Endpoint> parse_s3_endpoint(std::string_view endpoint) {
  S3Endpoint e;
  if (endpoint.starts_with("https://")) {
    e.scheme = "https";
    endpoint.remove_prefix(8);
  } else if (endpoint.starts_with("http://")) {
    e.scheme = "http";
    endpoint.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (endpoint.ends_with('/')) endpoint.remove_suffix(1);
  if (endpoint.empty() || endpoint.size() > 255 ||
      !std::all_of(endpoint.begin(), endpoint.end(), host_char))
    return std::nullopt;
  e.authority = std::string(endpoint);
  return e;
}

bool valid_bucket_name(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) return false;
  return std::all_of(b.begin(), b.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

Result<void> validate_s3_settings(const S3Settings& s) {
  if (!parse_s3_endpoint(s.endpoint))
    return make_error("config_invalid", "record.s3_endpoint must be http(s)://host[:port]");
  if (!valid_bucket_name(s.bucket))
    return make_error("config_invalid", "record.s3_bucket is not a valid bucket name");
  if (s.region.empty() || s.region.size() > 64)
    return make_error("config_invalid", "record.s3_region is required");
  if (s.credentials.access_key_id.empty() || s.credentials.secret_access_key.empty())
    return make_error("config_invalid",
                      "S3 needs an access key id and a secret key (record.s3_access_key_id and "
                      "record.s3_secret_access_key, or AWS_ACCESS_KEY_ID and "
                      "AWS_SECRET_ACCESS_KEY)");
  return ok_result();
}

PreparedS3Request prepare_s3_request(const S3Settings& s, const S3Endpoint& e, const S3Call& call,
                                     std::chrono::system_clock::time_point t) {
  const Address a = address_of(s, e, call.key);
  SigV4Request req;
  req.method = call.method;
  req.encoded_path = a.path;
  req.query = call.query;
  req.payload_hash = call.payload_sha256;
  req.headers = call.headers;
  req.headers.emplace_back("host", a.host);
  req.headers.emplace_back("x-amz-date", amz_date(t));
  req.headers.emplace_back("x-amz-content-sha256", call.payload_sha256);
  if (!s.credentials.session_token.empty())
    req.headers.emplace_back("x-amz-security-token", s.credentials.session_token);

  PreparedS3Request out;
  out.url = url_of(e, a, call.query);
  out.headers = req.headers;
  out.headers.emplace_back("authorization",
                           authorization_header(s.credentials, s.region, "s3", req, t));
  return out;
}

std::string presigned_s3_url(const S3Settings& s, const S3Endpoint& e, const std::string& key,
                             std::chrono::system_clock::time_point t,
                             std::chrono::seconds lifetime) {
  const Address a = address_of(s, e, key);
  SigV4Request req;
  req.method = "GET";
  req.encoded_path = a.path;
  req.headers.emplace_back("host", a.host);
  const SigV4Pairs query = presign_query(s.credentials, s.region, "s3", req, t, lifetime);
  return url_of(e, a, query);
}

}  // namespace stagecast::record
