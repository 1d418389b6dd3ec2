// S3's XML answers, shaped as the Amazon S3 API reference shows them, and what garbage does.

#include <gtest/gtest.h>

#include "record/object_store.h"
#include "record/s3_xml.h"

namespace stagecast::record {
namespace {

TEST(S3Xml, InitiateMultipartUpload) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)";
  auto id = parse_initiate_multipart(xml);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_FALSE(parse_initiate_multipart("<InitiateMultipartUploadResult></InitiateMultipartUploadResult>"));
  EXPECT_FALSE(parse_initiate_multipart("<html>captive portal</html>"));
}

TEST(S3Xml, ListObjectsV2WithEntities) {
  const char* xml = R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix/><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>a&amp;b</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>
    <StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>caf&#xE9;/&#49;</Key><Size>0</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)";
  auto page = parse_list_objects(xml);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a&b");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[1].key, "caf\xc3\xa9/1");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3Xml, ListObjectsRefusesBrokenEntries) {
  EXPECT_FALSE(parse_list_objects("<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>"));
  EXPECT_FALSE(parse_list_objects("<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>"));
  EXPECT_FALSE(parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"));
  EXPECT_FALSE(parse_list_objects("<ListBucketResult><Contents><Key>a&bogus;</Key><Size>1</Size></Contents></ListBucketResult>"));
  auto empty = parse_list_objects("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->objects.empty());
}

TEST(S3Xml, ListMultipartUploads) {
  const char* xml = R"(<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>bucket</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>my-movie.m2ts</NextKeyMarker>
  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
  <MaxUploads>3</MaxUploads><IsTruncated>true</IsTruncated>
  <Upload><Key>my-divisor</Key><UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>
    <Initiator><ID>arn:aws:iam::111122223333:user/user1</ID></Initiator>
    <StorageClass>STANDARD</StorageClass><Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload>
  <Upload><Key>my-movie.m2ts</Key><UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId></Upload>
</ListMultipartUploadsResult>)";
  auto page = parse_list_multipart_uploads(xml);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->uploads.size(), 2u);
  EXPECT_EQ(page->uploads[0].key, "my-divisor");
  EXPECT_EQ(page->uploads[1].upload_id, "VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_key_marker, "my-movie.m2ts");
  auto none = parse_list_multipart_uploads("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->uploads.empty());
}

TEST(S3Xml, ErrorsAndTheTwoHundredThatIsAnError) {
  const char* err = R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message>
<RequestId>656c76696e6727732072657175657374</RequestId></Error>)";
  auto e = parse_s3_error(err);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InternalError");
  auto complete = parse_complete_multipart(err);
  ASSERT_FALSE(complete);
  EXPECT_EQ(complete.error().code, errc::kUnavailable);
  EXPECT_TRUE(parse_complete_multipart(
      "<CompleteMultipartUploadResult><Location>x</Location><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag></CompleteMultipartUploadResult>"));
  EXPECT_EQ(parse_complete_multipart("").error().code, errc::kBadResponse);
  EXPECT_TRUE(parse_copy_object("<CopyObjectResult><ETag>x</ETag></CopyObjectResult>"));
  EXPECT_FALSE(parse_copy_object("garbage"));
  EXPECT_FALSE(parse_s3_error("<Error><Message>no code</Message></Error>"));
}

TEST(S3Xml, NeverReadsPastTheEnd) {
  for (const char* xml : {"<", "<Error", "<Error>", "<Error><Code>x", "<Error/><Code>", "&",
                          "<ListBucketResult><Contents><Key>a</Key><Size>1",
                          "<InitiateMultipartUploadResult><UploadId/>"}) {
    (void)parse_s3_error(xml);
    (void)parse_list_objects(xml);
    (void)parse_list_multipart_uploads(xml);
    (void)parse_initiate_multipart(xml);
  }
  EXPECT_EQ(xml_elements("<a>1</a><a/><a>2</a>", "a"), (std::vector<std::string>{"1", "", "2"}));
  EXPECT_FALSE(xml_decode_text("&#0;"));
  EXPECT_FALSE(xml_decode_text("&#xD800;"));
  EXPECT_FALSE(xml_decode_text("a\x01"));
  EXPECT_EQ(*xml_decode_text("&lt;&gt;&apos;&#x1F600;"), "<>'\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace stagecast::record
