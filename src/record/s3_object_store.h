#pragma once
// S3ObjectStore: any S3-compatible store (AWS S3, MinIO, Ceph RGW, R2) over libcurl, each request
// signed with SigV4 (s3_request.h). One request per call, no retries here: the spool and the
// uploader (upload_queue.h) decide when to try again. Credentials never reach a log line or an
// Error message.

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "record/object_store.h"
#include "record/s3_request.h"

namespace stagecast::record {

struct S3StoreOptions {
  S3Settings settings;
  std::chrono::milliseconds connect_timeout{5'000};
  // A whole request (a 5 MiB part on a slow link included); a stalled transfer is also cut when
  // it moves under 1 KiB/s for low_speed_time.
  std::chrono::milliseconds request_timeout{120'000};
  std::chrono::seconds low_speed_time{20};
  const Clock* clock = nullptr;  // signing time; the system clock when null
};

class S3ObjectStore final : public ObjectStore {
 public:
  static Result<std::unique_ptr<S3ObjectStore>> create(S3StoreOptions options);
  ~S3ObjectStore() override;

  std::string_view kind() const override { return "s3"; }
  Result<void> put(const std::string& key, ByteSpan data, std::string_view content_type) override;
  Result<ObjectBytes> get(const std::string& key, std::optional<ByteRange> range) override;
  Result<std::optional<uint64_t>> size(const std::string& key) override;
  Result<void> remove(const std::string& key) override;
  Result<std::vector<ObjectInfo>> list(const std::string& prefix) override;
  Result<void> copy(const std::string& from, const std::string& to) override;

  Result<std::string> create_multipart(const std::string& key,
                                       std::string_view content_type) override;
  Result<UploadedPart> upload_part(const std::string& key, const std::string& upload_id,
                                   int part_number, ByteSpan data) override;
  Result<void> complete_multipart(const std::string& key, const std::string& upload_id,
                                  std::span<const UploadedPart> parts) override;
  Result<void> abort_multipart(const std::string& key, const std::string& upload_id) override;
  Result<std::vector<OpenUpload>> list_multipart(const std::string& prefix) override;

  std::optional<std::string> presigned_get_url(const std::string& key,
                                               std::chrono::seconds lifetime) override;

  struct Answer;

 private:
  S3ObjectStore(S3StoreOptions options, S3Endpoint endpoint);
  Result<Answer> send(const S3Call& call, ByteSpan body, uint64_t max_body);
  std::chrono::system_clock::time_point now() const;

  struct HandleDeleter {
    void operator()(void* handle) const;
  };
  using Handle = std::unique_ptr<void, HandleDeleter>;
  Handle take_handle();
  void return_handle(Handle h);

  const S3StoreOptions options_;
  const S3Endpoint endpoint_;
  std::mutex pool_mu_;
  std::vector<Handle> pool_;  // idle curl handles: connections are kept alive between requests
};

}  // namespace stagecast::record
