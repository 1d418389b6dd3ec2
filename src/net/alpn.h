#pragma once
// ALPN (RFC 7301) for the TLS listener: the server picks "h2" (RFC 9113 3.2) when the client
// offers it and HTTP/2 is enabled, else "http/1.1"; a client offering neither gets no ALPN and
// speaks HTTP/1.1. After the handshake, negotiated_h2() tells which entry point serves the
// connection: serve_http2() (http2_connection.h) or the HTTP/1.1 session.

#include <openssl/ssl.h>

namespace stagecast::net {

// Installs the selection callback on a server context (call once per SSL_CTX, before accepting).
void enable_alpn(SSL_CTX* ctx, bool h2);

// True when the handshake on `ssl` selected "h2".
bool negotiated_h2(const SSL* ssl);

}  // namespace stagecast::net
