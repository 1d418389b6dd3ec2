#include "rtc/stun_message.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

#include "core/digest.h"

namespace stagecast::rtc {
namespace {

constexpr uint32_t kFingerprintXor = 0x5354554E;
constexpr size_t kHmacSha1Size = 20;

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

size_t padded(size_t n) { return (n + 3) & ~size_t{3}; }

std::array<uint8_t, kHmacSha1Size> hmac_sha1(std::string_view key, ByteSpan a, ByteSpan b) {
  std::array<uint8_t, kHmacSha1Size> out{};
  Bytes data(a.begin(), a.end());
  data.insert(data.end(), b.begin(), b.end());
  static constexpr unsigned char kEmpty = 0;
  const void* key_ptr =
      key.empty() ? static_cast<const void*>(&kEmpty) : static_cast<const void*>(key.data());
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, key_ptr, key.size(), data.data(),
                data.size(), out.data(), out.size(), &len) == nullptr ||
      len != out.size()) {
    throw std::runtime_error("EVP_Q_mac(HMAC-SHA1) failed");  // a broken OpenSSL, not bad input
  }
  return out;
}

// The header with its length field replaced (RFC 8489 14.5 and 14.7 compute over the message as
// if the attribute being checked were the last one).
std::array<uint8_t, kStunHeaderSize> header_with_length(ByteSpan message, size_t length) {
  std::array<uint8_t, kStunHeaderSize> h{};
  std::copy(message.begin(), message.begin() + kStunHeaderSize, h.begin());
  h[2] = static_cast<uint8_t>(length >> 8);
  h[3] = static_cast<uint8_t>(length);
  return h;
}

}  // namespace

StunAddress StunAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  StunAddress out;
  out.ip[0] = a;
  out.ip[1] = b;
  out.ip[2] = c;
  out.ip[3] = d;
  out.port = port;
  return out;
}

uint32_t crc32(ByteSpan data) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : data) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool looks_like_stun(ByteSpan bytes) {
  if (bytes.size() < kStunHeaderSize || (bytes[0] & 0xC0) != 0) return false;
  ByteReader r(bytes.subspan(4, 4));
  return r.u32be() == kStunMagicCookie;
}

Result<StunMessage> StunMessage::parse(ByteSpan bytes) {
  ByteReader r(bytes);
  auto type = r.u16be();
  auto length = r.u16be();
  auto cookie = r.u32be();
  auto tid = r.bytes(12);
  if (!type || !length || !cookie || !tid) return make_error("stun_short", "shorter than a header");
  if ((*type & 0xC000) != 0) return make_error("stun_not_stun", "top bits of the type are set");
  if (*cookie != kStunMagicCookie) return make_error("stun_not_stun", "no magic cookie");
  if ((*length & 3) != 0 || *length != r.remaining()) {
    return make_error("stun_bad_length", "message length does not match the datagram");
  }
  StunMessage m;
  m.bytes_ = bytes;
  // RFC 8489 5: M11..M0 interleaved with C1 (bit 8) and C0 (bit 4).
  const uint16_t t = *type;
  m.method_ = static_cast<uint16_t>((t & 0x000F) | ((t & 0x00E0) >> 1) | ((t & 0x3E00) >> 2));
  m.class_ = static_cast<StunClass>(((t >> 7) & 0x2) | ((t >> 4) & 0x1));
  std::copy(tid->begin(), tid->end(), m.transaction_id_.begin());

  while (!r.empty()) {
    const size_t offset = r.position();
    auto at = r.u16be();
    auto alen = r.u16be();
    if (!at || !alen) return make_error("stun_bad_attribute", "truncated attribute header");
    if (m.fingerprint_offset_) {
      return make_error("stun_bad_attribute", "attribute after FINGERPRINT");
    }
    auto value = r.bytes(*alen);
    // The last attribute's padding may be missing only if the length says so; it never is here
    // since the message length is a multiple of 4.
    if (!value || !r.skip(padded(*alen) - *alen)) {
      return make_error("stun_bad_attribute", "attribute runs past the end");
    }
    if (*at == stun_attr::kFingerprint) {
      if (*alen != 4) return make_error("stun_bad_attribute", "FINGERPRINT is not 4 bytes");
      m.fingerprint_offset_ = offset;
      m.attributes_.push_back({*at, *value, offset});
      continue;
    }
    if (m.integrity_offset_) continue;  // 14.5: ignored after MESSAGE-INTEGRITY
    if (*at == stun_attr::kMessageIntegrity) {
      if (*alen != kHmacSha1Size) {
        return make_error("stun_bad_attribute", "MESSAGE-INTEGRITY is not 20 bytes");
      }
      m.integrity_offset_ = offset;
    }
    if (m.attributes_.size() >= 64) return make_error("stun_bad_attribute", "too many attributes");
    m.attributes_.push_back({*at, *value, offset});
  }
  return m;
}

