#pragma once
// RTMP command messages (Adobe RTMP specification 1.0, 7.2): a name, a transaction id, a command
// object and arguments, AMF0-encoded; and the replies a publishing server sends.

#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ingest/rtmp/amf0.h"

namespace stagecast::ingest::rtmp {

struct RtmpCommand {
  std::string name;
  double transaction_id = 0;
  AmfValue object;               // the command object (null for most stream commands)
  std::vector<AmfValue> args;    // what follows it

  // The string argument at `i`, or empty.
  std::string string_arg(size_t i) const;
};

// `amf3` for message type 17, whose body starts with a format byte before plain AMF0 values.
Result<RtmpCommand> parse_command(ByteSpan body, bool amf3, const AmfLimits& limits = {});

// Payloads of the replies (to be sent as type-20 messages).
Bytes encode_command(const std::string& name, double transaction_id, const std::vector<AmfValue>& values);
Bytes connect_result(double transaction_id);
Bytes create_stream_result(double transaction_id, uint32_t stream_id);
Bytes on_status(const std::string& level, const std::string& code, const std::string& description);

}  // namespace stagecast::ingest::rtmp
