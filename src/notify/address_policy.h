#pragma once
// Which IP addresses a push endpoint may lead the server to (docs/notifications.md, Web Push):
// none of this machine (loopback, unspecified), of a private network (RFC 1918, unique local
// fc00::/7, shared 100.64/10), link-local (169.254/16, fe80::/10), multicast or reserved
// ranges, also when such an IPv4 address is wrapped in IPv6 (mapped ::ffff:0:0/96, compatible
// ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16). A subscriber chooses the endpoint: without this a
// push would be a request from inside the server's network to wherever they point it.
//
// Used twice: on the endpoint's host when it is an address literal (at subscribe time), and on
// every address the push worker's connection is about to use after resolving a host name (at
// delivery time, in web_push_client.cpp: the address checked is the address connected to).

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace stagecast::notify {

enum class AddressClass {
  kPublic,
  kLoopback,  // 127/8, ::1 (what the tests' switch lets through)
  kInternal,  // everything else refused: private, link-local, ULA, multicast, reserved
};

AddressClass classify_ipv4(uint32_t host_order);
AddressClass classify_ipv6(const in6_addr& a);
// An AF_INET or AF_INET6 socket address; anything else is kInternal.
AddressClass classify_address(const sockaddr* sa);

// The host of a URL when it is an IP address literal, in the forms a resolver accepts too:
// dotted quad and its short, octal and hex forms ("127.1", "0x7f.1", "2130706433"), and
// bracketed IPv6 with or without a zone ("[fe80::1%25eth0]"). nullopt: a host name.
std::optional<AddressClass> classify_literal(std::string_view host);

// "127.0.0.1", "[fd00::1]": for error messages.
std::string address_text(const sockaddr* sa);

}  // namespace stagecast::notify