const StunAttribute* StunMessage::find(uint16_t type) const {
  for (const auto& a : attributes_) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

std::optional<std::string_view> StunMessage::username() const {
  const auto* a = find(stun_attr::kUsername);
  // RFC 8489 14.3: fewer than 509 bytes.
  if (!a || a->value.size() > 508) return std::nullopt;
  return as_string_view(a->value);
}

std::optional<uint32_t> StunMessage::priority() const {
  const auto* a = find(stun_attr::kPriority);
  if (!a || a->value.size() != 4) return std::nullopt;
  return ByteReader(a->value).u32be();
}

std::optional<uint64_t> StunMessage::ice_controlling() const {
  const auto* a = find(stun_attr::kIceControlling);
  if (!a || a->value.size() != 8) return std::nullopt;
  return ByteReader(a->value).u64be();
}

std::optional<uint64_t> StunMessage::ice_controlled() const {
  const auto* a = find(stun_attr::kIceControlled);
  if (!a || a->value.size() != 8) return std::nullopt;
  return ByteReader(a->value).u64be();
}

std::optional<StunErrorCode> StunMessage::error_code() const {
  const auto* a = find(stun_attr::kErrorCode);
  if (!a || a->value.size() < 4) return std::nullopt;
  const int cls = a->value[2] & 0x07;
  const int number = a->value[3];
  if (cls < 3 || cls > 6 || number > 99) return std::nullopt;
  return StunErrorCode{cls * 100 + number, std::string(as_string_view(a->value.subspan(4)))};
}

std::optional<StunAddress> StunMessage::xor_mapped_address() const {
  const auto* a = find(stun_attr::kXorMappedAddress);
  if (!a) return std::nullopt;
  ByteReader r(a->value);
  auto family_word = r.u16be();
  auto xport = r.u16be();
  if (!family_word || !xport) return std::nullopt;
  const uint8_t family = static_cast<uint8_t>(*family_word & 0xFF);
  StunAddress out;
  out.port = static_cast<uint16_t>(*xport ^ (kStunMagicCookie >> 16));
  // RFC 8489 14.2: the address is XORed with the cookie (IPv4) or cookie || transaction ID.
  std::array<uint8_t, 16> mask{};
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<uint8_t>(kStunMagicCookie >> (24 - 8 * i));
  std::copy(transaction_id_.begin(), transaction_id_.end(), mask.begin() + 4);
  size_t n = 0;
  if (family == 0x01) {
    n = 4;
  } else if (family == 0x02) {
    n = 16;
    out.ipv6 = true;
  } else {
    return std::nullopt;
  }
  auto ip = r.bytes(n);
  if (!ip || !r.empty()) return std::nullopt;
  for (size_t i = 0; i < n; ++i) out.ip[i] = (*ip)[i] ^ mask[i];
  return out;
}

bool StunMessage::fingerprint_valid() const {
  if (!fingerprint_offset_) return false;
  const size_t off = *fingerprint_offset_;
  // FINGERPRINT is the last attribute, so the header's length already covers it.
  const uint32_t expected = crc32(bytes_.first(off)) ^ kFingerprintXor;
  auto got = ByteReader(bytes_.subspan(off + 4, 4)).u32be();
  return got && *got == expected;
}

bool StunMessage::message_integrity_valid(std::string_view key) const {
  if (!integrity_offset_) return false;
  const size_t off = *integrity_offset_;
  auto header = header_with_length(bytes_, off + 4 + kHmacSha1Size - kStunHeaderSize);
  auto mac = hmac_sha1(key, header, bytes_.subspan(kStunHeaderSize, off - kStunHeaderSize));
  return constant_time_equal(mac, bytes_.subspan(off + 4, kHmacSha1Size));
}

StunMessageBuilder::StunMessageBuilder(uint16_t method, StunClass message_class,
                                       const StunTransactionId& id)
    : id_(id) {
  const uint16_t c = static_cast<uint16_t>(message_class);
  const uint16_t m = method & 0x0FFF;
  const uint16_t type = static_cast<uint16_t>((m & 0x000F) | ((m & 0x0070) << 1) |
                                              ((m & 0x0F80) << 2) | ((c & 1) << 4) |
                                              ((c & 2) << 7));
  ByteWriter w(out_);
  w.u16be(type);
  w.u16be(0);
  w.u32be(kStunMagicCookie);
  w.bytes(id);
}

void StunMessageBuilder::set_length() {
  const size_t len = out_.size() - kStunHeaderSize;
  out_[2] = static_cast<uint8_t>(len >> 8);
  out_[3] = static_cast<uint8_t>(len);
}

StunMessageBuilder& StunMessageBuilder::add(uint16_t type, ByteSpan value) {
  ByteWriter w(out_);
  w.u16be(type);
  w.u16be(static_cast<uint16_t>(value.size()));
  w.bytes(value);
  w.zeros(padded(value.size()) - value.size());
  set_length();
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_string(uint16_t type, std::string_view value) {
  return add(type, as_bytes(value));
}

StunMessageBuilder& StunMessageBuilder::add_u32(uint16_t type, uint32_t value) {
  Bytes v;
  ByteWriter(v).u32be(value);
  return add(type, v);
}

StunMessageBuilder& StunMessageBuilder::add_u64(uint16_t type, uint64_t value) {
  Bytes v;
  ByteWriter(v).u64be(value);
  return add(type, v);
}

StunMessageBuilder& StunMessageBuilder::add_xor_mapped_address(const StunAddress& address) {
  Bytes v;
  ByteWriter w(v);
  w.u8(0);
  w.u8(address.ipv6 ? 0x02 : 0x01);
  w.u16be(static_cast<uint16_t>(address.port ^ (kStunMagicCookie >> 16)));
  std::array<uint8_t, 16> mask{};
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<uint8_t>(kStunMagicCookie >> (24 - 8 * i));
  std::copy(id_.begin(), id_.end(), mask.begin() + 4);
  const size_t n = address.ipv6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) w.u8(address.ip[i] ^ mask[i]);
  return add(stun_attr::kXorMappedAddress, v);
}

StunMessageBuilder& StunMessageBuilder::add_error_code(int code, std::string_view reason) {
  Bytes v;
  ByteWriter w(v);
  w.u16be(0);
  w.u8(static_cast<uint8_t>(code / 100));
  w.u8(static_cast<uint8_t>(code % 100));
  w.str(reason.substr(0, 127));
  return add(stun_attr::kErrorCode, v);
}

Bytes StunMessageBuilder::finish(std::string_view integrity_key, bool fingerprint) {
  if (!integrity_key.empty()) {
    const size_t off = out_.size();
    auto header = header_with_length(out_, off + 4 + kHmacSha1Size - kStunHeaderSize);
    auto mac = hmac_sha1(integrity_key, header,
                         ByteSpan(out_).subspan(kStunHeaderSize, off - kStunHeaderSize));
    add(stun_attr::kMessageIntegrity, mac);
  }
  if (fingerprint) {
    const size_t off = out_.size();
    Bytes placeholder(4, 0);
    add(stun_attr::kFingerprint, placeholder);  // sets the length to include FINGERPRINT
    const uint32_t crc = crc32(ByteSpan(out_).first(off)) ^ kFingerprintXor;
    for (size_t i = 0; i < 4; ++i) out_[off + 4 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  }
  return std::move(out_);
}

}  // namespace stagecast::rtc
