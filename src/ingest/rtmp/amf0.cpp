#include "ingest/rtmp/amf0.h"

#include <bit>
#include <cstring>

namespace stagecast::ingest::rtmp {
namespace {

// Type markers, AMF0 specification 2.1.
enum Marker : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kMovieClip = 0x04,
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0a,
  kDate = 0x0b,
  kLongString = 0x0c,
  kUnsupported = 0x0d,
  kRecordSet = 0x0e,
  kXmlDocument = 0x0f,
  kTypedObject = 0x10,
  kAvmPlusObject = 0x11,
};

Error bad(const char* what) { return make_error("invalid_amf0", what); }

class Decoder {
 public:
  Decoder(ByteSpan body, const AmfLimits& limits) : r_(body), limits_(limits) {}

  bool done() const { return r_.empty(); }

  Result<AmfValue> value(int depth) {
    if (depth > limits_.max_depth) return bad("nesting too deep");
    if (++values_ > limits_.max_values) return bad("too many values");
    auto marker = r_.u8();
    if (!marker) return bad("truncated marker");
    AmfValue v;
    switch (*marker) {
      case kNumber: {
        auto bits = r_.u64be();
        if (!bits) return bad("truncated number");
        v.type = AmfType::Number;
        v.number = std::bit_cast<double>(*bits);
        return v;
      }
      case kBoolean: {
        auto b = r_.u8();
        if (!b) return bad("truncated boolean");
        v.type = AmfType::Boolean;
        v.boolean = *b != 0;
        return v;
      }
      case kString:
      case kLongString:
      case kXmlDocument: {
        auto s = *marker == kString ? short_string() : long_string();
        if (!s) return bad("truncated string");
        v.type = AmfType::String;
        v.string = std::move(*s);
        return v;
      }
      case kObject:
        v.type = AmfType::Object;
        if (auto e = properties(v, depth); !e.ok()) return e.error();
        return v;
      case kTypedObject: {
        auto name = short_string();
        if (!name) return bad("truncated class name");
        v.type = AmfType::Object;
        v.string = std::move(*name);
        if (auto e = properties(v, depth); !e.ok()) return e.error();
        return v;
      }
      case kEcmaArray: {
        // The count is a hint only (encoders get it wrong); the object-end marker terminates.
        if (!r_.u32be()) return bad("truncated ecma array");
        v.type = AmfType::EcmaArray;
        if (auto e = properties(v, depth); !e.ok()) return e.error();
        return v;
      }
      case kStrictArray: {
        auto count = r_.u32be();
        if (!count) return bad("truncated strict array");
        v.type = AmfType::StrictArray;
        // Never reserve by the untrusted count: every element costs at least one input byte.
        for (uint32_t i = 0; i < *count; ++i) {
          auto e = value(depth + 1);
          if (!e) return e.error();
          v.elements.push_back(std::move(*e));
        }
        return v;
      }
      case kDate: {
        auto bits = r_.u64be();
        auto tz = r_.u16be();
        if (!bits || !tz) return bad("truncated date");
        v.type = AmfType::Date;
        v.number = std::bit_cast<double>(*bits);
        v.date_timezone = static_cast<int16_t>(*tz);
        return v;
      }
      case kNull:
        v.type = AmfType::Null;
        return v;
      case kUndefined:
      case kUnsupported:
        v.type = AmfType::Undefined;
        return v;
      case kReference:
        // References point back at complex objects of the same message; no RTMP publisher
        // sends them in commands, and resolving them invites cycles.
        return bad("references are not supported");
      case kAvmPlusObject:
        return bad("AMF3 values are not supported");
      case kObjectEnd:
        return bad("unexpected object end");
      case kMovieClip:
      case kRecordSet:
      default:
        return bad("unknown marker");
    }
  }

 private:
  std::optional<std::string> short_string() {
    auto len = r_.u16be();
    if (!len) return std::nullopt;
    auto s = r_.bytes(*len);
    if (!s) return std::nullopt;
    return std::string(as_string_view(*s));
  }
  std::optional<std::string> long_string() {
    auto len = r_.u32be();
    if (!len) return std::nullopt;
    auto s = r_.bytes(*len);
    if (!s) return std::nullopt;
    return std::string(as_string_view(*s));
  }

  // Property list of an object or ECMA array, ended by an empty key and the object-end marker.
  Result<void> properties(AmfValue& v, int depth) {
    while (true) {
      auto key = short_string();
      if (!key) return bad("truncated property name");
      if (key->empty()) {
        auto end = r_.u8();
        if (!end) return bad("truncated object end");
        if (*end == kObjectEnd) return ok_result();
        return bad("empty property name");
      }
      auto e = value(depth + 1);
      if (!e) return e.error();
      v.properties.emplace_back(std::move(*key), std::move(*e));
    }
  }

