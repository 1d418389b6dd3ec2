#pragma once
// What Stagecast reads of S3's XML answers (Amazon S3 API reference: InitiateMultipartUpload,
// CompleteMultipartUpload, ListObjectsV2, ListMultipartUploads, CopyObject, Error responses).
//
// The bytes come from the network (any "S3-compatible" server, a proxy, a captive portal), so
// this is not a general XML parser: it finds elements by name in a flat scan, bounds every read,
// decodes the five predefined entities and numeric character references, and returns nullopt /
// an error on anything it cannot read. It never throws and never trusts a length or a count.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stagecast::record {

// The text of every element named `name` in `xml` (its content between the tags, entities
// decoded), in document order; empty elements (<a/>) give "". Nested elements of the same name
// are not expected in S3's answers: the first closing tag ends an element.
std::vector<std::string> xml_elements(std::string_view xml, std::string_view name);
// The first such element's raw inner text (entities not decoded: for walking into children).
std::optional<std::string_view> xml_first_raw(std::string_view xml, std::string_view name);
// Entity-decoded text; nullopt for a malformed or unknown reference or a control character.
std::optional<std::string> xml_decode_text(std::string_view raw);

struct S3ErrorBody {
  std::string code;     // e.g. "NoSuchKey", "AccessDenied", "SlowDown"
  std::string message;  // truncated to 300 characters
};
// An <Error><Code>..</Code><Message>..</Message></Error> document; nullopt when it is not one.
std::optional<S3ErrorBody> parse_s3_error(std::string_view xml);

// InitiateMultipartUploadResult/UploadId.
Result<std::string> parse_initiate_multipart(std::string_view xml);

struct S3ListedObject {
  std::string key;
  uint64_t size = 0;
};
struct S3ObjectPage {
  std::vector<S3ListedObject> objects;
  bool truncated = false;
  std::string continuation_token;  // NextContinuationToken
};
// ListBucketResult (ListObjectsV2).
Result<S3ObjectPage> parse_list_objects(std::string_view xml);

struct S3ListedUpload {
  std::string key;
  std::string upload_id;
};
struct S3UploadPage {
  std::vector<S3ListedUpload> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
// ListMultipartUploadsResult.
Result<S3UploadPage> parse_list_multipart_uploads(std::string_view xml);

// CompleteMultipartUpload and CopyObject may answer 200 OK with an <Error> body (the S3 API
// reference says so for both): success only when the expected result element is there.
Result<void> parse_complete_multipart(std::string_view xml);
Result<void> parse_copy_object(std::string_view xml);

}  // namespace stagecast::record
