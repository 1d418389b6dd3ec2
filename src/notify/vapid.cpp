#include "notify/vapid.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base64url.h"

namespace stagecast::notify {

Result<std::string> url_origin(std::string_view url) {
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos) return make_error("invalid_url", "not an absolute URL");
  std::string scheme(url.substr(0, colon));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "https" && scheme != "http") return make_error("invalid_url", "not http(s)");
  const std::string_view rest = url.substr(colon + 3);
  std::string authority(rest.substr(0, rest.find_first_of("/?#")));
  if (authority.empty() || authority.find('@') != std::string::npos) {
    return make_error("invalid_url", "no host, or credentials in the URL");
  }
  std::transform(authority.begin(), authority.end(), authority.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  if (authority.ends_with(default_port) && authority.back() != ']') {
    authority.resize(authority.size() - default_port.size());
  }
  return scheme + "://" + authority;
}

Result<std::string> vapid_jwt(const P256Key& key, const std::string& audience,
                              const std::string& subject, int64_t exp_unix) {
  const std::string header = base64url_encode(std::string_view(R"({"typ":"JWT","alg":"ES256"})"));
  const std::string claims = base64url_encode(
      nlohmann::json{{"aud", audience}, {"exp", exp_unix}, {"sub", subject}}.dump());
  const std::string input = header + "." + claims;
  auto sig = key.sign_es256(input);
  if (!sig) return sig.error();
  return input + "." + base64url_encode(std::span<const uint8_t>(*sig));
}

Result<P256Key> load_or_create_vapid_key(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in(path);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in) return make_error("io_error", fmt::format("cannot read {}", path));
    auto key = P256Key::from_pem(pem.str());
    if (!key) {
      return make_error("invalid_key", fmt::format("{} is not a P-256 private key", path));
    }
    return key;
  }
  const fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) {
    fs::create_directories(dir, ec);
    if (ec) return make_error("io_error", fmt::format("cannot create {}", dir.string()));
  }
  auto key = P256Key::generate();
  if (!key) return key.error();
  auto pem = key->to_pem();
  if (!pem) return pem.error();
  const std::string tmp = path + ".tmp";
  {
    // Created 0600 before a byte of the key is written.
    std::ofstream(tmp, std::ios::trunc).close();
    ::chmod(tmp.c_str(), 0600);
    std::ofstream out(tmp, std::ios::trunc);
    out << *pem;
    out.flush();
    if (!out) return make_error("io_error", fmt::format("cannot write {}", tmp));
  }
  fs::rename(tmp, path, ec);
  if (ec) return make_error("io_error", fmt::format("cannot write {}", path));
  return key;
}

VapidSigner::VapidSigner(std::shared_ptr<const P256Key> key, std::string subject,
                         std::chrono::seconds lifetime)
    : key_(std::move(key)),
      subject_(std::move(subject)),
      lifetime_(std::min<std::chrono::seconds>(lifetime, std::chrono::hours(24))),
      public_b64_(base64url_encode(std::span<const uint8_t>(key_->public_key()))) {}

Result<std::string> VapidSigner::authorization(const std::string& audience, int64_t now_unix) {
  auto it = cache_.find(audience);
  if (it != cache_.end() && it->second.exp - 3600 > now_unix) return it->second.header;
  const int64_t exp = now_unix + lifetime_.count();
  auto jwt = vapid_jwt(*key_, audience, subject_, exp);
  if (!jwt) return jwt.error();
  if (cache_.size() > 256) cache_.clear();  // push services are few; bounded all the same
  Cached c{"vapid t=" + *jwt + ", k=" + public_b64_, exp};
  cache_[audience] = c;
  return c.header;
}

}  // namespace stagecast::notify
