#pragma once
// AMF0 (Adobe Action Message Format 0, amf0-file-format-specification, section 2): the encoding
// of RTMP command and data messages. The decoder is bounded in nesting depth and in the number of
// values so that a hostile message cannot exhaust the stack or memory.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::ingest::rtmp {

enum class AmfType : uint8_t {
  Number,
  Boolean,
  String,  // short and long strings, and XML documents, decode to String
  Object,  // anonymous and typed objects
  Null,
  Undefined,
  EcmaArray,
  StrictArray,
  Date,
};

struct AmfValue {
  AmfType type = AmfType::Null;
  double number = 0;        // Number, and Date (ms since the epoch)
  bool boolean = false;
  std::string string;       // String; the class name of a typed object
  int16_t date_timezone = 0;
  std::vector<std::pair<std::string, AmfValue>> properties;  // Object, EcmaArray
  std::vector<AmfValue> elements;                           // StrictArray

  static AmfValue make_number(double v);
  static AmfValue make_boolean(bool v);
  static AmfValue make_string(std::string v);
  static AmfValue make_null();
  static AmfValue make_undefined();
  static AmfValue make_object(std::vector<std::pair<std::string, AmfValue>> props = {});
  static AmfValue make_ecma_array(std::vector<std::pair<std::string, AmfValue>> props = {});

  bool is_null_or_undefined() const { return type == AmfType::Null || type == AmfType::Undefined; }
  // Property lookup for Object and EcmaArray; nullptr when absent or not an object.
  const AmfValue* find(std::string_view key) const;
  std::optional<double> number_at(std::string_view key) const;
  std::optional<std::string> string_at(std::string_view key) const;
};

struct AmfLimits {
  int max_depth = 16;
  size_t max_values = 4096;
};

// Decodes every value of a command or data message body.
Result<std::vector<AmfValue>> amf0_decode_all(ByteSpan body, const AmfLimits& limits = {});

void amf0_encode(const AmfValue& value, ByteWriter& out);
Bytes amf0_encode_all(const std::vector<AmfValue>& values);

}  // namespace stagecast::ingest::rtmp
