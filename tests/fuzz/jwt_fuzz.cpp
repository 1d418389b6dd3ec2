// libFuzzer target: JwtVerifier::verify over arbitrary bearer tokens (untrusted network input).
// Must never crash, hang or leak, whatever the bytes; a valid signature is not expected.

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "platform/jwt.h"

namespace {

std::string ec_public_pem() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

const stagecast::platform::JwtVerifier& verifier() {
  using namespace stagecast::platform;
  static const stagecast::ManualClock clock(1'700'000'100'000);
  static const JwtVerifier v = [] {
    JwtVerifierOptions options;
    // The secret of the seed corpus (tests/data/jwt/node_tokens.json), so seeds reach the claims.
    options.keys.push_back({JwtAlgorithm::HS256,
                            "d41982fabfde60b1b386007b02ca8b2b04d4e2ab743bcf996b04896717ee2d7d", "",
                            "", TokenSource::Platform});
    options.keys.push_back({JwtAlgorithm::ES256, ec_public_pem(), "", "", TokenSource::Platform});
    options.audience = "stagecast";
    auto created = JwtVerifier::create(std::move(options), clock);
    if (!created) __builtin_trap();
    return std::move(created).value();
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto result = verifier().verify(token);
  if (result.ok() && result->subject.empty()) __builtin_trap();  // a subject is always required
  return 0;
}
