#pragma once
// AWS Signature Version 4 as a chain of pure functions, the time passed in (no clock, no I/O), so
// every step is tested offline against AWS's published examples ("Signature Calculations for the
// Authorization Header" and "Query String Authentication" in the Amazon S3 API reference).
//
//   canonical_request -> string_to_sign -> signing_key -> signature -> Authorization header
//
// The secret never leaves these functions except as the derived signature.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stagecast::record {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // STS temporary credentials: sent as x-amz-security-token
};

using SigV4Pairs = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  // The path exactly as sent on the wire: already URI-encoded (uri_encode_path).
  std::string encoded_path;
  SigV4Pairs query;    // decoded names and values; encoded and sorted here
  SigV4Pairs headers;  // every header to sign (host included); names in any case
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" (presigned URLs).
  std::string payload_hash;
};

inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) kept,
// everything else %XX with upper-case hex; '/' kept when `keep_slash` (object key paths).
std::string uri_encode(std::string_view text, bool keep_slash);
// "/" + each segment of an object key encoded, '/' kept: the path S3 expects for a key.
std::string uri_encode_path(std::string_view path);

// "20130524T000000Z" and "20130524" (UTC).
std::string amz_date(std::chrono::system_clock::time_point t);
std::string amz_day(std::chrono::system_clock::time_point t);

// Query names and values encoded, sorted by name then value, joined with '&'.
std::string canonical_query_string(const SigV4Pairs& query);
// Lower-case names, sorted, ';'-joined.
std::string signed_header_names(const SigV4Pairs& headers);
std::string canonical_request(const SigV4Request& request);
// "<day>/<region>/<service>/aws4_request"
std::string credential_scope(std::string_view day, std::string_view region,
                             std::string_view service);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
// HMAC chain "AWS4"+secret -> day -> region -> service -> "aws4_request" (raw 32 bytes).
std::string signing_key(std::string_view secret, std::string_view day, std::string_view region,
                        std::string_view service);
std::string signature_hex(std::string_view signing_key, std::string_view string_to_sign);

// The Authorization header value for `request` signed at `t`. The request's headers must already
// hold host, x-amz-date (= amz_date(t)) and x-amz-content-sha256 as they will be sent.
std::string authorization_header(const SigV4Credentials& credentials, std::string_view region,
                                 std::string_view service, const SigV4Request& request,
                                 std::chrono::system_clock::time_point t);

// Query string authentication (a presigned URL): returns `request.query` plus the X-Amz-*
// parameters, X-Amz-Signature last. Only `host` is signed; the payload is UNSIGNED-PAYLOAD.
SigV4Pairs presign_query(const SigV4Credentials& credentials, std::string_view region,
                         std::string_view service, SigV4Request request,
                         std::chrono::system_clock::time_point t, std::chrono::seconds expires);

}  // namespace stagecast::record
