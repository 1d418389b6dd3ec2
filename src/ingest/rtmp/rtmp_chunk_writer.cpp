#include "ingest/rtmp/rtmp_chunk_writer.h"

#include <algorithm>

namespace stagecast::ingest::rtmp {
namespace {

void basic_header(ByteWriter& w, uint8_t fmt, uint32_t csid) {
  if (csid >= 2 && csid <= 63) {
    w.u8(static_cast<uint8_t>((fmt << 6) | csid));
  } else if (csid >= 64 && csid <= 319) {
    w.u8(static_cast<uint8_t>(fmt << 6));
    w.u8(static_cast<uint8_t>(csid - 64));
  } else {
    const uint32_t v = csid - 64;
    w.u8(static_cast<uint8_t>((fmt << 6) | 1));
    w.u8(static_cast<uint8_t>(v & 0xff));
    w.u8(static_cast<uint8_t>((v >> 8) & 0xff));
  }
}

}  // namespace

void RtmpChunkWriter::write(Bytes& out, uint32_t csid, uint8_t type_id, uint32_t timestamp,
                            uint32_t stream_id, ByteSpan payload) const {
  ByteWriter w(out);
  const bool extended = timestamp >= 0xffffff;
  basic_header(w, 0, csid);
  w.u24be(extended ? 0xffffff : timestamp);
  w.u24be(static_cast<uint32_t>(std::min<size_t>(payload.size(), 0xffffff)));
  w.u8(type_id);
  w.u32le(stream_id);
  if (extended) w.u32be(timestamp);
  size_t pos = 0;
  while (true) {
    const size_t n = std::min<size_t>(chunk_size_, payload.size() - pos);
    w.bytes(payload.subspan(pos, n));
    pos += n;
    if (pos >= payload.size()) break;
    basic_header(w, 3, csid);
    if (extended) w.u32be(timestamp);
  }
}

void RtmpChunkWriter::set_chunk_size_message(Bytes& out, uint32_t size) const {
  ByteWriter p;
  p.u32be(size & 0x7fffffff);
  write(out, kControlChunkStream, msg_type::kSetChunkSize, 0, 0, p.data());
}

void RtmpChunkWriter::window_ack_size(Bytes& out, uint32_t size) const {
  ByteWriter p;
  p.u32be(size);
  write(out, kControlChunkStream, msg_type::kWindowAckSize, 0, 0, p.data());
}

void RtmpChunkWriter::set_peer_bandwidth(Bytes& out, uint32_t size, uint8_t limit_type) const {
  ByteWriter p;
  p.u32be(size);
  p.u8(limit_type);
  write(out, kControlChunkStream, msg_type::kSetPeerBandwidth, 0, 0, p.data());
}

void RtmpChunkWriter::acknowledgement(Bytes& out, uint32_t sequence_number) const {
  ByteWriter p;
  p.u32be(sequence_number);
  write(out, kControlChunkStream, msg_type::kAcknowledgement, 0, 0, p.data());
}

void RtmpChunkWriter::user_control(Bytes& out, uint16_t event, uint32_t value) const {
  ByteWriter p;
  p.u16be(event);
  p.u32be(value);
  write(out, kControlChunkStream, msg_type::kUserControl, 0, 0, p.data());
}

}  // namespace stagecast::ingest::rtmp
