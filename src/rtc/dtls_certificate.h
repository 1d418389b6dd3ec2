#pragma once
// The DTLS identity of this server (RFC 5763 5): an ECDSA P-256 self-signed certificate made at
// start, announced by its SHA-256 fingerprint in every SDP answer (RFC 8122 5), and the check of
// a peer's certificate against the fingerprint its offer announced. Self-signed certificates are
// the rule in WebRTC: the fingerprint, carried by the authenticated signalling, is the trust.

#include <openssl/types.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "rtc/sdp_description.h"

namespace stagecast::rtc {

struct X509Free {
  void operator()(X509* x) const;
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const;
};

class DtlsCertificate {
 public:
  // A fresh key pair and certificate, valid from a day ago (clock skew) for `validity_days`.
  // Fails only when OpenSSL does (start-up error).
  static Result<DtlsCertificate> generate(std::string_view common_name = "stagecast",
                                          int validity_days = 30);

  X509* certificate() const { return cert_.get(); }
  EVP_PKEY* private_key() const { return key_.get(); }
  // "AB:CD:...": 32 upper-case hex pairs (AnswerOptions::fingerprint_sha256).
  const std::string& fingerprint_sha256() const { return fingerprint_; }
  // The SDP attribute value: "sha-256 AB:CD:...".
  std::string sdp_fingerprint() const { return "sha-256 " + fingerprint_; }

 private:
  DtlsCertificate(std::unique_ptr<X509, X509Free> cert, std::unique_ptr<EVP_PKEY, EvpPkeyFree> key,
                  std::string fingerprint)
      : cert_(std::move(cert)), key_(std::move(key)), fingerprint_(std::move(fingerprint)) {}

  std::unique_ptr<X509, X509Free> cert_;
  std::unique_ptr<EVP_PKEY, EvpPkeyFree> key_;
  std::string fingerprint_;
};

// The fingerprint of `cert` with `algorithm` ("sha-256", "sha-384", "sha-512", "sha-1"; RFC 8122
// 5 names them in lower case) as upper-case hex pairs joined by colons; an unknown algorithm is
// an error (dtls_unsupported_hash).
Result<std::string> certificate_fingerprint(X509* cert, std::string_view algorithm);

// RFC 8122 5 / RFC 5763 5: true when the peer's certificate has the fingerprint its SDP announced
// (any one of them, when several are given). Hex is compared case-insensitively and in constant
// time; an unknown algorithm never matches.
bool fingerprint_matches(X509* peer_cert, std::span<const SdpFingerprint> expected);

}  // namespace stagecast::rtc
