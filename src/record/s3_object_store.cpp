#include "record/s3_object_store.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/digest.h"
#include "record/s3_xml.h"

namespace stagecast::record {

struct S3ObjectStore::Answer {
  long status = 0;
  std::string body;
  std::string etag;
  std::optional<uint64_t> content_length;
  std::optional<uint64_t> range_total;  // from Content-Range: bytes a-b/total
  uint64_t max_body = 0;
  bool too_large = false;
};

namespace {

constexpr uint64_t kMaxXmlBytes = 4ull * 1024 * 1024;
constexpr size_t kMaxPooledHandles = 8;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<uint64_t> to_u64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* a = static_cast<S3ObjectStore::Answer*>(user);
  const size_t n = size * count;
  if (a->body.size() + n > a->max_body) {
    a->too_large = true;
    return 0;  // aborts the transfer
  }
  a->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* a = static_cast<S3ObjectStore::Answer*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string_view name = trim(line.substr(0, colon));
  const std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "etag")) {
    a->etag = std::string(value.substr(0, 200));
  } else if (iequals(name, "content-length")) {
    a->content_length = to_u64(value);
  } else if (iequals(name, "content-range")) {
    const size_t slash = value.rfind('/');
    if (slash != std::string_view::npos) a->range_total = to_u64(value.substr(slash + 1));
  }
  return n;
}

// The status of an answer as one of our error codes, with S3's own code when it sent one.
Error error_of(const S3ObjectStore::Answer& a, std::string_view what) {
  std::string detail = fmt::format("HTTP {}", a.status);
  if (auto e = parse_s3_error(a.body)) detail += " " + e->code;
  const std::string message = fmt::format("S3 {}: {}", what, detail);
  if (a.status == 404) return make_error(errc::kNotFound, message);
  if (a.status == 401 || a.status == 403) return make_error(errc::kDenied, message);
  if (a.status == 429 || a.status >= 500) return make_error(errc::kUnavailable, message);
  if (a.status >= 400) return make_error(errc::kInvalid, message);
  return make_error(errc::kBadResponse, message);
}

bool ok_status(long s) { return s >= 200 && s < 300; }

std::string hex_sha256(ByteSpan data) { return to_hex(sha256(as_string_view(data))); }

}  // namespace

void S3ObjectStore::HandleDeleter::operator()(void* handle) const {
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::create(S3StoreOptions options) {
  if (auto r = validate_s3_settings(options.settings); !r) return r.error();
  auto endpoint = parse_s3_endpoint(options.settings.endpoint);
  // Thread-safe and reference-counted since libcurl 7.84.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return make_error("config_invalid", "libcurl could not be initialised");
  return std::unique_ptr<S3ObjectStore>(new S3ObjectStore(std::move(options), *endpoint));
}

S3ObjectStore::S3ObjectStore(S3StoreOptions options, S3Endpoint endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

S3ObjectStore::~S3ObjectStore() {
  pool_.clear();
  curl_global_cleanup();
}

std::chrono::system_clock::time_point S3ObjectStore::now() const {
  return options_.clock ? options_.clock->now() : std::chrono::system_clock::now();
}

S3ObjectStore::Handle S3ObjectStore::take_handle() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      Handle h = std::move(pool_.back());
      pool_.pop_back();
      curl_easy_reset(h.get());
      return h;
    }
  }
  return Handle(curl_easy_init());
}

void S3ObjectStore::return_handle(Handle h) {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < kMaxPooledHandles) pool_.push_back(std::move(h));
}

Result<S3ObjectStore::Answer> S3ObjectStore::send(const S3Call& call, ByteSpan body,
                                                  uint64_t max_body) {
  Handle handle = take_handle();
  CURL* curl = static_cast<CURL*>(handle.get());
  if (!curl) return make_error(errc::kUnavailable, "S3: no curl handle");
  const PreparedS3Request req = prepare_s3_request(options_.settings, endpoint_, call, now());

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : req.headers)
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  // No "Expect: 100-continue" round trip before bodies; no form content type on PUT/POST.
  headers = curl_slist_append(headers, "Expect:");
  const bool has_content_type = std::any_of(req.headers.begin(), req.headers.end(),
                                            [](const auto& h) { return h.first == "content-type"; });
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");

  Answer answer;
  answer.max_body = max_body;
  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);
  if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    if (call.method == "PUT" || call.method == "POST") {
      static const uint8_t kNothing = 0;
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.empty() ? &kNothing : body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (rc == CURLE_OK) {
    return_handle(std::move(handle));
  }
  if (answer.too_large) return make_error(errc::kBadResponse, "S3: the answer is too large");
  if (rc != CURLE_OK)
    return make_error(errc::kUnavailable,
                      fmt::format("S3 {} unreachable: {}", call.method, curl_easy_strerror(rc)));
  return answer;
}

