#pragma once
// STUN messages (RFC 8489, which obsoletes RFC 5389): parsing into a view over the received bytes,
// building, and the two checks an ICE agent runs on every request: MESSAGE-INTEGRITY (14.5,
// HMAC-SHA1 with the short-term credential) and FINGERPRINT (14.7, CRC-32 XOR 0x5354554E).
// Only what ICE-lite needs; TURN and long-term credentials are out of scope.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::rtc {

inline constexpr uint32_t kStunMagicCookie = 0x2112A442;
inline constexpr size_t kStunHeaderSize = 20;
inline constexpr uint16_t kStunBindingMethod = 0x001;

// Attribute types (RFC 8489 18.3, RFC 8445 16.1).
namespace stun_attr {
inline constexpr uint16_t kMappedAddress = 0x0001;
inline constexpr uint16_t kUsername = 0x0006;
inline constexpr uint16_t kMessageIntegrity = 0x0008;
inline constexpr uint16_t kErrorCode = 0x0009;
inline constexpr uint16_t kXorMappedAddress = 0x0020;
inline constexpr uint16_t kPriority = 0x0024;
inline constexpr uint16_t kUseCandidate = 0x0025;
inline constexpr uint16_t kSoftware = 0x8022;
inline constexpr uint16_t kFingerprint = 0x8028;
inline constexpr uint16_t kIceControlled = 0x8029;
inline constexpr uint16_t kIceControlling = 0x802A;
}  // namespace stun_attr

// The four classes of RFC 8489 5 (the C1/C0 bits of the message type).
enum class StunClass : uint8_t { Request = 0, Indication = 1, SuccessResponse = 2, ErrorResponse = 3 };

using StunTransactionId = std::array<uint8_t, 12>;

// A transport address: IPv4 uses the first 4 bytes of `ip`.
struct StunAddress {
  bool ipv6 = false;
  std::array<uint8_t, 16> ip{};
  uint16_t port = 0;

  static StunAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);
  bool operator==(const StunAddress&) const = default;
};

struct StunErrorCode {
  int code = 0;  // 300..699
  std::string reason;
};

struct StunAttribute {
  uint16_t type = 0;
  ByteSpan value;     // without padding
  size_t offset = 0;  // of the attribute header inside the message
};

// A parsed message; the spans point into the bytes given to parse(), which must outlive it.
class StunMessage {
 public:
  // Refuses anything that is not a well-formed STUN message: top two bits set, a wrong magic
  // cookie, a length that is not the datagram's, an attribute running past the end, anything
  // after FINGERPRINT (RFC 8489 14.7). Attributes after MESSAGE-INTEGRITY other than FINGERPRINT
  // are ignored, as 14.5 requires.
  static Result<StunMessage> parse(ByteSpan bytes);
  // The message is a view: parsing a temporary would leave it pointing at freed bytes.
  static Result<StunMessage> parse(std::vector<uint8_t>&& bytes) = delete;

  uint16_t method() const { return method_; }
  StunClass message_class() const { return class_; }
  const StunTransactionId& transaction_id() const { return transaction_id_; }
  const std::vector<StunAttribute>& attributes() const { return attributes_; }
  ByteSpan bytes() const { return bytes_; }

  const StunAttribute* find(uint16_t type) const;
  std::optional<std::string_view> username() const;
  std::optional<uint32_t> priority() const;
  std::optional<uint64_t> ice_controlling() const;
  std::optional<uint64_t> ice_controlled() const;
  bool use_candidate() const { return find(stun_attr::kUseCandidate) != nullptr; }
  std::optional<StunErrorCode> error_code() const;
  std::optional<StunAddress> xor_mapped_address() const;

  bool has_message_integrity() const { return integrity_offset_.has_value(); }
  bool has_fingerprint() const { return fingerprint_offset_.has_value(); }

  // RFC 8489 14.7: true when FINGERPRINT is present and matches.
  bool fingerprint_valid() const;
  // RFC 8489 14.5: true when MESSAGE-INTEGRITY is present and matches the HMAC-SHA1 keyed with
  // `key` (for ICE's short-term credential: the receiver's ice-pwd). Compared in constant time.
  bool message_integrity_valid(std::string_view key) const;

 private:
  ByteSpan bytes_;
  uint16_t method_ = 0;
  StunClass class_ = StunClass::Request;
  StunTransactionId transaction_id_{};
  std::vector<StunAttribute> attributes_;
  std::optional<size_t> integrity_offset_;
  std::optional<size_t> fingerprint_offset_;
};

// A cheap check on a datagram's first bytes (RFC 8489 5: the top two bits zero, the magic cookie).
bool looks_like_stun(ByteSpan bytes);

// CRC-32 (ISO 3309, the one of zlib and Ethernet) used by FINGERPRINT.
uint32_t crc32(ByteSpan data);

// Builds one message. MESSAGE-INTEGRITY and FINGERPRINT, when wanted, are added last through
// finish(); the header's length is kept right at every step.
class StunMessageBuilder {
 public:
  StunMessageBuilder(uint16_t method, StunClass message_class, const StunTransactionId& id);

  StunMessageBuilder& add(uint16_t type, ByteSpan value);
  StunMessageBuilder& add_string(uint16_t type, std::string_view value);
  StunMessageBuilder& add_u32(uint16_t type, uint32_t value);
  StunMessageBuilder& add_u64(uint16_t type, uint64_t value);
  StunMessageBuilder& add_xor_mapped_address(const StunAddress& address);
  StunMessageBuilder& add_error_code(int code, std::string_view reason);

  // `integrity_key` empty: no MESSAGE-INTEGRITY.
  Bytes finish(std::string_view integrity_key, bool fingerprint);

 private:
  void set_length();
  Bytes out_;
  StunTransactionId id_;
};

}  // namespace stagecast::rtc
