#include "rtc/dtls_transport.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

namespace stagecast::rtc {

std::string_view srtp_profile_name(SrtpProfile profile) {
  return profile == SrtpProfile::AeadAes128Gcm ? "SRTP_AEAD_AES_128_GCM"
                                               : "SRTP_AES128_CM_SHA1_80";
}

void SslCtxFree::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
void SslFree::operator()(SSL* ssl) const { SSL_free(ssl); }

namespace {

// RFC 5764 4.1.2: our preference first (OpenSSL's server picks by its own order). GCM
// (RFC 7714) costs one AES pass instead of AES plus HMAC-SHA1.
constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
// Our certificate is ECDSA, so only ECDHE-ECDSA suites can be chosen; AEAD first, the CBC ones
// for older stacks (RFC 8827 6.5 requires TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256).
constexpr const char* kCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA";
constexpr std::string_view kExporterLabel = "EXTRACTOR-dtls_srtp";  // RFC 5764 4.2
constexpr size_t kRecordHeader = 13;
constexpr size_t kMaxRecordBody = 16384 + 2048;  // RFC 6347 4.1 (DTLSCiphertext.length)

// RFC 6347 4.1: a datagram holds whole records, each a 13-byte header (type, version, epoch,
// sequence number, length) and that many bytes. We take change_cipher_spec, alert, handshake
// and application_data (RFC 5246 6.2.1; heartbeat is never negotiated) in DTLS 1.0 (the
// ClientHello's record version) or 1.2.
bool well_formed_records(ByteSpan datagram) {
  ByteReader r(datagram);
  if (r.empty()) return false;
  while (!r.empty()) {
    if (r.remaining() < kRecordHeader) return false;
    auto type = r.u8();
    auto major = r.u8();
    auto minor = r.u8();
    if (!type || !major || !minor || !r.skip(8)) return false;
    auto length = r.u16be();
    if (!length) return false;
    if (*type < 20 || *type > 23) return false;
    if (*major != 0xfe || (*minor != 0xff && *minor != 0xfd)) return false;
    if (*length > kMaxRecordBody || !r.skip(*length)) return false;
  }
  return true;
}

std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown";
}

}  // namespace

