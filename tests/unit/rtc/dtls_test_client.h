#pragma once
// The peer of the DTLS tests: a plain OpenSSL DTLS 1.2 client over memory BIOs, with its own
// certificate, standing for the browser (which is the DTLS client: it offers actpass, we answer
// passive). It is written against OpenSSL directly so that DtlsTransport is checked against an
// implementation that is not itself.

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "rtc/dtls_certificate.h"
#include "rtc/dtls_transport.h"

namespace stagecast::rtc::test {

class DtlsTestClient {
 public:
  explicit DtlsTestClient(const std::string& srtp_profiles, unsigned int initial_timer_us = 1'000'000)
      : cert_(DtlsCertificate::generate("test-client").value()), initial_timer_us_(initial_timer_us) {
    ctx_.reset(SSL_CTX_new(DTLS_client_method()));
    SSL_CTX_use_certificate(ctx_.get(), cert_.certificate());
    SSL_CTX_use_PrivateKey(ctx_.get(), cert_.private_key());
    SSL_CTX_set_tlsext_use_srtp(ctx_.get(), srtp_profiles.c_str());
    // Like a browser: accept the self-signed certificate here, check its fingerprint afterwards.
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    ssl_.reset(SSL_new(ctx_.get()));
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_.get(), rbio_, wbio_);
    SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(ssl_.get(), 1200);
    SSL_set_app_data(ssl_.get(), &initial_timer_us_);
    DTLS_set_timer_cb(ssl_.get(), [](SSL* ssl, unsigned int previous) {
      return previous == 0 ? *static_cast<unsigned int*>(SSL_get_app_data(ssl)) : 2 * previous;
    });
    SSL_set_connect_state(ssl_.get());
  }

  // The client's own retransmission once its timer expired (new record sequence numbers).
  std::vector<Bytes> retransmit() {
    ERR_clear_error();
    (void)DTLSv1_handle_timeout(ssl_.get());
    return drain();
  }

  const DtlsCertificate& certificate() const { return cert_; }
  SdpFingerprint fingerprint() const { return {"sha-256", cert_.fingerprint_sha256()}; }
  SSL* ssl() const { return ssl_.get(); }

  // Runs the handshake as far as the input allows; returns what the client wrote, as one
  // datagram (several records in one datagram are allowed, RFC 6347 4.1.1), or nothing.
  std::vector<Bytes> step() {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_.get());
    if (r != 1) {
      int e = SSL_get_error(ssl_.get(), r);
      if (e != SSL_ERROR_WANT_READ) failed_ = true;
    }
    ERR_clear_error();
    return drain();
  }
  void deliver(const std::vector<Bytes>& datagrams) {
    for (const auto& d : datagrams) BIO_write(rbio_, d.data(), static_cast<int>(d.size()));
  }
  bool connected() const { return SSL_is_init_finished(ssl_.get()) == 1; }
  bool failed() const { return failed_; }

  // RFC 5764 4.2 material as the client sees it.
  Bytes exported(size_t length) const {
    Bytes out(length);
    static const std::string label = "EXTRACTOR-dtls_srtp";
    EXPECT_EQ(SSL_export_keying_material(ssl_.get(), out.data(), out.size(), label.data(),
                                         label.size(), nullptr, 0, 0),
              1);
    return out;
  }

 private:
  std::vector<Bytes> drain() {
    std::vector<Bytes> out;
    int pending = BIO_ctrl_pending(wbio_) > 0 ? static_cast<int>(BIO_ctrl_pending(wbio_)) : 0;
    if (pending > 0) {
      Bytes d(static_cast<size_t>(pending));
      EXPECT_EQ(BIO_read(wbio_, d.data(), pending), pending);
      out.push_back(std::move(d));
    }
    return out;
  }

  DtlsCertificate cert_;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  unsigned int initial_timer_us_;
  bool failed_ = false;
};

// Client and server talk until neither has anything to say (no loss).
inline void pump(DtlsTestClient& client, DtlsTransport& server,
                 std::chrono::steady_clock::time_point now) {
  for (int round = 0; round < 20; ++round) {
    auto to_server = client.step();
    if (to_server.empty()) break;
    for (const auto& d : to_server) client.deliver(server.receive(d, now));
  }
}

}  // namespace stagecast::rtc::test
