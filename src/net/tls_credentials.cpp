#include "net/tls_credentials.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <cstdio>

namespace stagecast::net {

namespace ssl = boost::asio::ssl;

namespace {

// ALPN wire format (RFC 7301 3.1): length-prefixed names, the server's preference first.
constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kH2AndHttp11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

int alpn_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
  const auto offer =
      static_cast<AlpnOffer>(reinterpret_cast<uintptr_t>(SSL_get_ex_data(ssl, alpn_index())));
  const unsigned char* ours = nullptr;
  unsigned int ours_len = 0;
  if (offer == AlpnOffer::Http11) {
    ours = kHttp11;
    ours_len = sizeof(kHttp11);
  } else if (offer == AlpnOffer::H2AndHttp11) {
    ours = kH2AndHttp11;
    ours_len = sizeof(kH2AndHttp11);
  } else {
    return SSL_TLSEXT_ERR_NOACK;
  }
  unsigned char* chosen = nullptr;
  // The server's order decides (the first argument's list).
  if (SSL_select_next_proto(&chosen, outlen, ours, ours_len, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    // Nothing in common (a client offering only protocols we do not speak): go on without
    // ALPN; the connection is then HTTP/1.1, which any HTTPS client may assume.
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

std::string openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
  }
  return out;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

TlsCertificateInfo describe(X509* cert) {
  TlsCertificateInfo info;
  if (cert == nullptr) return info;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    info.subject = bio_text(bio);
    BIO_free(bio);
  }
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    ASN1_TIME_print(bio, X509_get0_notAfter(cert));
    info.not_after = bio_text(bio);
    BIO_free(bio);
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md.data(), &len) == 1) {
    for (unsigned int i = 0; i < len; ++i) {
      char hex[4];
      std::snprintf(hex, sizeof(hex), i + 1 < len ? "%02X:" : "%02X", md[i]);
      info.sha256_fingerprint += hex;
    }
  }
  return info;
}

struct Built {
  std::shared_ptr<ssl::context> context;
  TlsCertificateInfo info;
};

Result<Built> build(const TlsFiles& files) {
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
  ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return ""; });
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.certificate_chain, ec);
  if (ec) {
    return make_error("tls_certificate", "cannot load the certificate chain " +
                                             files.certificate_chain + ": " + ec.message() + " " +
                                             openssl_errors());
  }
  ctx->use_private_key_file(files.private_key, ssl::context::pem, ec);
  if (ec && ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    ERR_clear_error();
    return make_error("tls_certificate", "the private key " + files.private_key +
                                             " does not match the certificate " +
                                             files.certificate_chain);
  }
  if (ec) {
    return make_error("tls_certificate", "cannot load the private key " + files.private_key +
                                             " (it must be PEM, unencrypted): " + ec.message() +
                                             " " + openssl_errors());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return make_error("tls_certificate", "the private key " + files.private_key +
                                             " does not match the certificate " +
                                             files.certificate_chain);
  }
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  Built b;
  b.info = describe(SSL_CTX_get0_certificate(native));
  b.context = std::move(ctx);
  ERR_clear_error();
  return b;
}

}  // namespace

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::load(TlsFiles files) {
  auto built = build(files);
  if (!built) return built.error();
  std::shared_ptr<TlsCredentials> creds(new TlsCredentials(std::move(files)));
  creds->context_ = std::move(built->context);
  creds->info_ = std::move(built->info);
  return creds;
}

Result<TlsCertificateInfo> TlsCredentials::reload() {
  auto built = build(files_);
  if (!built) return built.error();
  std::lock_guard lock(mu_);
  context_ = std::move(built->context);
  info_ = built->info;
  return built->info;
}

std::shared_ptr<ssl::context> TlsCredentials::current() const {
  std::lock_guard lock(mu_);
  return context_;
}

TlsCertificateInfo TlsCredentials::info() const {
  std::lock_guard lock(mu_);
  return info_;
}

const char* tls_handshake_failure(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  if (ec == boost::beast::error::timeout) return "timeout";
  if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return "aborted";
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
      ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    return "closed";
  if (ec.category() == asio::error::get_ssl_category()) {
    if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST)
      return "plain_http";
    return "protocol";
  }
  return "other";
}

void set_alpn_offer(SSL* ssl, AlpnOffer offer) {
  SSL_set_ex_data(ssl, alpn_index(),
                  reinterpret_cast<void*>(static_cast<uintptr_t>(offer)));  // NOLINT
}

std::string_view negotiated_alpn(SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &data, &len);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), len};
}

}  // namespace stagecast::net
