// libFuzzer target: the RTMP chunk stream reader, and what the session does with the messages it
// returns (AMF0 commands, media through the FLV/AVC/AAC demuxer). The first byte picks how the
// input is sliced, since the reader must give the same answer for any slicing.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ingest/rtmp/rtmp_chunk_reader.h"
#include "ingest/rtmp/rtmp_command.h"
#include "ingest/rtmp/rtmp_media_demuxer.h"

using namespace stagecast;
using namespace stagecast::ingest::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t slice = 1 + data[0] % 64 * 37;
  ByteSpan input(data + 1, size - 1);
  // Small limits so the fuzzer reaches them.
  RtmpChunkReader reader(ChunkReaderLimits{64 * 1024, 8, 128 * 1024});
  RtmpMediaDemuxer demuxer;
  std::vector<RtmpMessage> messages;
  for (size_t pos = 0; pos < input.size(); pos += slice) {
    messages.clear();
    auto fed = reader.feed(input.subspan(pos, std::min(slice, input.size() - pos)), messages);
    for (const auto& m : messages) {
      switch (m.type_id) {
        case msg_type::kCommandAmf0:
        case msg_type::kCommandAmf3:
          (void)parse_command(m.payload, m.type_id == msg_type::kCommandAmf3);
          break;
        case msg_type::kDataAmf0:
          if (auto values = amf0_decode_all(m.payload)) demuxer.on_data(*values);
          break;
        case msg_type::kVideo:
          (void)demuxer.on_video(m.timestamp, m.payload);
          break;
        case msg_type::kAudio:
          (void)demuxer.on_audio(m.timestamp, m.payload);
          break;
        default:
          break;
      }
    }
    if (!fed.ok()) break;
  }
  return 0;
}
