#include "core/random.h"
#include "store/errors.h"
#include "store/sqlite/sqlite_repositories.h"

namespace stagecast::store::sqlite {
namespace {

const std::string kColumns =
    "id, stream_id, storage_key, status, bytes, duration_ms, started_at, ended_at, error";

Recording read_recording(const Statement& st) {
  Recording r;
  r.id = st.text(0);
  r.stream_id = st.text(1);
  r.storage_key = st.text(2);
  r.status = parse_recording_status(st.text(3)).value_or(RecordingStatus::kFailed);
  r.bytes = st.i64(4);
  r.duration_ms = st.i64(5);
  r.started_at = st.i64(6);
  r.ended_at = st.opt_i64(7);
  r.error = st.opt_text(8);
  return r;
}

Result<Recording> find_on(SqliteConnection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM stream_recordings WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<Recording>(*st, read_recording, "recording");
}

class SqliteRecordingRepository final : public RecordingRepository {
 public:
  explicit SqliteRecordingRepository(SqliteDatabase& db) : db_(db) {}

  Result<Recording> create(const Recording& in) override {
    Recording r = in;
    if (r.id.empty()) r.id = random_id();
    return db_.write([&](SqliteConnection& c) -> Result<Recording> {
      auto st = c.prepare("INSERT INTO stream_recordings (" + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st) return st.error();
      st->bind_all(r.id, r.stream_id, r.storage_key, to_string(r.status), r.bytes,
                   r.duration_ms, r.started_at, r.ended_at, r.error);
      if (auto done = st->run(); !done) return done.error();
      return r;
    });
  }

  Result<Recording> find(const std::string& id) override {
    return db_.read([&](SqliteConnection& c) { return find_on(c, id); });
  }

  Result<std::vector<Recording>> list_for_stream(const std::string& stream_id) override {
    return db_.read([&](SqliteConnection& c) -> Result<std::vector<Recording>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_recordings WHERE stream_id = ? ORDER BY started_at, id");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return collect_rows<Recording>(*st, read_recording);
    });
  }

  Result<Recording> update(const Recording& r) override {
    return db_.write([&](SqliteConnection& c) -> Result<Recording> {
      auto st = c.prepare(
          "UPDATE stream_recordings SET status = ?, bytes = ?, duration_ms = ?, ended_at = ?, "
          "error = ? WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(to_string(r.status), r.bytes, r.duration_ms, r.ended_at, r.error, r.id);
      if (auto done = st->run(); !done) return done.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "recording not found");
      return find_on(c, r.id);
    });
  }

 private:
  SqliteDatabase& db_;
};

}  // namespace

std::unique_ptr<RecordingRepository> make_recording_repository(SqliteDatabase& db) {
  return std::make_unique<SqliteRecordingRepository>(db);
}

}  // namespace stagecast::store::sqlite
