#include "net/alpn.h"

#include <cstdint>
#include <cstring>

namespace stagecast::net {

namespace {

// Wire format (RFC 7301 3.1): length-prefixed protocol names, in the server's preference order.
constexpr unsigned char kH2AndHttp11[] = "\x02h2\x08http/1.1";
constexpr unsigned char kHttp11[] = "\x08http/1.1";

int select(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
           unsigned int inlen, void* arg) {
  const bool h2 = arg != nullptr;
  const unsigned char* server = h2 ? kH2AndHttp11 : kHttp11;
  const unsigned int server_len =
      static_cast<unsigned int>(h2 ? sizeof(kH2AndHttp11) - 1 : sizeof(kHttp11) - 1);
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, server, server_len, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no protocol in common: go on without ALPN (HTTP/1.1)
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

void enable_alpn(SSL_CTX* ctx, bool h2) {
  SSL_CTX_set_alpn_select_cb(ctx, &select,
                             h2 ? reinterpret_cast<void*>(std::uintptr_t{1}) : nullptr);
}

bool negotiated_h2(const SSL* ssl) {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &proto, &len);
  return len == 2 && std::memcmp(proto, "h2", 2) == 0;
}

}  // namespace stagecast::net
