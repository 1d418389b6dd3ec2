#include "ingest/rtmp/rtmp_chunk_reader.h"

#include <algorithm>

namespace stagecast::ingest::rtmp {
namespace {

constexpr uint32_t kExtendedTimestamp = 0xffffff;
constexpr size_t kMessageHeaderSize[4] = {11, 7, 3, 0};  // 5.3.1.2

Error bad(const char* what) { return make_error("rtmp_chunk_error", what); }

uint32_t be24(const uint8_t* p) { return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2]; }
uint32_t be32(const uint8_t* p) { return (be24(p) << 8) | p[3]; }

size_t basic_header_size(uint8_t first) {
  switch (first & 0x3f) {
    case 0: return 2;
    case 1: return 3;
    default: return 1;
  }
}

}  // namespace

size_t RtmpChunkReader::header_bytes_needed() const {
  if (header_len_ == 0) return 1;
  const uint8_t fmt = header_[0] >> 6;
  const size_t basic = basic_header_size(header_[0]);
  const size_t base = basic + kMessageHeaderSize[fmt];
  if (header_len_ < base) return base - header_len_;
  bool extended = false;
  if (fmt < 3) {
    extended = be24(header_ + basic) == kExtendedTimestamp;
  } else {
    uint32_t csid = header_[0] & 0x3f;
    if (csid == 0) csid = 64u + header_[1];
    if (csid == 1) csid = 64u + header_[1] + 256u * header_[2];
    auto it = streams_.find(csid);
    extended = it != streams_.end() && it->second.extended;
  }
  const size_t total = base + (extended ? 4 : 0);
  return total - header_len_;
}

Result<void> RtmpChunkReader::apply_header() {
  const uint8_t fmt = header_[0] >> 6;
  const size_t basic = basic_header_size(header_[0]);
  uint32_t csid = header_[0] & 0x3f;
  if (basic == 2) csid = 64u + header_[1];
  if (basic == 3) csid = 64u + header_[1] + 256u * header_[2];
  // 5.3.1.1: chunk stream id 2 is for low-level protocol control messages; 0 and 1 only select
  // the longer basic header forms above.
  auto it = streams_.find(csid);
  if (it == streams_.end()) {
    if (streams_.size() >= limits_.max_chunk_streams) return bad("too many chunk streams");
    it = streams_.emplace(csid, ChunkStream{}).first;
  }
  ChunkStream& cs = it->second;
  const uint8_t* mh = header_ + basic;
  const size_t mh_size = kMessageHeaderSize[fmt];
  const bool ext_present = header_len_ == basic + mh_size + 4;
  const uint32_t ext_value = ext_present ? be32(header_ + basic + mh_size) : 0;

  if (cs.in_progress) {
    // 5.3.1.2.4: the rest of a message comes in type-3 chunks; anything else is a broken peer.
    if (fmt != 3) return bad("new message header before the previous message completed");
  } else {
    if (fmt != 0 && !cs.has_header) return bad("compressed header on a fresh chunk stream");
    switch (fmt) {
      case 0: {
        const uint32_t ts = be24(mh);
        cs.extended = ts == kExtendedTimestamp;
        cs.timestamp = cs.extended ? ext_value : ts;
        cs.delta = cs.timestamp;
        cs.length = be24(mh + 3);
        cs.type_id = mh[6];
        cs.stream_id = uint32_t{mh[7]} | (uint32_t{mh[8]} << 8) | (uint32_t{mh[9]} << 16) |
                       (uint32_t{mh[10]} << 24);  // little-endian, 5.3.1.2.1
        cs.has_header = true;
        break;
      }
      case 1:
      case 2: {
        const uint32_t d = be24(mh);
        cs.extended = d == kExtendedTimestamp;
        cs.delta = cs.extended ? ext_value : d;
        cs.timestamp += cs.delta;  // unsigned: wraps at 2^32 as RTMP timestamps do
        if (fmt == 1) {
          cs.length = be24(mh + 3);
          cs.type_id = mh[6];
        }
        break;
      }
      case 3:
        if (cs.extended) cs.delta = ext_value;
        cs.timestamp += cs.delta;
        break;
    }
    if (cs.length > limits_.max_message_size) return bad("message larger than the limit");
    cs.in_progress = true;
    cs.payload.clear();
    cs.payload.reserve(std::min<uint32_t>(cs.length, 64 * 1024));
  }
  current_csid_ = csid;
  chunk_left_ = std::min<uint32_t>(chunk_size_, cs.length - static_cast<uint32_t>(cs.payload.size()));
  return ok_result();
}

Result<void> RtmpChunkReader::complete_message(ChunkStream& cs, std::vector<RtmpMessage>& out) {
  cs.in_progress = false;
  buffered_ -= cs.payload.size();
  RtmpMessage m;
  m.chunk_stream_id = current_csid_;
  m.type_id = cs.type_id;
  m.timestamp = cs.timestamp;
  m.stream_id = cs.stream_id;
  m.payload = std::move(cs.payload);
  cs.payload = Bytes{};

  if (m.type_id == msg_type::kSetChunkSize) {
    ByteReader r(m.payload);
    auto size = r.u32be();
    // 5.4.1: the top bit must be zero; a zero size could never make progress.
    if (!size || (*size & 0x80000000u) || *size == 0) return bad("invalid chunk size");
    chunk_size_ = *size;
    return ok_result();
  }
  if (m.type_id == msg_type::kAbort) {
    ByteReader r(m.payload);
    auto csid = r.u32be();
    if (!csid) return bad("truncated abort message");
    auto it = streams_.find(*csid);
    if (it != streams_.end() && it->second.in_progress) {
      buffered_ -= it->second.payload.size();
      it->second.payload = Bytes{};
      it->second.in_progress = false;
    }
    return ok_result();
  }
  out.push_back(std::move(m));
  return ok_result();
}

Result<void> RtmpChunkReader::feed(ByteSpan data, std::vector<RtmpMessage>& out) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (!in_payload_) {
      size_t need = header_bytes_needed();
      while (need > 0 && pos < data.size()) {
        const size_t n = std::min(need, data.size() - pos);
        std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(pos), n, header_ + header_len_);
        header_len_ += n;
        pos += n;
        need = header_bytes_needed();
      }
      if (need > 0) return ok_result();  // wait for the rest of the header
      if (auto r = apply_header(); !r.ok()) return r;
      header_len_ = 0;
      in_payload_ = true;
    }
    ChunkStream& cs = streams_[current_csid_];
    const size_t n = std::min<size_t>(chunk_left_, data.size() - pos);
    if (buffered_ + n > limits_.max_buffered_bytes) return bad("too many bytes in partial messages");
    cs.payload.insert(cs.payload.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                      data.begin() + static_cast<std::ptrdiff_t>(pos + n));
    buffered_ += n;
    pos += n;
    chunk_left_ -= static_cast<uint32_t>(n);
    if (cs.payload.size() == cs.length) {
      if (auto r = complete_message(cs, out); !r.ok()) return r;
      in_payload_ = false;
    } else if (chunk_left_ == 0) {
      in_payload_ = false;
    }
  }
  return ok_result();
}

}  // namespace stagecast::ingest::rtmp
