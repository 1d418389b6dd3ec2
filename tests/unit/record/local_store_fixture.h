#pragma once
// A LocalObjectStore in a fresh temporary directory, removed after each test.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include "core/bytes.h"
#include "core/random.h"
#include "record/local_object_store.h"

namespace stagecast::record::testing {

class LocalStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sc-objects-" + random_id().substr(0, 12));
    auto s = LocalObjectStore::open(dir_);
    ASSERT_TRUE(s);
    store_ = std::move(*s);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::unique_ptr<LocalObjectStore> store_;
};

inline Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace stagecast::record::testing
