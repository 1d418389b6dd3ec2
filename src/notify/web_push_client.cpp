#include "notify/web_push_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <memory>

#include "notify/address_policy.h"

namespace stagecast::notify {
namespace {

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

struct Collected {
  std::optional<std::string> retry_after;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  const size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    }
    if (match) {
      static_cast<Collected*>(user)->retry_after = std::string(trim(line.substr(kName.size())));
    }
  }
  return n;
}

// Every socket libcurl opens for a connection comes here with the address it will connect to
// (after its own resolution): the check and the connection use the same address.
struct SocketGuard {
  bool allow_loopback = false;
  std::string refused;  // the address refused, if one was
};

curl_socket_t open_checked_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* guard = static_cast<SocketGuard*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN) {
    const AddressClass c = classify_address(&address->addr);
    if (c == AddressClass::kInternal || (c == AddressClass::kLoopback && !guard->allow_loopback)) {
      if (!guard->refused.empty()) guard->refused += ", ";
      guard->refused += address_text(&address->addr);
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t discard(char*, size_t size, size_t count, void*) {
  return size * count;  // a push service's answer body says nothing we use
}

}  // namespace

std::optional<int64_t> parse_retry_after(std::string_view value, int64_t now_unix) {
  value = trim(value);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (value.size() > 9) return 999'999'999;  // absurdly far: the caller caps it
    int v = 0;
    if (!digits(value, v)) return std::nullopt;
    return v;
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7).
  if (value.size() != 29 || value[3] != ',' || value[4] != ' ' || value[7] != ' ' ||
      value[11] != ' ' || value[16] != ' ' || value[19] != ':' || value[22] != ':' ||
      value.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto month = std::find(kMonths.begin(), kMonths.end(), value.substr(8, 3));
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (month == kMonths.end() || !digits(value.substr(5, 2), day) ||
      !digits(value.substr(12, 4), year) || !digits(value.substr(17, 2), hour) ||
      !digits(value.substr(20, 2), minute) || !digits(value.substr(23, 2), second) || day < 1 ||
      day > 31 || year < 1970 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = static_cast<int>(month - kMonths.begin());
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t at = static_cast<int64_t>(timegm(&tm));
  return std::max<int64_t>(0, at - now_unix);
}

WebPushClient::WebPushClient(WebPushClientOptions options)
    : options_(std::move(options)),
      // Reference-counted and thread-safe since libcurl 7.84; paired with the destructor.
      curl_(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? curl_easy_init() : nullptr) {}

WebPushClient::~WebPushClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
  curl_global_cleanup();
}

Result<PushResponse> WebPushClient::send(const PushRequest& request, int64_t now_unix) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return make_error(kPushUnreachable, "libcurl handle unavailable");
  // Reset keeps the handle's connection cache: the next push to the same service reuses it.
  curl_easy_reset(c);
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  const auto add = [&headers](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add("Content-Type: application/octet-stream");
  add("Content-Encoding: aes128gcm");
  add("TTL: " + std::to_string(request.ttl_seconds));
  if (!request.urgency.empty()) add("Urgency: " + request.urgency);
  if (!request.topic.empty()) add("Topic: " + request.topic);
  add("Authorization: " + request.authorization);
  add("Expect:");  // no 100-continue round trip for a 4 KiB body
  Collected collected;
  curl_easy_setopt(c, CURLOPT_URL, request.endpoint.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  // A proxy would be the address checked, not the push service: none (not even from the
  // environment's https_proxy).
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  SocketGuard guard{options_.allow_loopback, {}};
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &collected);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(1 << 20));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    if (!guard.refused.empty()) {
      return make_error(kPushAddressRefused,
                        "the push endpoint's host resolves to " + guard.refused +
                            ", a loopback, private, link-local or multicast address: refused");
    }
    return make_error(kPushUnreachable, curl_easy_strerror(rc));
  }
  PushResponse r;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (collected.retry_after) r.retry_after = parse_retry_after(*collected.retry_after, now_unix);
  return r;
}

}  // namespace stagecast::notify
