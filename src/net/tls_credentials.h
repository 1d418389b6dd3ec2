#pragma once
// The server's TLS certificate and key (HTTPS, WSS, RTMPS), loaded from PEM files and reloadable
// while the server runs. Each reload builds a fresh OpenSSL context; a new connection takes the
// current one, an established connection keeps the one it was accepted with (its SSL object holds
// a reference), so a reload never touches a connection in flight. A reload that fails (a missing
// file, a key that does not match the certificate) keeps the current certificate.
//
// ALPN (RFC 7301) is chosen per connection: the listener marks each SSL object with what it
// offers (HTTP/1.1; h2 first when HTTP/2 is on; nothing for RTMPS) and one callback on the shared
// context picks the server's first protocol the client also offered.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::net {

struct TlsFiles {
  std::string certificate_chain;  // PEM: the leaf first, then intermediates
  std::string private_key;        // PEM, unencrypted
};

// What the logs say about a certificate: never any key material.
struct TlsCertificateInfo {
  std::string subject;
  std::string not_after;           // as OpenSSL prints it, e.g. "Dec  6 07:00:00 2027 GMT"
  std::string sha256_fingerprint;  // colon-separated hex of the leaf's DER
};

enum class AlpnOffer {
  None,         // no ALPN answer (RTMPS)
  Http11,       // "http/1.1"
  H2AndHttp11,  // "h2" preferred, then "http/1.1"
};

class TlsCredentials {
 public:
  // Reads and checks the files. Error "tls_certificate" names the file and the reason.
  static Result<std::shared_ptr<TlsCredentials>> load(TlsFiles files);

  // Reads the same files again. On success new handshakes use the new certificate; on failure
  // the current one stays and the error says why. Thread-safe; blocking (file reads): call it
  // off the I/O threads.
  Result<TlsCertificateInfo> reload();

  // The context for a new connection. Thread-safe, cheap.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  TlsCertificateInfo info() const;
  const TlsFiles& files() const { return files_; }

 private:
  explicit TlsCredentials(TlsFiles files) : files_(std::move(files)) {}

  const TlsFiles files_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  TlsCertificateInfo info_;
};

// Marks a server-side SSL object (before its handshake) with what ALPN offers it answers with.
void set_alpn_offer(SSL* ssl, AlpnOffer offer);
// What a failed server handshake was, for metrics and logs: "timeout", "closed" (the peer went
// away), "plain_http" (an HTTP request sent to a TLS port), "protocol" (anything else TLS
// refused: garbage, no shared cipher, a truncated record), "aborted" (closed by us), "other".
const char* tls_handshake_failure(const boost::system::error_code& ec);
// The protocol ALPN chose for a connection whose handshake completed; empty when none.
std::string_view negotiated_alpn(SSL* ssl);

}  // namespace stagecast::net
