// libFuzzer target: what Stagecast reads of an S3-compatible server's XML answers (record/s3_xml):
// errors, multipart initiation and completion, object and upload listings. Seeds are the
// documents the Amazon S3 API reference shows, tests/data/fuzz/s3_xml/.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "record/s3_xml.h"

using namespace stagecast::record;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  (void)parse_s3_error(xml);
  (void)parse_initiate_multipart(xml);
  (void)parse_complete_multipart(xml);
  (void)parse_copy_object(xml);
  if (auto page = parse_list_objects(xml); page.ok()) {
    for (const auto& o : page->objects)
      if (o.key.empty()) __builtin_trap();  // an entry without a key is refused, never returned
  }
  if (auto page = parse_list_multipart_uploads(xml); page.ok()) {
    for (const auto& u : page->uploads)
      if (u.key.empty() || u.upload_id.empty()) __builtin_trap();
  }
  (void)xml_elements(xml, "Key");
  (void)xml_decode_text(xml);
  return 0;
}
