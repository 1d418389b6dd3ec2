#include "rtc/dtls_certificate.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <cctype>

namespace stagecast::rtc {

void X509Free::operator()(X509* x) const { X509_free(x); }
void EvpPkeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

namespace {

const EVP_MD* digest_named(std::string_view algorithm) {
  // RFC 8122 5: hash function names are case-insensitive tokens from the IANA registry.
  std::string lower;
  for (char c : algorithm) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "sha-256") return EVP_sha256();
  if (lower == "sha-384") return EVP_sha384();
  if (lower == "sha-512") return EVP_sha512();
  if (lower == "sha-1") return EVP_sha1();
  return nullptr;
}

Error openssl_error(std::string_view what) {
  return make_error("dtls_certificate_failed", std::string(what) + " failed");
}

}  // namespace

Result<DtlsCertificate> DtlsCertificate::generate(std::string_view common_name,
                                                  int validity_days) {
  // ECDSA P-256: what browsers generate themselves (RFC 8827 6.5 asks for ECDSA support), small
  // enough that the Certificate message fits one datagram.
  std::unique_ptr<EVP_PKEY, EvpPkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) return openssl_error("EVP_EC_gen(P-256)");

  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return openssl_error("X509_new");

  // A random positive 63-bit serial: two certificates of one host never share one.
  std::array<unsigned char, 8> serial{};
  if (RAND_bytes(serial.data(), static_cast<int>(serial.size())) != 1) {
    return openssl_error("RAND_bytes");
  }
  serial[0] &= 0x7f;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr), BN_free);
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return openssl_error("serial number");
  }

  constexpr long kDay = 24L * 60 * 60;
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kDay) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kDay * validity_days) == nullptr) {
    return openssl_error("validity");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn(common_name);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1 ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return openssl_error("X509_sign");
  }

  auto fingerprint = certificate_fingerprint(cert.get(), "sha-256");
  if (!fingerprint.ok()) return fingerprint.error();
  return DtlsCertificate(std::move(cert), std::move(key), std::move(*fingerprint));
}

Result<std::string> certificate_fingerprint(X509* cert, std::string_view algorithm) {
  const EVP_MD* md = digest_named(algorithm);
  if (md == nullptr) return make_error("dtls_unsupported_hash", "unsupported fingerprint hash");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (cert == nullptr || X509_digest(cert, md, digest.data(), &len) != 1) {
    return openssl_error("X509_digest");
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(len * 3);
  for (unsigned int i = 0; i < len; ++i) {
    if (i) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

bool fingerprint_matches(X509* peer_cert, std::span<const SdpFingerprint> expected) {
  if (peer_cert == nullptr) return false;
  bool matched = false;
  for (const auto& want : expected) {
    auto have = certificate_fingerprint(peer_cert, want.algorithm);
    if (!have.ok() || have->size() != want.value.size()) continue;
    std::string upper = want.value;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // The fingerprint is public, but a constant-time compare costs nothing here.
    if (CRYPTO_memcmp(have->data(), upper.data(), upper.size()) == 0) matched = true;
  }
  return matched;
}

}  // namespace stagecast::rtc
