#include "rtc/srtp_session.h"

#include <srtp2/srtp.h>

#include <mutex>

namespace stagecast::rtc {
namespace {

constexpr size_t kRtpHeader = 12;   // RFC 3550 5.1
constexpr size_t kRtcpHeader = 8;   // RFC 3550 6.4 (header and sender SSRC)
constexpr size_t kSrtcpIndex = 4;   // RFC 3711 3.4 (E flag and SRTCP index)
constexpr size_t kMaxPacket = 65535;

// libsrtp2 wants srtp_init() once per process before any session; call_once makes the first
// session on any thread do it, and the result is the same for every later caller.
srtp_err_status_t initialise_libsrtp() {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_ok;
  std::call_once(once, [] { status = srtp_init(); });
  return status;
}

size_t tag_length(SrtpProfile profile) {
  return profile == SrtpProfile::AeadAes128Gcm ? 16 : 10;  // RFC 7714 14.2; RFC 5764 4.1.2
}

SrtpStatus status_of(srtp_err_status_t s) {
  switch (s) {
    case srtp_err_status_ok:
      return SrtpStatus::Ok;
    case srtp_err_status_auth_fail:
    case srtp_err_status_cipher_fail:  // AEAD reports a bad tag as a cipher failure
      return SrtpStatus::AuthFailed;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      return SrtpStatus::Replayed;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
      return SrtpStatus::BadLength;
    default:
      return SrtpStatus::Failed;
  }
}

void set_policy(srtp_policy_t& policy, SrtpProfile profile) {
  if (profile == SrtpProfile::AeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
}

using Operation = srtp_err_status_t (*)(srtp_t, void*, int*);

// Runs a libsrtp2 operation in place. Protecting grows the packet by at most
// SRTP_MAX_TRAILER_LEN; a failed operation leaves `packet` unchanged.
SrtpStatus run(srtp_t ctx, Operation op, Bytes& packet, bool grows) {
  const size_t original = packet.size();
  if (grows) packet.resize(original + SRTP_MAX_TRAILER_LEN);
  int len = static_cast<int>(original);
  srtp_err_status_t s = op(ctx, packet.data(), &len);
  if (s != srtp_err_status_ok || len < 0 || static_cast<size_t>(len) > packet.size()) {
    packet.resize(original);
    return s == srtp_err_status_ok ? SrtpStatus::Failed : status_of(s);
  }
  packet.resize(static_cast<size_t>(len));
  return SrtpStatus::Ok;
}

}  // namespace

std::string_view srtp_status_name(SrtpStatus status) {
  switch (status) {
    case SrtpStatus::Ok: return "ok";
    case SrtpStatus::AuthFailed: return "auth_failed";
    case SrtpStatus::Replayed: return "replayed";
    case SrtpStatus::BadLength: return "bad_length";
    case SrtpStatus::Failed: return "failed";
  }
  return "failed";
}

void SrtpSession::ContextFree::operator()(srtp_ctx_t_* ctx) const { (void)srtp_dealloc(ctx); }

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(const SrtpKeys& keys,
                                                         SrtpSessionOptions options) {
  const size_t want = srtp_master_key_length(keys.profile) + srtp_master_salt_length(keys.profile);
  if (keys.inbound.size() != want || keys.outbound.size() != want) {
    return make_error("srtp_bad_keys", "SRTP master key and salt of the wrong length");
  }
  if (initialise_libsrtp() != srtp_err_status_ok) {
    return make_error("srtp_init_failed", "libsrtp2 did not initialise");
  }
  std::unique_ptr<SrtpSession> session(new SrtpSession(keys.profile));
  auto make = [&](const Bytes& key, srtp_ssrc_type_t direction,
                  std::unique_ptr<srtp_ctx_t_, ContextFree>& out, bool repeat_tx) {
    srtp_policy_t policy{};
    set_policy(policy, keys.profile);
    policy.ssrc.type = direction;  // every SSRC of the session shares the DTLS-derived key
    policy.key = const_cast<unsigned char*>(key.data());  // libsrtp2 copies it, never writes
    policy.window_size = options.replay_window;
    policy.allow_repeat_tx = repeat_tx ? 1 : 0;
    policy.next = nullptr;
    srtp_t ctx = nullptr;
    srtp_err_status_t s = srtp_create(&ctx, &policy);
    out.reset(ctx);
    return s;
  };
  if (make(keys.inbound, ssrc_any_inbound, session->inbound_, false) != srtp_err_status_ok ||
      make(keys.outbound, ssrc_any_outbound, session->outbound_, options.retransmits) !=
          srtp_err_status_ok) {
    return make_error("srtp_create_failed", "libsrtp2 refused the SRTP policy");
  }
  return session;
}

SrtpSession::~SrtpSession() = default;

SrtpStatus SrtpSession::unprotect_rtp(Bytes& packet) {
  if (packet.size() < kRtpHeader + tag_length(profile_) || packet.size() > kMaxPacket) {
    return SrtpStatus::BadLength;
  }
  return run(inbound_.get(), &srtp_unprotect, packet, false);
}

SrtpStatus SrtpSession::unprotect_rtcp(Bytes& packet) {
  if (packet.size() < kRtcpHeader + kSrtcpIndex + tag_length(profile_) ||
      packet.size() > kMaxPacket) {
    return SrtpStatus::BadLength;
  }
  return run(inbound_.get(), &srtp_unprotect_rtcp, packet, false);
}

SrtpStatus SrtpSession::protect_rtcp(Bytes& packet) {
  if (packet.size() < kRtcpHeader || packet.size() > kMaxPacket - SRTP_MAX_TRAILER_LEN) {
    return SrtpStatus::BadLength;
  }
  return run(outbound_.get(), &srtp_protect_rtcp, packet, true);
}

SrtpStatus SrtpSession::protect_rtp(Bytes& packet) {
  if (packet.size() < kRtpHeader || packet.size() > kMaxPacket - SRTP_MAX_TRAILER_LEN) {
    return SrtpStatus::BadLength;
  }
  return run(outbound_.get(), &srtp_protect, packet, true);
}

}  // namespace stagecast::rtc