Result<void> S3ObjectStore::put(const std::string& key, ByteSpan data,
                                std::string_view content_type) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  S3Call call;
  call.method = "PUT";
  call.key = key;
  call.payload_sha256 = hex_sha256(data);
  if (!content_type.empty()) call.headers.emplace_back("content-type", std::string(content_type));
  auto a = send(call, data, kMaxXmlBytes);
  if (!a) return a.error();
  if (!ok_status(a->status)) return error_of(*a, "put");
  // S3 answers a stored object with its ETag; a 200 without one (a proxy's or portal's page) did
  // not store anything, and taking it for success would lose the segment silently.
  if (a->etag.empty()) return make_error(errc::kBadResponse, "S3 put: an answer without ETag");
  return ok_result();
}

Result<ObjectBytes> S3ObjectStore::get(const std::string& key, std::optional<ByteRange> range) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  S3Call call;
  call.key = key;
  uint64_t max = 256ull * 1024 * 1024;
  if (range) {
    if (range->length == 0) return make_error(errc::kInvalid, "empty range");
    call.headers.emplace_back(
        "range", fmt::format("bytes={}-{}", range->first, range->first + range->length - 1));
    // Some servers send a little more than the range asked for (s3rver answers bytes=0-0 with
    // two); what is past the range is cut below.
    max = range->length + 64 * 1024;
  }
  auto a = send(call, {}, max);
  if (!a) return a.error();
  if (a->status == 416) return make_error(errc::kInvalid, "range past the end of the object");
  if (!ok_status(a->status)) return error_of(*a, "get");
  ObjectBytes out;
  out.total_size = a->range_total.value_or(a->body.size());
  if (a->status == 200 && range) {
    // A server that ignores Range sends everything: keep the part asked for.
    out.total_size = a->body.size();
    if (range->first >= a->body.size()) return make_error(errc::kInvalid, "range past the end");
    a->body = a->body.substr(range->first, range->length);
  }
  if (range && a->body.size() > range->length) a->body.resize(range->length);
  out.data.assign(a->body.begin(), a->body.end());
  return out;
}

Result<std::optional<uint64_t>> S3ObjectStore::size(const std::string& key) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  S3Call call;
  call.method = "HEAD";
  call.key = key;
  auto a = send(call, {}, kMaxXmlBytes);
  if (!a) return a.error();
  if (a->status == 404) return std::optional<uint64_t>{};
  if (!ok_status(a->status)) return error_of(*a, "head");
  if (!a->content_length) return make_error(errc::kBadResponse, "S3 head: no Content-Length");
  return std::optional<uint64_t>{*a->content_length};
}

Result<void> S3ObjectStore::remove(const std::string& key) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  S3Call call;
  call.method = "DELETE";
  call.key = key;
  auto a = send(call, {}, kMaxXmlBytes);
  if (!a) return a.error();
  if (a->status == 404 || ok_status(a->status)) return ok_result();
  return error_of(*a, "delete");
}

Result<std::vector<ObjectInfo>> S3ObjectStore::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  for (int page = 0; page < 100'000; ++page) {
    S3Call call;
    call.query = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    auto a = send(call, {}, kMaxXmlBytes);
    if (!a) return a.error();
    if (!ok_status(a->status)) return error_of(*a, "list");
    auto parsed = parse_list_objects(a->body);
    if (!parsed) return parsed.error();
    for (auto& o : parsed->objects) out.push_back(ObjectInfo{std::move(o.key), o.size});
    if (!parsed->truncated) break;
    if (parsed->continuation_token == token)
      return make_error(errc::kBadResponse, "S3 list: the same page again");
    token = parsed->continuation_token;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

Result<void> S3ObjectStore::copy(const std::string& from, const std::string& to) {
  if (!valid_object_key(from) || !valid_object_key(to))
    return make_error(errc::kInvalid, "invalid object key");
  S3Call call;
  call.method = "PUT";
  call.key = to;
  call.headers.emplace_back("x-amz-copy-source",
                            "/" + options_.settings.bucket + "/" + uri_encode(from, true));
  auto a = send(call, {}, kMaxXmlBytes);
  if (!a) return a.error();
  if (!ok_status(a->status)) return error_of(*a, "copy");
  return parse_copy_object(a->body);
}

Result<std::string> S3ObjectStore::create_multipart(const std::string& key,
                                                    std::string_view content_type) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  S3Call call;
  call.method = "POST";
  call.key = key;
  call.query = {{"uploads", ""}};
  if (!content_type.empty()) call.headers.emplace_back("content-type", std::string(content_type));
  auto a = send(call, {}, kMaxXmlBytes);
  if (!a) return a.error();
  if (!ok_status(a->status)) return error_of(*a, "create multipart upload");
  return parse_initiate_multipart(a->body);
}

