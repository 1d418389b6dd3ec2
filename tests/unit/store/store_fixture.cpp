#include "store_fixture.h"

#include "core/random.h"

namespace stagecast::store::testing {

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