  ByteReader r_;
  AmfLimits limits_;
  size_t values_ = 0;
};

void encode_string_body(std::string_view s, ByteWriter& out) {
  out.u16be(static_cast<uint16_t>(s.size()));
  out.str(s);
}

void encode_properties(const AmfValue& v, ByteWriter& out) {
  for (const auto& [key, value] : v.properties) {
    encode_string_body(key.size() > 0xffff ? std::string_view(key).substr(0, 0xffff) : key, out);
    amf0_encode(value, out);
  }
  out.u16be(0);
  out.u8(kObjectEnd);
}

}  // namespace

AmfValue AmfValue::make_number(double v) {
  AmfValue a;
  a.type = AmfType::Number;
  a.number = v;
  return a;
}
AmfValue AmfValue::make_boolean(bool v) {
  AmfValue a;
  a.type = AmfType::Boolean;
  a.boolean = v;
  return a;
}
AmfValue AmfValue::make_string(std::string v) {
  AmfValue a;
  a.type = AmfType::String;
  a.string = std::move(v);
  return a;
}
AmfValue AmfValue::make_null() { return AmfValue{}; }
AmfValue AmfValue::make_undefined() {
  AmfValue a;
  a.type = AmfType::Undefined;
  return a;
}
AmfValue AmfValue::make_object(std::vector<std::pair<std::string, AmfValue>> props) {
  AmfValue a;
  a.type = AmfType::Object;
  a.properties = std::move(props);
  return a;
}
AmfValue AmfValue::make_ecma_array(std::vector<std::pair<std::string, AmfValue>> props) {
  AmfValue a;
  a.type = AmfType::EcmaArray;
  a.properties = std::move(props);
  return a;
}

const AmfValue* AmfValue::find(std::string_view key) const {
  if (type != AmfType::Object && type != AmfType::EcmaArray) return nullptr;
  for (const auto& [k, v] : properties) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::optional<double> AmfValue::number_at(std::string_view key) const {
  const AmfValue* v = find(key);
  if (!v || v->type != AmfType::Number) return std::nullopt;
  return v->number;
}

std::optional<std::string> AmfValue::string_at(std::string_view key) const {
  const AmfValue* v = find(key);
  if (!v || v->type != AmfType::String) return std::nullopt;
  return v->string;
}

Result<std::vector<AmfValue>> amf0_decode_all(ByteSpan body, const AmfLimits& limits) {
  Decoder d(body, limits);
  std::vector<AmfValue> values;
  while (!d.done()) {
    auto v = d.value(0);
    if (!v) return v.error();
    values.push_back(std::move(*v));
  }
  return values;
}

void amf0_encode(const AmfValue& v, ByteWriter& out) {
  switch (v.type) {
    case AmfType::Number:
      out.u8(kNumber);
      out.u64be(std::bit_cast<uint64_t>(v.number));
      return;
    case AmfType::Boolean:
      out.u8(kBoolean);
      out.u8(v.boolean ? 1 : 0);
      return;
    case AmfType::String:
      if (v.string.size() <= 0xffff) {
        out.u8(kString);
        encode_string_body(v.string, out);
      } else {
        out.u8(kLongString);
        out.u32be(static_cast<uint32_t>(v.string.size()));
        out.str(v.string);
      }
      return;
    case AmfType::Object:
      if (v.string.empty()) {
        out.u8(kObject);
      } else {
        out.u8(kTypedObject);
        encode_string_body(v.string, out);
      }
      encode_properties(v, out);
      return;
    case AmfType::EcmaArray:
      out.u8(kEcmaArray);
      out.u32be(static_cast<uint32_t>(v.properties.size()));
      encode_properties(v, out);
      return;
    case AmfType::StrictArray:
      out.u8(kStrictArray);
      out.u32be(static_cast<uint32_t>(v.elements.size()));
      for (const auto& e : v.elements) amf0_encode(e, out);
      return;
    case AmfType::Date:
      out.u8(kDate);
      out.u64be(std::bit_cast<uint64_t>(v.number));
      out.u16be(static_cast<uint16_t>(v.date_timezone));
      return;
    case AmfType::Null:
      out.u8(kNull);
      return;
    case AmfType::Undefined:
      out.u8(kUndefined);
      return;
  }
}

Bytes amf0_encode_all(const std::vector<AmfValue>& values) {
  ByteWriter w;
  for (const auto& v : values) amf0_encode(v, w);
  return w.take();
}

}  // namespace stagecast::ingest::rtmp
