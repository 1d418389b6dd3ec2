#pragma once
// The ICE-lite answer to a STUN Binding request (RFC 8445 2.5 and 7.3, RFC 8489 6.3 and 9.1.3):
// one check order, each failure with its own outcome. Pure: the socket layer demultiplexes by
// the local ufrag (local_ufrag_of), looks the session's credentials up and sends `response`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "rtc/stun_message.h"

namespace stagecast::rtc {

struct IceCredentials {
  std::string ufrag;
  std::string password;
};

// Fresh local credentials from hex digits: ice-char is ALPHA / DIGIT / "+" / "/" (RFC 8839
// 5.4), which base64url's "-" and "_" are not. 32 hex digits of password are 128 random bits
// (RFC 8445 5.3).
IceCredentials fresh_ice_credentials();

// A quoted entity tag (RFC 9110 8.8.3) naming one set of credentials: a WHIP or WHEP session's
// ETag, which changes with an ICE restart (RFC 9725 4.3.1).
std::string ice_credentials_etag(const IceCredentials& ice);

enum class BindingOutcome : uint8_t {
  Accepted,  // send `response`: a success with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT
  Rejected,  // send `response`: an error (400 or 401), no MESSAGE-INTEGRITY
  Dropped,   // send nothing (not a binding request, or a fingerprint that does not match)
};

struct BindingResult {
  BindingOutcome outcome = BindingOutcome::Dropped;
  int error_code = 0;  // 400, 401 or 487 when Rejected
  std::string reason;  // for logs and counters; never includes credentials
  Bytes response;
  std::string remote_ufrag;  // Accepted: the peer's ufrag (after the colon of USERNAME)
  bool use_candidate = false;
  uint32_t priority = 0;
};

// The local ufrag a request is addressed to ("<local>:<remote>", RFC 8445 7.2.2), so one UDP
// port can serve every session. Empty when the message carries no usable USERNAME.
std::string_view local_ufrag_of(const StunMessage& message);

// Checks, in order: a Binding request (else Dropped); FINGERPRINT present and valid (Dropped:
// RFC 8445 7.3 discards a request failing it); USERNAME and MESSAGE-INTEGRITY present (400);
// USERNAME names `local` (401); MESSAGE-INTEGRITY under local.password (401); PRIORITY present
// (400, RFC 8445 7.1.1); the peer is controlling, as a lite agent's peer must be (487 otherwise).
BindingResult answer_binding_request(const StunMessage& request, const IceCredentials& local,
                                     const StunAddress& source);

// A Binding error response with FINGERPRINT (and no MESSAGE-INTEGRITY: RFC 8489 9.1.3 answers
// 400 and 401 without credentials).
Bytes build_binding_error(const StunTransactionId& id, int code, std::string_view reason);

// A Binding success response: XOR-MAPPED-ADDRESS of `source`, MESSAGE-INTEGRITY keyed with the
// local password, FINGERPRINT.
Bytes build_binding_success(const StunTransactionId& id, const StunAddress& source,
                            std::string_view local_password);

}  // namespace stagecast::rtc