Result<UploadedPart> S3ObjectStore::upload_part(const std::string& key,
                                                const std::string& upload_id, int part_number,
                                                ByteSpan data) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  if (part_number < 1 || part_number > kMaxPartNumber)
    return make_error(errc::kInvalid, "part number out of 1..10000");
  S3Call call;
  call.method = "PUT";
  call.key = key;
  call.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  call.payload_sha256 = hex_sha256(data);
  auto a = send(call, data, kMaxXmlBytes);
  if (!a) return a.error();
  if (!ok_status(a->status)) return error_of(*a, "upload part");
  if (a->etag.empty()) return make_error(errc::kBadResponse, "S3 upload part: no ETag");
  return UploadedPart{part_number, a->etag};
}

Result<void> S3ObjectStore::complete_multipart(const std::string& key,
                                               const std::string& upload_id,
                                               std::span<const UploadedPart> parts) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  if (parts.empty()) return make_error(errc::kInvalid, "no parts to complete");
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& p : parts) {
    // ETags are hex in quotes (what S3 sent back); nothing in them needs escaping, but anything
    // that would is refused rather than written into the document.
    if (p.etag.find_first_of("<>&") != std::string::npos)
      return make_error(errc::kBadResponse, "S3: an ETag that is not one");
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", p.number, p.etag);
  }
  xml += "</CompleteMultipartUpload>";
  S3Call call;
  call.method = "POST";
  call.key = key;
  call.query = {{"uploadId", upload_id}};
  call.headers.emplace_back("content-type", "application/xml");
  call.payload_sha256 = hex_sha256(as_bytes(xml));
  auto a = send(call, as_bytes(xml), kMaxXmlBytes);
  if (!a) return a.error();
  if (!ok_status(a->status)) return error_of(*a, "complete multipart upload");
  return parse_complete_multipart(a->body);
}

Result<void> S3ObjectStore::abort_multipart(const std::string& key, const std::string& upload_id) {
  if (!valid_object_key(key)) return make_error(errc::kInvalid, "invalid object key");
  S3Call call;
  call.method = "DELETE";
  call.key = key;
  call.query = {{"uploadId", upload_id}};
  auto a = send(call, {}, kMaxXmlBytes);
  if (!a) return a.error();
  if (a->status == 404 || ok_status(a->status)) return ok_result();  // NoSuchUpload: gone already
  return error_of(*a, "abort multipart upload");
}

Result<std::vector<OpenUpload>> S3ObjectStore::list_multipart(const std::string& prefix) {
  std::vector<OpenUpload> out;
  std::string key_marker;
  std::string id_marker;
  for (int page = 0; page < 100'000; ++page) {
    S3Call call;
    call.query = {{"uploads", ""}, {"prefix", prefix}};
    if (!key_marker.empty()) call.query.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) call.query.emplace_back("upload-id-marker", id_marker);
    auto a = send(call, {}, kMaxXmlBytes);
    if (!a) return a.error();
    if (!ok_status(a->status)) return error_of(*a, "list multipart uploads");
    auto parsed = parse_list_multipart_uploads(a->body);
    if (!parsed) return parsed.error();
    for (auto& u : parsed->uploads) out.push_back(OpenUpload{std::move(u.key), std::move(u.upload_id)});
    if (!parsed->truncated) break;
    if (parsed->next_key_marker == key_marker && parsed->next_upload_id_marker == id_marker)
      return make_error(errc::kBadResponse, "S3 list uploads: the same page again");
    key_marker = parsed->next_key_marker;
    id_marker = parsed->next_upload_id_marker;
  }
  return out;
}

std::optional<std::string> S3ObjectStore::presigned_get_url(const std::string& key,
                                                            std::chrono::seconds lifetime) {
  if (!valid_object_key(key)) return std::nullopt;
  return presigned_s3_url(options_.settings, endpoint_, key, now(), lifetime);
}

}  // namespace stagecast::record
