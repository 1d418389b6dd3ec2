#include "core/bytes.h"

#include <gtest/gtest.h>

namespace stagecast {
namespace {

TEST(ByteReader, ReadsBigEndianAndStopsAtTheEnd) {
  const uint8_t raw[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader r{ByteSpan(raw)};
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16be(), 0x0203);
  EXPECT_EQ(r.u24be(), 0x040506u);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.u8().has_value());
  EXPECT_FALSE(r.bytes(1).has_value());
}

TEST(ByteReader, RefusesALengthLongerThanTheData) {
  const uint8_t raw[] = {0xff, 0xff};
  ByteReader r{ByteSpan(raw)};
  EXPECT_FALSE(r.u32be().has_value());
  EXPECT_EQ(r.position(), 0u);
  EXPECT_FALSE(r.skip(3));
}

TEST(ByteWriter, WritesAndPatches) {
  ByteWriter w;
  w.u32be(0);
  w.str("ftyp");
  w.u24be(0x010203);
  w.u32le(0x04030201);
  w.patch_u32be(0, static_cast<uint32_t>(w.size()));
  const Bytes expected = {0, 0, 0, 15, 'f', 't', 'y', 'p', 1, 2, 3, 1, 2, 3, 4};
  EXPECT_EQ(w.data(), expected);
}

}  // namespace
}  // namespace stagecast
