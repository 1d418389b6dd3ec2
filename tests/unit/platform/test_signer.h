#pragma once
// Test-only JWS signing with freshly generated OpenSSL keys, so JWT tests exercise real RS256 and
// ES256 signatures without a signing API in production code.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace stagecast::platform::testing {

class TestKey {
 public:
  static TestKey rsa(int bits = 2048);
  static TestKey ec(const char* curve = "P-256");

  std::string public_pem() const;
  // JWS signature bytes over `input`: PKCS#1 v1.5 for RSA, raw R||S (JWS form) for EC unless
  // `der` asks for OpenSSL's native DER encoding (which a JWS verifier must refuse).
  std::string sign(const std::string& input, bool der = false) const;

 private:
  struct Deleter {
    void operator()(void* key) const;
  };
  explicit TestKey(void* key, bool is_ec) : key_(key), is_ec_(is_ec) {}
  std::unique_ptr<void, Deleter> key_;
  bool is_ec_;
};

std::string b64url(const std::string& data);

// header.payload.signature with the given raw signature bytes.
std::string compact(const nlohmann::json& header, const nlohmann::json& claims,
                    const std::string& signature);
std::string sign_hs256(const nlohmann::json& header, const nlohmann::json& claims,
                       const std::string& secret);
std::string sign_with(const TestKey& key, const nlohmann::json& header,
                      const nlohmann::json& claims, bool der = false);

}  // namespace stagecast::platform::testing
