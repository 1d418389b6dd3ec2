// SigV4 against AWS's published examples (Amazon S3 API reference, "Examples: Signature
// Calculations in AWS Signature Version 4" for the Authorization header, and "Authenticating
// Requests: Using Query Parameters" for presigned URLs). Credentials and time are theirs:
// AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 2013-05-24T00:00:00Z,
// us-east-1, bucket examplebucket.

#include <gtest/gtest.h>

#include "core/digest.h"
#include "record/s3_request.h"
#include "record/sigv4.h"

namespace stagecast::record {
namespace {

const SigV4Credentials kAws{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const auto kTime = std::chrono::system_clock::time_point(std::chrono::seconds(1369353600));
const std::string kEmpty(kEmptyPayloadSha256);

std::string signature_of(const std::string& authorization) {
  const auto at = authorization.find("Signature=");
  return at == std::string::npos ? "" : authorization.substr(at + 10);
}

TEST(SigV4, DateFormats) {
  EXPECT_EQ(amz_date(kTime), "20130524T000000Z");
  EXPECT_EQ(amz_day(kTime), "20130524");
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(uri_encode("test$file.text", true), "test%24file.text");
  EXPECT_EQ(uri_encode("a b/c~d_e-f.g", true), "a%20b/c~d_e-f.g");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("\xc3\xa9", false), "%C3%A9");
  EXPECT_EQ(uri_encode_path("x/y z"), "/x/y%20z");
}

// GET Object: the first 10 bytes of test.txt.
TEST(SigV4, AwsExampleGetObject) {
  SigV4Request r;
  r.method = "GET";
  r.encoded_path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", kEmpty},
               {"x-amz-date", "20130524T000000Z"}};
  r.payload_hash = kEmpty;
  EXPECT_EQ(canonical_request(r),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" + kEmpty + "\nx-amz-date:20130524T000000Z\n\n"
            "host;range;x-amz-content-sha256;x-amz-date\n" + kEmpty);
  const std::string sts =
      string_to_sign("20130524T000000Z", credential_scope("20130524", "us-east-1", "s3"),
                     canonical_request(r));
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  const std::string header = authorization_header(kAws, "us-east-1", "s3", r, kTime);
  EXPECT_EQ(header,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// PUT Object: "Welcome to Amazon S3." as test$file.text, REDUCED_REDUNDANCY, a Date header.
TEST(SigV4, AwsExamplePutObject) {
  const std::string payload = "Welcome to Amazon S3.";
  const std::string hash = to_hex(sha256(payload));
  EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Request r;
  r.method = "PUT";
  r.encoded_path = uri_encode_path("test$file.text");
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", hash}};
  r.payload_hash = hash;
  EXPECT_EQ(signature_of(authorization_header(kAws, "us-east-1", "s3", r, kTime)),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

// GET Bucket Lifecycle: a subresource with no value ("lifecycle=").
TEST(SigV4, AwsExampleGetBucketLifecycle) {
  SigV4Request r;
  r.method = "GET";
  r.encoded_path = "/";
  r.query = {{"lifecycle", ""}};
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-content-sha256", kEmpty}};
  r.payload_hash = kEmpty;
  EXPECT_EQ(signature_of(authorization_header(kAws, "us-east-1", "s3", r, kTime)),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

// GET Bucket (List Objects): query parameters sorted by name.
TEST(SigV4, AwsExampleListObjects) {
  SigV4Request r;
  r.method = "GET";
  r.encoded_path = "/";
  r.query = {{"prefix", "J"}, {"max-keys", "2"}};
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-content-sha256", kEmpty}};
  r.payload_hash = kEmpty;
  EXPECT_EQ(canonical_query_string(r.query), "max-keys=2&prefix=J");
  EXPECT_EQ(signature_of(authorization_header(kAws, "us-east-1", "s3", r, kTime)),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// Query string authentication: test.txt for 86400 s.
TEST(SigV4, AwsExamplePresignedUrl) {
  SigV4Request r;
  r.method = "GET";
  r.encoded_path = "/test.txt";
  r.headers = {{"host", "examplebucket.s3.amazonaws.com"}};
  const SigV4Pairs q = presign_query(kAws, "us-east-1", "s3", r, kTime, std::chrono::hours(24));
  ASSERT_FALSE(q.empty());
  EXPECT_EQ(q.back().first, "X-Amz-Signature");
  EXPECT_EQ(q.back().second, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");

  S3Settings s{"https://s3.amazonaws.com", "us-east-1", "examplebucket", false, kAws};
  const std::string url =
      presigned_s3_url(s, *parse_s3_endpoint(s.endpoint), "test.txt", kTime, std::chrono::hours(24));
  EXPECT_EQ(url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
            "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404&"
            "X-Amz-SignedHeaders=host");
}

// The prepared request for the same GET Object carries the same signature as the example.
TEST(S3Request, VirtualHostedGetMatchesTheExample) {
  S3Settings s{"https://s3.amazonaws.com", "us-east-1", "examplebucket", false, kAws};
  S3Call call;
  call.key = "test.txt";
  call.headers = {{"range", "bytes=0-9"}};
  const auto req = prepare_s3_request(s, *parse_s3_endpoint(s.endpoint), call, kTime);
  EXPECT_EQ(req.url, "https://examplebucket.s3.amazonaws.com/test.txt");
  std::string auth;
  for (const auto& [name, value] : req.headers)
    if (name == "authorization") auth = value;
  EXPECT_EQ(signature_of(auth), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(S3Request, PathStyleKeepsThePortAndEncodesTheKey) {
  S3Settings s{"http://127.0.0.1:9000/", "eu-west-1", "rec", true, {"id", "secret", "tok"}};
  S3Call call;
  call.method = "PUT";
  call.key = "a b/c.m4s";
  call.query = {{"partNumber", "2"}, {"uploadId", "x/y"}};
  const auto req = prepare_s3_request(s, *parse_s3_endpoint(s.endpoint), call, kTime);
  EXPECT_EQ(req.url, "http://127.0.0.1:9000/rec/a%20b/c.m4s?partNumber=2&uploadId=x%2Fy");
  bool host = false, token = false;
  for (const auto& [name, value] : req.headers) {
    if (name == "host") host = value == "127.0.0.1:9000";
    if (name == "x-amz-security-token") token = value == "tok";
    if (name == "authorization") {
      EXPECT_NE(value.find("Credential=id/20130524/eu-west-1/s3/aws4_request"), std::string::npos);
      EXPECT_NE(value.find("x-amz-security-token"), std::string::npos);
      EXPECT_EQ(value.find("secret"), std::string::npos);
    }
  }
  EXPECT_TRUE(host);
  EXPECT_TRUE(token);
}

TEST(S3Request, EndpointsAndBuckets) {
  EXPECT_TRUE(parse_s3_endpoint("https://s3.eu-west-1.amazonaws.com"));
  EXPECT_TRUE(parse_s3_endpoint("http://[::1]:9000"));
  EXPECT_FALSE(parse_s3_endpoint("ftp://x"));
  EXPECT_FALSE(parse_s3_endpoint("http://host/path"));
  EXPECT_FALSE(parse_s3_endpoint("http://"));
  EXPECT_FALSE(parse_s3_endpoint("http://a@b"));
  EXPECT_TRUE(valid_bucket_name("my-recordings.1"));
  EXPECT_FALSE(valid_bucket_name("My"));
  EXPECT_FALSE(valid_bucket_name("-abc"));
  EXPECT_FALSE(valid_bucket_name("ab"));
  EXPECT_FALSE(validate_s3_settings(S3Settings{"http://h", "r", "bucket", true, {"id", ""}}));
  EXPECT_TRUE(validate_s3_settings(S3Settings{"http://h", "r", "bucket", true, {"id", "k"}}));
}

}  // namespace
}  // namespace stagecast::record
