#include "ingest/rtmp/rtmp_command.h"

namespace stagecast::ingest::rtmp {

std::string RtmpCommand::string_arg(size_t i) const {
  if (i >= args.size() || args[i].type != AmfType::String) return {};
  return args[i].string;
}

Result<RtmpCommand> parse_command(ByteSpan body, bool amf3, const AmfLimits& limits) {
  if (amf3) {
    if (body.empty()) return make_error("invalid_command", "empty AMF3 command");
    body = body.subspan(1);
  }
  auto values = amf0_decode_all(body, limits);
  if (!values) return values.error();
  auto& v = *values;
  if (v.empty() || v[0].type != AmfType::String) {
    return make_error("invalid_command", "command without a name");
  }
  RtmpCommand cmd;
  cmd.name = std::move(v[0].string);
  if (v.size() > 1 && v[1].type == AmfType::Number) cmd.transaction_id = v[1].number;
  if (v.size() > 2) cmd.object = std::move(v[2]);
  for (size_t i = 3; i < v.size(); ++i) cmd.args.push_back(std::move(v[i]));
  return cmd;
}

Bytes encode_command(const std::string& name, double transaction_id, const std::vector<AmfValue>& values) {
  ByteWriter w;
  amf0_encode(AmfValue::make_string(name), w);
  amf0_encode(AmfValue::make_number(transaction_id), w);
  for (const auto& v : values) amf0_encode(v, w);
  return w.take();
}

Bytes connect_result(double transaction_id) {
  // 7.2.1.1: the properties and information objects, as Flash Media Server shapes them.
  return encode_command(
      "_result", transaction_id,
      {AmfValue::make_object({{"fmsVer", AmfValue::make_string("FMS/3,0,1,123")},
                              {"capabilities", AmfValue::make_number(31)}}),
       AmfValue::make_object({{"level", AmfValue::make_string("status")},
                              {"code", AmfValue::make_string("NetConnection.Connect.Success")},
                              {"description", AmfValue::make_string("Connection succeeded.")},
                              {"objectEncoding", AmfValue::make_number(0)}})});
}

Bytes create_stream_result(double transaction_id, uint32_t stream_id) {
  return encode_command("_result", transaction_id,
                        {AmfValue::make_null(), AmfValue::make_number(stream_id)});
}

Bytes on_status(const std::string& level, const std::string& code, const std::string& description) {
  return encode_command("onStatus", 0,
                        {AmfValue::make_null(),
                         AmfValue::make_object({{"level", AmfValue::make_string(level)},
                                                {"code", AmfValue::make_string(code)},
                                                {"description", AmfValue::make_string(description)}})});
}

}  // namespace stagecast::ingest::rtmp
