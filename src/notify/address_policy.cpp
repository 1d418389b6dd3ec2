#include "notify/address_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace stagecast::notify {
namespace {

bool in(uint32_t ip, uint32_t net, int bits) {
  return (ip >> (32 - bits)) == (net >> (32 - bits));
}

uint32_t v4_at(const uint8_t* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

AddressClass classify_ipv4(uint32_t ip) {
  if (in(ip, 0x7f000000, 8)) return AddressClass::kLoopback;
  const bool internal = in(ip, 0x00000000, 8)      // "this network"
                        || in(ip, 0x0a000000, 8)   // 10/8
                        || in(ip, 0x64400000, 10)  // 100.64/10 shared (CGNAT)
                        || in(ip, 0xa9fe0000, 16)  // 169.254/16 link-local
                        || in(ip, 0xac100000, 12)  // 172.16/12
                        || in(ip, 0xc0000000, 24)  // 192.0.0/24 protocol assignments
                        || in(ip, 0xc0a80000, 16)  // 192.168/16
                        || in(ip, 0xc6120000, 15)  // 198.18/15 benchmarking
                        || ip >= 0xe0000000;       // multicast, reserved, broadcast
  return internal ? AddressClass::kInternal : AddressClass::kPublic;
}

AddressClass classify_ipv6(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  const bool zero80 = std::all_of(b, b + 10, [](uint8_t x) { return x == 0; });
  if (zero80 && b[10] == 0 && b[11] == 0) {
    if (std::all_of(b + 12, b + 15, [](uint8_t x) { return x == 0; }) && b[15] <= 1) {
      return b[15] == 1 ? AddressClass::kLoopback : AddressClass::kInternal;  // ::1, ::
    }
    return AddressClass::kInternal;  // IPv4-compatible ::a.b.c.d (deprecated): never a service
  }
  if (zero80 && b[10] == 0xff && b[11] == 0xff) return classify_ipv4(v4_at(b + 12));  // mapped
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) {
    return classify_ipv4(v4_at(b + 12)) == AddressClass::kPublic ? AddressClass::kPublic
                                                                 : AddressClass::kInternal;
  }
  if (b[0] == 0x20 && b[1] == 0x02) {  // 6to4: the IPv4 address follows
    return classify_ipv4(v4_at(b + 2)) == AddressClass::kPublic ? AddressClass::kPublic
                                                                : AddressClass::kInternal;
  }
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kInternal;                  // fc00::/7 ULA
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kInternal;  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::kInternal;  // fec0::/10
  if (b[0] == 0xff) return AddressClass::kInternal;                           // multicast
  return AddressClass::kPublic;
}

AddressClass classify_address(const sockaddr* sa) {
  if (sa == nullptr) return AddressClass::kInternal;
  if (sa->sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, sa, sizeof v4);
    return classify_ipv4(ntohl(v4.sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, sa, sizeof v6);
    return classify_ipv6(v6.sin6_addr);
  }
  return AddressClass::kInternal;
}

std::optional<AddressClass> classify_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string inner(host.substr(1, host.size() - 2));
    // A zone ("%25eth0" in a URL, RFC 6874) only exists on link-local and similar addresses.
    if (const size_t pct = inner.find('%'); pct != std::string::npos) {
      inner.resize(pct);
      in6_addr a6{};
      if (inet_pton(AF_INET6, inner.c_str(), &a6) != 1) return AddressClass::kInternal;
      return classify_ipv6(a6) == AddressClass::kPublic ? AddressClass::kInternal
                                                        : classify_ipv6(a6);
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, inner.c_str(), &a6) != 1) return AddressClass::kInternal;
    return classify_ipv6(a6);
  }
  // What inet_aton (and so getaddrinfo and libcurl) reads as IPv4: one to four parts, each
  // decimal, octal (leading 0) or hex (0x). Only digits, dots and hex letters with an x.
  if (host.empty() || host.size() > 64) return std::nullopt;
  const bool numeric = std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isxdigit(c) || c == '.' || c == 'x' || c == 'X';
  });
  if (!numeric || !std::isdigit(static_cast<unsigned char>(host.front()))) return std::nullopt;
  std::string text(host);
  if (!text.empty() && text.back() == '.') text.pop_back();  // "127.0.0.1."
  in_addr a4{};
  if (inet_aton(text.c_str(), &a4) == 0) return std::nullopt;
  return classify_ipv4(ntohl(a4.s_addr));
}

std::string address_text(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = {};
  if (sa != nullptr && sa->sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, sa, sizeof v4);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    return text;
  }
  if (sa != nullptr && sa->sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, sa, sizeof v6);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]";
  }
  return "(unknown address)";
}

}  // namespace stagecast::notify