const BIO_METHOD* DtlsTransport::output_method() {
  // Built once, never changed afterwards (C++ guarantees one thread initialises it).
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "stagecast-dtls");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, &DtlsTransport::bio_write);
    BIO_meth_set_ctrl(m, &DtlsTransport::bio_ctrl);
    BIO_meth_set_create(m, [](BIO* bio) {
      BIO_set_init(bio, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

// Every call is one whole record (OpenSSL writes DTLS records one by one); records are packed
// into datagrams of at most the MTU (RFC 6347 4.1.1 allows several per datagram).
int DtlsTransport::bio_write(BIO* bio, const char* data, int len) {
  auto* self = static_cast<DtlsTransport*>(BIO_get_data(bio));
  if (self == nullptr || len < 0) return -1;
  auto n = static_cast<size_t>(len);
  auto* bytes = reinterpret_cast<const uint8_t*>(data);
  auto& out = self->output_;
  if (out.empty() || out.back().size() + n > self->options_.mtu) out.emplace_back();
  out.back().insert(out.back().end(), bytes, bytes + n);
  return len;
}

long DtlsTransport::bio_ctrl(BIO*, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;  // nothing is held back: each record is already in output_
    default:
      return 0;  // no MTU query, no peer address, no timeouts: a memory sink
  }
}

int DtlsTransport::verify_peer(X509_STORE_CTX* store, void* arg) {
  // Replaces chain building: the peer's certificate is self-signed and trusted only through the
  // fingerprint in its offer (RFC 5763 5; RFC 8122 5). OpenSSL still checks the
  // CertificateVerify signature, so the peer holds the key of the certificate we match here.
  auto* self = static_cast<DtlsTransport*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (!fingerprint_matches(leaf, self->remote_fingerprints_)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    self->fail("dtls_fingerprint_mismatch",
               "the peer's certificate does not match the fingerprint of its offer");
    return 0;
  }
  self->fingerprint_checked_ = true;
  return 1;
}

unsigned int DtlsTransport::next_retransmit_us(SSL* ssl, unsigned int previous_us) {
  const auto* self = static_cast<const DtlsTransport*>(SSL_get_app_data(ssl));
  auto initial = std::chrono::duration_cast<std::chrono::microseconds>(
      self->options_.initial_retransmit).count();
  auto ceiling = std::chrono::duration_cast<std::chrono::microseconds>(
      self->options_.max_retransmit).count();
  long long next = previous_us == 0 ? initial : 2LL * previous_us;  // RFC 6347 4.2.4.1
  long long highest = std::max<long long>(1000, std::min<long long>(ceiling, 3'600'000'000LL));
  return static_cast<unsigned int>(std::clamp<long long>(next, 1000, highest));
}

DtlsTransport::DtlsTransport(DtlsTransportOptions options, std::vector<SdpFingerprint> remote,
                             TimePoint now)
    : options_(options),
      remote_fingerprints_(std::move(remote)),
      deadline_(now + options.handshake_timeout) {}

DtlsTransport::~DtlsTransport() = default;

Result<std::unique_ptr<DtlsTransport>> DtlsTransport::create(
    const DtlsCertificate& certificate, std::vector<SdpFingerprint> remote_fingerprints,
    TimePoint now, DtlsTransportOptions options) {
  if (remote_fingerprints.empty()) {
    return make_error("dtls_no_fingerprint", "no remote fingerprint to check the peer against");
  }
  auto fail = [](std::string_view what) {
    return make_error("dtls_setup_failed", std::string(what) + ": " + openssl_reason());
  };
  std::unique_ptr<DtlsTransport> t(new DtlsTransport(options, std::move(remote_fingerprints), now));

  ERR_clear_error();
  const bool client = options.role == DtlsRole::Client;
  t->ctx_.reset(SSL_CTX_new(client ? DTLS_client_method() : DTLS_server_method()));
  SSL_CTX* ctx = t->ctx_.get();
  if (ctx == nullptr) return fail("SSL_CTX_new");
  // DTLS 1.2 only (RFC 8827 6.5): 1.0 lacks the AEAD suites.
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx, certificate.certificate()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, certificate.private_key()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1 || SSL_CTX_set_cipher_list(ctx, kCiphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
    return fail("SSL_CTX setup");
  }
  // RFC 5764 4.1.1: use_srtp; note the inverted return value (0 is success).
  if (SSL_CTX_set_tlsext_use_srtp(ctx, kSrtpProfiles) != 0) return fail("use_srtp");
  // RFC 5763 5: the client must present a certificate (and a server always does); verify_peer
  // decides on its fingerprint.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &DtlsTransport::verify_peer, t.get());
  // No resumption (every session has a fresh certificate pair), no renegotiation (it would
  // change the SRTP keys under us), our cipher order, and an MTU we set rather than probe.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_QUERY_MTU);
  // A peer's certificate list is small; refuse a huge one before buffering it.
  SSL_CTX_set_max_cert_list(ctx, 16 * 1024);

  t->ssl_.reset(SSL_new(ctx));
  SSL* ssl = t->ssl_.get();
  if (ssl == nullptr) return fail("SSL_new");
  SSL_set_app_data(ssl, t.get());

  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(output_method());
  if (rbio == nullptr || wbio == nullptr) {
    BIO_free(rbio);
    BIO_free(wbio);
    return fail("BIO_new");
  }
  BIO_set_mem_eof_return(rbio, -1);  // empty means "would block", not end of stream
  BIO_set_data(wbio, t.get());
  SSL_set_bio(ssl, rbio, wbio);  // the SSL owns both from here
  t->rbio_ = rbio;

  SSL_set_mtu(ssl, static_cast<long>(options.mtu));
  DTLS_set_link_mtu(ssl, static_cast<long>(options.mtu));
  DTLS_set_timer_cb(ssl, &DtlsTransport::next_retransmit_us);
  if (client) {
    SSL_set_connect_state(ssl);
  } else {
    SSL_set_accept_state(ssl);
  }
  return t;
}

std::vector<Bytes> DtlsTransport::start(TimePoint now) {
  if (options_.role != DtlsRole::Client || started_ || state_ != DtlsState::Connecting) return {};
  started_ = true;
  advance_handshake(now);
  return take_output();
}

std::vector<Bytes> DtlsTransport::receive(ByteSpan datagram, TimePoint now) {
  if (state_ == DtlsState::Failed || state_ == DtlsState::Closed) return {};
  if (datagram.size() > options_.max_datagram) {
    fail("dtls_datagram_too_large", "a DTLS datagram over the size limit");
    return take_output();
  }
  if (!well_formed_records(datagram)) {
    fail("dtls_malformed_record", "a datagram that is not a sequence of DTLS records");
    return take_output();
  }
  if (BIO_write(rbio_, datagram.data(), static_cast<int>(datagram.size())) !=
      static_cast<int>(datagram.size())) {
    fail("dtls_handshake_failed", "could not buffer the datagram");
    return take_output();
  }
  if (state_ == DtlsState::Connecting) {
    advance_handshake(now);
  } else {
    read_after_handshake();
  }
  // OpenSSL reads a whole datagram at a time; whatever it left (nothing, normally) must not
  // be taken for the start of the next one.
  (void)BIO_reset(rbio_);
  return take_output();
}

void DtlsTransport::advance_handshake(TimePoint now) {
  if (now >= deadline_) {
    fail("dtls_handshake_timeout", "the DTLS handshake did not finish in time");
    return;
  }
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_.get());
  if (state_ == DtlsState::Failed) {  // verify_peer refused the certificate
    ERR_clear_error();
    return;
  }
  if (r == 1) {
    complete_handshake();
    if (state_ == DtlsState::Connected) read_after_handshake();
    return;
  }
  int err = SSL_get_error(ssl_.get(), r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
  fail("dtls_handshake_failed", "DTLS handshake failed: " + openssl_reason());
}

void DtlsTransport::complete_handshake() {
  SSL* ssl = ssl_.get();
  // verify_peer ran (SSL_VERIFY_FAIL_IF_NO_PEER_CERT): checked again so that a change of
  // OpenSSL's callback order can never let an unchecked peer through.
  if (!fingerprint_checked_ || !fingerprint_matches(SSL_get0_peer_certificate(ssl),
                                                    remote_fingerprints_)) {
    fail("dtls_fingerprint_mismatch", "the peer's certificate was not verified");
    return;
  }
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl);
  if (selected == nullptr) {
    fail("dtls_no_srtp_profile", "the peer offered no SRTP profile we support");
    return;
  }
  SrtpProfile profile;
  if (selected->id == SRTP_AEAD_AES_128_GCM) {
    profile = SrtpProfile::AeadAes128Gcm;
  } else if (selected->id == SRTP_AES128_CM_SHA1_80) {
    profile = SrtpProfile::Aes128CmHmacSha1_80;
  } else {
    fail("dtls_no_srtp_profile", "an SRTP profile we did not offer");
    return;
  }

  // RFC 5764 4.2: client_write_SRTP_master_key | server_write_SRTP_master_key |
  // client_write_SRTP_master_salt | server_write_SRTP_master_salt.
  const size_t key = srtp_master_key_length(profile);
  const size_t salt = srtp_master_salt_length(profile);
  std::array<uint8_t, 2 * (16 + 14)> material{};
  const size_t total = 2 * (key + salt);
  if (SSL_export_keying_material(ssl, material.data(), total, kExporterLabel.data(),
                                 kExporterLabel.size(), nullptr, 0, 0) != 1) {
    fail("dtls_export_failed", "exporting the SRTP keys failed: " + openssl_reason());
    return;
  }
  SrtpKeys keys;
  keys.profile = profile;
  auto append = [&](Bytes& to, size_t offset, size_t n) {
    to.insert(to.end(), material.begin() + static_cast<std::ptrdiff_t>(offset),
              material.begin() + static_cast<std::ptrdiff_t>(offset + n));
  };
  Bytes& client_keys = options_.role == DtlsRole::Client ? keys.outbound : keys.inbound;
  Bytes& server_keys = options_.role == DtlsRole::Client ? keys.inbound : keys.outbound;
  append(client_keys, 0, key);                // client key
  append(client_keys, 2 * key, salt);         // client salt
  append(server_keys, key, key);              // server key
  append(server_keys, 2 * key + salt, salt);  // server salt
  OPENSSL_cleanse(material.data(), material.size());
  keys_ = std::move(keys);
  state_ = DtlsState::Connected;
}

void DtlsTransport::read_after_handshake() {
  // The peer's retransmitted Finished makes OpenSSL resend our last flight from in here; an
  // application record is a data channel we never offered; close_notify ends the session.
  std::array<uint8_t, 2048> scratch{};
  for (int i = 0; i < 64; ++i) {
    ERR_clear_error();
    int r = SSL_read(ssl_.get(), scratch.data(), static_cast<int>(scratch.size()));
    if (r > 0) {
      ++dropped_application_;
      continue;
    }
    int err = SSL_get_error(ssl_.get(), r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    if (err == SSL_ERROR_ZERO_RETURN) {
      state_ = DtlsState::Closed;
      return;
    }
    fail("dtls_handshake_failed", "DTLS failed after the handshake: " + openssl_reason());
    return;
  }
}

std::optional<DtlsTransport::TimePoint> DtlsTransport::next_timeout(TimePoint now) const {
  if (state_ == DtlsState::Failed || state_ == DtlsState::Closed) return std::nullopt;
  std::optional<TimePoint> next;
  if (state_ == DtlsState::Connecting) next = deadline_;
  timeval left{};
  if (DTLSv1_get_timeout(ssl_.get(), &left) == 1) {
    auto at = now + std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
    if (!next || at < *next) next = at;
  }
  return next;
}

std::vector<Bytes> DtlsTransport::handle_timeout(TimePoint now) {
  if (state_ == DtlsState::Failed || state_ == DtlsState::Closed) return {};
  if (state_ == DtlsState::Connecting && now >= deadline_) {
    fail("dtls_handshake_timeout", "the DTLS handshake did not finish in time");
    return take_output();
  }
  ERR_clear_error();
  if (DTLSv1_handle_timeout(ssl_.get()) < 0) {  // OpenSSL gave up retransmitting
    fail("dtls_handshake_timeout", "no answer to the retransmitted DTLS flight");
  }
  ERR_clear_error();
  return take_output();
}

std::vector<Bytes> DtlsTransport::close() {
  if (state_ == DtlsState::Connected) {
    ERR_clear_error();
    (void)SSL_shutdown(ssl_.get());  // close_notify (RFC 5246 7.2.1); we do not wait for theirs
    ERR_clear_error();
  }
  if (state_ != DtlsState::Failed) state_ = DtlsState::Closed;
  return take_output();
}

void DtlsTransport::fail(std::string code, std::string message) {
  if (state_ == DtlsState::Failed) return;
  state_ = DtlsState::Failed;
  failure_ = make_error(std::move(code), std::move(message));
  keys_.reset();
}

std::vector<Bytes> DtlsTransport::take_output() { return std::exchange(output_, {}); }

}  // namespace stagecast::rtc
