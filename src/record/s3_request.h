#pragma once
// How one S3 request is addressed and signed, without sending it (pure, the time passed in): the
// URL for path-style (endpoint/bucket/key: MinIO, Ceph, most self-hosted stores) or
// virtual-hosted addressing (bucket.endpoint/key: AWS's default, R2), and the headers with the
// SigV4 Authorization (sigv4.h). S3ObjectStore sends what this prepares.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "record/sigv4.h"

namespace stagecast::record {

struct S3Settings {
  // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"; scheme and host[:port] only.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string bucket;
  bool path_style = true;
  SigV4Credentials credentials;
};

struct S3Endpoint {
  std::string scheme;     // "http" | "https"
  std::string authority;  // host[:port] as written (the port is part of the signed Host)
};
// nullopt unless it is http(s)://host[:port] with an optional trailing '/'.
std::optional<S3Endpoint> parse_s3_endpoint(std::string_view endpoint);
// Bucket names S3 accepts and that can be a DNS label (3-63 of [a-z0-9.-], starting and ending
// with a letter or digit); also what virtual-hosted addressing needs.
bool valid_bucket_name(std::string_view bucket);
// Checks endpoint, region, bucket and that both keys are present.
Result<void> validate_s3_settings(const S3Settings& s);

struct S3Call {
  std::string method = "GET";
  std::string key;    // empty: the bucket itself (list calls)
  SigV4Pairs query;   // decoded
  SigV4Pairs headers; // extra headers to send and sign (content-type, range, x-amz-copy-source)
  std::string payload_sha256 = std::string(kEmptyPayloadSha256);
};

struct PreparedS3Request {
  std::string url;
  SigV4Pairs headers;  // every header to send, Authorization included
};

PreparedS3Request prepare_s3_request(const S3Settings& settings, const S3Endpoint& endpoint,
                                     const S3Call& call, std::chrono::system_clock::time_point t);

// A GET URL for `key` valid for `lifetime` from `t` (query string authentication).
std::string presigned_s3_url(const S3Settings& settings, const S3Endpoint& endpoint,
                             const std::string& key, std::chrono::system_clock::time_point t,
                             std::chrono::seconds lifetime);

}  // namespace stagecast::record
