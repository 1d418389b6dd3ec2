#pragma once
// The local store's on-disk records of multipart uploads and composite objects (used only by
// LocalObjectStore; here so they can be tested alone).
//
// A part of an open upload (<objects>/.uploads/<id>/) is either bytes appended to its `data`
// file, or a hard link `p<N>` to a file the store already holds (a segment the recorder staged:
// the MP4's parts reference the segment objects instead of copying them). Its `parts` file has
// one line per part: "<number> <offset> <size> <etag>" (appended) or "<number> L <size> <etag>"
// (linked).
//
// An upload completed with a linked part becomes a composite object: its pieces stay in
// <objects>/.composite/<id>/ and the key holds a small manifest naming them, in order. The
// store's get/size/list/copy/remove resolve it, so a reader sees the same bytes as if the parts
// had been appended to one file; on disk they are held once.
//
//   stagecast-composite 1
//   id <upload id>
//   size <total bytes>
//   <piece file> <offset in it> <size>     one line per piece, in order
//
// A piece file is "data" or "p<N>", never a path. The first line is the magic by which the
// store tells a manifest from an ordinary object: the objects the server writes are MP4 boxes
// (a 32-bit size first) and playlists ("#EXTM3U"), which never begin with it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagecast::record {

inline constexpr std::string_view kCompositeMagic = "stagecast-composite 1\n";
// The largest manifest read (about 30 bytes a piece: ten hours of 2 s segments is ~0.6 MB).
inline constexpr uint64_t kMaxManifestBytes = 16ull * 1024 * 1024;

struct CompositePiece {
  std::string file;  // "data" or "p<N>"
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct CompositeManifest {
  std::string id;
  uint64_t size = 0;
  std::vector<CompositePiece> pieces;
};

// "data" or "p" followed by 1..9 digits.
bool valid_piece_file(std::string_view name);
std::string render_composite(const CompositeManifest& m);
// nullopt when the text is not a whole, consistent manifest (pieces summing to its size).
std::optional<CompositeManifest> parse_composite(std::string_view text);

struct PartRecord {
  int number = 0;
  bool linked = false;  // a hard link p<number>, else bytes at `offset` of the data file
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string etag;
};

std::string render_part_line(const PartRecord& p);
// The lines of a parts file; stops at the first line that is not whole (a torn append).
std::vector<PartRecord> parse_part_lines(std::string_view text);
inline std::string linked_part_file(int number) {
  return "p" + std::to_string(number);
}

}  // namespace stagecast::record
