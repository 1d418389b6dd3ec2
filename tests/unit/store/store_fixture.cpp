#include "store_fixture.h"

#include <libpq-fe.h>

#include <fstream>

#include "core/random.h"

namespace stagecast::store::testing {
namespace {

// A database name of the test directory (its random id): the same on reopen.
std::string database_name(const std::filesystem::path& dir) {
  return "t_" + dir.filename().string().substr(dir.filename().string().rfind('-') + 1);
}

}  // namespace

Result<void> admin_exec(const std::string& sql) {
  auto url = test_postgres_url();
  if (!url) return url.error();
  PGconn* conn = PQconnectdb(url->c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string m = PQerrorMessage(conn);
    PQfinish(conn);
    return make_error("db_unavailable", m);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string m = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (!ok) return make_error("internal", m);
  return {};
}

Result<std::string> test_postgres_url() {
  std::ifstream in(STAGECAST_PG_URL_FILE);
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) {
    return make_error("db_unavailable",
                      "no PostgreSQL test cluster: run the tests with ctest (fixture store_pg, "
                      "scripts/pg-test-cluster.sh start), which writes " STAGECAST_PG_URL_FILE);
  }
  return url;
}

Result<std::string> create_test_database(const std::string& name) {
  auto url = test_postgres_url();
  if (!url) return url.error();
  // Created on the first open, found again on a reopen.
  auto created = admin_exec("CREATE DATABASE " + name);
  if (!created && created.error().message.find("already exists") == std::string::npos) {
    return created.error();
  }
  return url->substr(0, url->rfind('/') + 1) + name;
}

void drop_test_database(const std::string& name) {
  (void)admin_exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

std::vector<StoreBackend> store_backends() {
  return {
      {"sqlite_file",
       [](const std::filesystem::path& dir, const StoreOptions& options) {
         return open_store("sqlite://" + (dir / "stagecast.db").string(), options);
       },
       true},
      {"sqlite_memory",
       [](const std::filesystem::path&, const StoreOptions& options) {
         return open_store("sqlite::memory:", options);
       },
       false},
      {"postgres",
       [](const std::filesystem::path& dir,
          const StoreOptions& options) -> Result<std::unique_ptr<Store>> {
         auto url = create_test_database(database_name(dir));
         if (!url) return url.error();
         return open_store(*url, options);
       },
       true, [](const std::filesystem::path& dir) { drop_test_database(database_name(dir)); }},
  };
}

void StoreTest::SetUp() {
  dir_ = std::filesystem::temp_directory_path() / ("stagecast-store-test-" + random_id());
  std::filesystem::create_directories(dir_);
  StoreOptions options;
  options.clock = &clock_;
  auto opened = GetParam().open(dir_, options);
  ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
  store_ = std::move(opened).value();
}

void StoreTest::TearDown() {
  store_.reset();
  if (GetParam().drop) GetParam().drop(dir_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void StoreTest::reopen() {
  store_.reset();
  StoreOptions options;
  options.clock = &clock_;
  auto opened = GetParam().open(dir_, options);
  ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
  store_ = std::move(opened).value();
}

User StoreTest::make_user(const std::string& email, Role role) {
  User u;
  u.email = email;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.display_name = email.substr(0, email.find('@'));
  u.role = role;
  if (role == Role::kArtist) u.stripe_account_id = "acct_" + email.substr(0, email.find('@'));
  u.created_at = u.updated_at = clock_.unix_millis();
  auto created = store_->users().create(u);
  EXPECT_TRUE(created.ok()) << created.error().message;
  return created.ok() ? created.value() : u;
}

LiveStream StoreTest::make_stream(const std::string& artist_id, const std::string& key_hash) {
  LiveStream s;
  s.artist_id = artist_id;
  s.title = "Soundcheck";
  s.description = "warming up";
  s.visibility = Visibility::kPublic;
  s.stream_key_hash = key_hash;
  s.stream_key_rotated_at = s.created_at = s.updated_at = clock_.unix_millis();
  auto created = store_->streams().create(s);
  EXPECT_TRUE(created.ok()) << created.error().message;
  return created.ok() ? created.value() : s;
}

}  // namespace stagecast::store::testing
