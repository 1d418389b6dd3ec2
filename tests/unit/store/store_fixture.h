#pragma once
// Repository tests run against every Store backend through this fixture: a backend is a name
// and a function opening a store in a fresh directory. Every TEST_P runs against SQLite (file
// and memory) and PostgreSQL: the cluster the ctest fixture store_pg started (see
// scripts/pg-test-cluster.sh), a fresh database per test, dropped after it.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/store.h"

namespace stagecast::store::testing {

struct StoreBackend {
  std::string name;
  // Opens (or reopens) the backend's database kept under `dir`.
  std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& dir,
                                               const StoreOptions& options)>
      open;
  // Whether closing and reopening keeps the data (false for in-memory).
  bool persistent = true;
  // Removes what open() created outside `dir` (PostgreSQL's per-test database); may be empty.
  std::function<void(const std::filesystem::path& dir)> drop;
};

// The URL of the test cluster's maintenance database, or an error saying why there is none.
Result<std::string> test_postgres_url();
// A postgres:// URL of a database created for `name` on the test cluster (created if missing).
Result<std::string> create_test_database(const std::string& name);
void drop_test_database(const std::string& name);
// Runs one statement on the test cluster's maintenance database.
Result<void> admin_exec(const std::string& sql);

std::vector<StoreBackend> store_backends();

// So test listings (ctest, --gtest_list_tests) name the backend instead of dumping its bytes.
inline void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

class StoreTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Store& store() { return *store_; }
  // Closes the store and opens it again on the same database (a server restart).
  void reopen();

  // Fixtures that most tests need; times come from clock_.
  User make_user(const std::string& email, Role role = Role::kFan);
  LiveStream make_stream(const std::string& artist_id, const std::string& key_hash);

  ManualClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

// Every suite of the store tests is an alias of StoreTest instantiated over all backends.
#define STAGECAST_STORE_SUITE(suite)                                                   \
  using suite = ::stagecast::store::testing::StoreTest;                                \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                            \
                           ::testing::ValuesIn(::stagecast::store::testing::store_backends()), \
                           [](const auto& info) { return info.param.name; })

}  // namespace stagecast::store::testing
