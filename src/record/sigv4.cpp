#include "record/sigv4.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "core/digest.h"

namespace stagecast::record {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Canonical header values: leading and trailing spaces removed, inner runs of spaces made one
// (SigV4 "Create a canonical request", step 4).
std::string trim_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  const auto d = sha256(data);
  return to_hex(d);
}

std::tm utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

SigV4Pairs sorted_lower_headers(const SigV4Pairs& headers) {
  SigV4Pairs out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.emplace_back(lower(name), trim_value(value));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::string uri_encode_path(std::string_view path) {
  if (!path.starts_with('/')) return "/" + uri_encode(path, true);
  return uri_encode(path, true);
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::tm tm = utc(t);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string amz_day(std::chrono::system_clock::time_point t) {
  return amz_date(t).substr(0, 8);
}

std::string canonical_query_string(const SigV4Pairs& query) {
  SigV4Pairs encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query)
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  // Sorted by encoded name (then value), byte order.
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string signed_header_names(const SigV4Pairs& headers) {
  std::string out;
  for (const auto& [name, value] : sorted_lower_headers(headers)) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

std::string canonical_request(const SigV4Request& request) {
  std::string headers;
  for (const auto& [name, value] : sorted_lower_headers(request.headers)) {
    headers += name;
    headers.push_back(':');
    headers += value;
    headers.push_back('\n');
  }
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method,
                     request.encoded_path.empty() ? "/" : request.encoded_path,
                     canonical_query_string(request.query), headers,
                     signed_header_names(request.headers), request.payload_hash);
}

std::string credential_scope(std::string_view day, std::string_view region,
                             std::string_view service) {
  return fmt::format("{}/{}/{}/aws4_request", day, region, service);
}

std::string string_to_sign(std::string_view date, std::string_view scope,
                           std::string_view canonical) {
  return fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", date, scope, sha256_hex(canonical));
}

std::string signing_key(std::string_view secret, std::string_view day, std::string_view region,
                        std::string_view service) {
  auto step = [](std::string_view key, std::string_view data) {
    const auto mac = hmac_sha256(key, data);
    return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
  };
  const std::string k_secret = "AWS4" + std::string(secret);
  return step(step(step(step(k_secret, day), region), service), "aws4_request");
}

std::string signature_hex(std::string_view key, std::string_view to_sign) {
  const auto mac = hmac_sha256(key, to_sign);
  return to_hex(mac);
}

std::string authorization_header(const SigV4Credentials& credentials, std::string_view region,
                                 std::string_view service, const SigV4Request& request,
                                 std::chrono::system_clock::time_point t) {
  const std::string day = amz_day(t);
  const std::string scope = credential_scope(day, region, service);
  const std::string to_sign = string_to_sign(amz_date(t), scope, canonical_request(request));
  const std::string sig =
      signature_hex(signing_key(credentials.secret_access_key, day, region, service), to_sign);
  return fmt::format("AWS4-HMAC-SHA256 Credential={}/{},SignedHeaders={},Signature={}",
                     credentials.access_key_id, scope, signed_header_names(request.headers), sig);
}

SigV4Pairs presign_query(const SigV4Credentials& credentials, std::string_view region,
                         std::string_view service, SigV4Request request,
                         std::chrono::system_clock::time_point t, std::chrono::seconds expires) {
  const std::string day = amz_day(t);
  const std::string scope = credential_scope(day, region, service);
  request.payload_hash = std::string(kUnsignedPayload);
  request.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  request.query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  request.query.emplace_back("X-Amz-Date", amz_date(t));
  request.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  if (!credentials.session_token.empty())
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  request.query.emplace_back("X-Amz-SignedHeaders", signed_header_names(request.headers));
  const std::string to_sign = string_to_sign(amz_date(t), scope, canonical_request(request));
  request.query.emplace_back(
      "X-Amz-Signature",
      signature_hex(signing_key(credentials.secret_access_key, day, region, service), to_sign));
  return request.query;
}

}  // namespace stagecast::record
