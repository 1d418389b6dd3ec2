#pragma once
// DTLS 1.2 server endpoint of a WebRTC session (RFC 5763, 5764; RFC 6347), without a socket:
// datagrams the demultiplexer classified as DTLS go in by receive(), the datagrams to send come
// back from every call, retransmission is driven by the caller's timer (next_timeout() /
// handle_timeout()). The server answers `a=setup:passive` (WHIP and WHEP sessions); the client
// role (`a=setup:active`) is for the fan-out benchmark's viewers (bench/webrtc), which call start()
// to send the ClientHello.
//
// Trust (RFC 5763 5): the peer's certificate is self-signed; it is accepted when, and only
// when, its fingerprint equals one its SDP offer announced. On completion the SRTP profile
// negotiated by use_srtp and the keys exported per RFC 5764 4.2 are available.
//
// Bounded: an oversized datagram or one that is not a sequence of well-formed DTLS records fails
// the transport for good (the session ends), as does any fatal alert, a handshake that does not
// finish in time, or too many retransmissions. Nothing here throws on network bytes.

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "rtc/dtls_certificate.h"
#include "rtc/sdp_description.h"
#include "rtc/srtp_keys.h"

struct bio_method_st;  // BIO_METHOD (openssl/bio.h), kept out of this header

namespace stagecast::rtc {

enum class DtlsState : uint8_t { Connecting, Connected, Failed, Closed };
enum class DtlsRole : uint8_t { Server, Client };

struct DtlsTransportOptions {
  // Largest datagram we write; records are coalesced up to it (RFC 6347 4.1.1). 1200 leaves room
  // for IPv6, UDP and the RFC 4571 prefix on any path WebRTC runs over.
  size_t mtu = 1200;
  // Largest datagram we take; a larger one fails the transport.
  size_t max_datagram = 8192;
  // RFC 6347 4.2.4.1: 1 s, doubled on every retransmission up to 60 s.
  std::chrono::milliseconds initial_retransmit{1000};
  std::chrono::milliseconds max_retransmit{60000};
  // The whole handshake, from create() (the peer passed ICE; browsers give up after about 30 s).
  std::chrono::milliseconds handshake_timeout{30000};
  // Server: waits for a ClientHello. Client: start() sends one; the server must present a
  // certificate matching the remote fingerprint.
  DtlsRole role = DtlsRole::Server;
};

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const;
};
struct SslFree {
  void operator()(SSL* ssl) const;
};

class DtlsTransport {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `remote_fingerprints`: the a=fingerprint values of the offer (at least one). Fails only on
  // OpenSSL errors or no fingerprint to check against.
  static Result<std::unique_ptr<DtlsTransport>> create(const DtlsCertificate& certificate,
                                                       std::vector<SdpFingerprint> remote_fingerprints,
                                                       TimePoint now,
                                                       DtlsTransportOptions options = {});
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // Client role: the first flight (ClientHello). Nothing for a server or once started.
  std::vector<Bytes> start(TimePoint now);

  // One datagram from the peer. Returns the datagrams to send (a flight, an alert, a
  // retransmitted final flight). Ignored once failed or closed.
  std::vector<Bytes> receive(ByteSpan datagram, TimePoint now);

  // When handle_timeout() should run next: OpenSSL's retransmission timer (which reads the system
  // clock: OpenSSL 3 has no clock hook) or the handshake deadline (the caller's clock), whichever
  // is first; nullopt when nothing is pending.
  std::optional<TimePoint> next_timeout(TimePoint now) const;
  // Retransmits the last flight when its timer expired (RFC 6347 4.2.4); fails the transport
  // past the handshake deadline or after too many retransmissions.
  std::vector<Bytes> handle_timeout(TimePoint now);

  // Sends close_notify (when connected) and moves to Closed.
  std::vector<Bytes> close();

  DtlsState state() const { return state_; }
  // Why the transport failed (dtls_datagram_too_large, dtls_malformed_record,
  // dtls_fingerprint_mismatch, dtls_no_srtp_profile, dtls_handshake_failed,
  // dtls_handshake_timeout, dtls_export_failed); nullopt unless failed.
  const std::optional<Error>& failure() const { return failure_; }
  // Set once connected. `inbound` is always the peer's key (the client's for a server).
  const std::optional<SrtpKeys>& srtp_keys() const { return keys_; }
  // Peer application data (a data channel we did not offer) is counted and dropped.
  uint64_t dropped_application_records() const { return dropped_application_; }

 private:
  DtlsTransport(DtlsTransportOptions options, std::vector<SdpFingerprint> remote, TimePoint now);

  void advance_handshake(TimePoint now);
  void read_after_handshake();
  void complete_handshake();
  void fail(std::string code, std::string message);
  std::vector<Bytes> take_output();

  // OpenSSL callbacks (the SSL's app data and the write BIO's data point back here).
  static int verify_peer(X509_STORE_CTX* store, void* self);
  static unsigned int next_retransmit_us(SSL* ssl, unsigned int previous_us);
  static int bio_write(BIO* bio, const char* data, int len);
  static long bio_ctrl(BIO* bio, int cmd, long num, void* ptr);
  static const ::bio_method_st* output_method();  // a BIO_METHOD

  DtlsTransportOptions options_;
  std::vector<SdpFingerprint> remote_fingerprints_;
  TimePoint deadline_;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;  // owns both BIOs
  BIO* rbio_ = nullptr;
  std::vector<Bytes> output_;  // datagrams written by OpenSSL since the last take_output()
  DtlsState state_ = DtlsState::Connecting;
  std::optional<Error> failure_;
  std::optional<SrtpKeys> keys_;
  bool fingerprint_checked_ = false;
  bool started_ = false;
  uint64_t dropped_application_ = 0;
};

}  // namespace stagecast::rtc
