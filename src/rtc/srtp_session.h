#pragma once
// SRTP and SRTCP of one WebRTC session (RFC 3711; RFC 7714 for AEAD-GCM; RFC 5761 rtcp-mux),
// keyed by the DTLS handshake (RFC 5764 4.2) through libsrtp2. Inbound: the publisher's RTP and
// RTCP, replay-protected. Outbound: our RTCP (RR, NACK, PLI, REMB), and RTP for WHEP later.
//
// Every call works in place on one packet and returns a status the caller counts; nothing throws
// on network bytes. One session is used from one thread; libsrtp2's global initialisation is
// done once, whichever thread comes first.

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "rtc/srtp_keys.h"

struct srtp_ctx_t_;  // libsrtp2's srtp_t points to one

namespace stagecast::rtc {

enum class SrtpStatus : uint8_t {
  Ok,
  AuthFailed,  // the tag did not verify: a wrong key, a tampered or a foreign packet
  Replayed,    // seen before, or older than the replay window
  BadLength,   // too short for a header and tag, or a header that runs past the packet
  Failed,      // anything else libsrtp2 refused
};

// "ok", "auth_failed", "replayed", "bad_length", "failed": the label of a counter.
std::string_view srtp_status_name(SrtpStatus status);

struct SrtpSessionOptions {
  // Packets accepted behind the newest one. libsrtp2's default of 128 is a quarter of a second
  // of 720p video; NACKed packets that arrive late must still pass.
  unsigned long replay_window = 1024;
  // Lets protect_rtp() take a sequence number it already protected: a retransmission answering a
  // NACK with the very same packet (libsrtp2 refuses it as a replay otherwise). Safe only because
  // the payload is identical: the same key stream over different bytes would leak both.
  bool retransmits = false;
};

class SrtpSession {
 public:
  // Fails on keys of the wrong length for the profile, or libsrtp2 refusing to start.
  static Result<std::unique_ptr<SrtpSession>> create(const SrtpKeys& keys,
                                                     SrtpSessionOptions options = {});
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // SRTP to RTP: on Ok, `packet` is the plain RTP packet (shorter by the tag); otherwise it is
  // left as it was.
  SrtpStatus unprotect_rtp(Bytes& packet);
  // SRTCP to RTCP (RFC 3711 3.4: E flag and index, then the tag).
  SrtpStatus unprotect_rtcp(Bytes& packet);
  // RTCP to SRTCP, growing by the index and tag.
  SrtpStatus protect_rtcp(Bytes& packet);
  // RTP to SRTP (WHEP delivery).
  SrtpStatus protect_rtp(Bytes& packet);

  SrtpProfile profile() const { return profile_; }

 private:
  explicit SrtpSession(SrtpProfile profile) : profile_(profile) {}

  struct ContextFree {
    void operator()(srtp_ctx_t_* ctx) const;
  };
  SrtpProfile profile_;
  std::unique_ptr<srtp_ctx_t_, ContextFree> inbound_;
  std::unique_ptr<srtp_ctx_t_, ContextFree> outbound_;
};

}  // namespace stagecast::rtc
