#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, stream_id, kind, status, storage, object_prefix, master_key, mp4_key, renditions, gaps, "
    "bytes, duration_ms, started_at, ended_at, error, replay_url, title, source_recording_id, "
    "clip_start_ms, created_by";
const std::string kPlaceholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

Recording read_recording(const Statement& st) {
  Recording r;
  r.id = st.text(0);
  r.stream_id = st.text(1);
  r.kind = parse_recording_kind(st.text(2)).value_or(RecordingKind::kRecording);
  r.status = parse_recording_status(st.text(3)).value_or(RecordingStatus::kFailed);
  r.storage = st.text(4);
  r.object_prefix = st.text(5);
  r.master_key = st.opt_text(6);
  r.mp4_key = st.opt_text(7);
  r.renditions = st.text(8);
  r.gaps = st.text(9);
  r.bytes = st.i64(10);
  r.duration_ms = st.i64(11);
  r.started_at = st.i64(12);
  r.ended_at = st.opt_i64(13);
  r.error = st.opt_text(14);
  r.replay_url = st.opt_text(15);
  r.title = st.opt_text(16);
  r.source_recording_id = st.opt_text(17);
  r.clip_start_ms = st.opt_i64(18);
  r.created_by = st.opt_text(19);
  return r;
}

void bind_recording(Statement& st, const Recording& r) {
  st.bind_all(r.id, r.stream_id, to_string(r.kind), to_string(r.status), r.storage, r.object_prefix,
              r.master_key, r.mp4_key, r.renditions, r.gaps, r.bytes, r.duration_ms, r.started_at,
              r.ended_at, r.error, r.replay_url, r.title, r.source_recording_id, r.clip_start_ms,
              r.created_by);
}

Result<Recording> find_on(Connection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM stream_recordings WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<Recording>(*st, read_recording, "recording");
}

Result<Recording> insert_on(Connection& c, const Recording& r) {
  auto st =
      c.prepare("INSERT INTO stream_recordings (" + kColumns + ") VALUES (" + kPlaceholders + ")");
  if (!st) return st.error();
  bind_recording(*st, r);
  if (auto done = st->run(); !done) return done.error();
  return r;
}

bool finished(RecordingStatus s) {
  return s == RecordingStatus::kReady || s == RecordingStatus::kPartial ||
         s == RecordingStatus::kFailed;
}

class SqlRecordingRepository final : public RecordingRepository {
 public:
  explicit SqlRecordingRepository(Database& db) : db_(db) {}

  Result<Recording> create(const Recording& in) override {
    Recording r = in;
    if (r.id.empty()) r.id = random_id();
    return db_.write([&](Connection& c) { return insert_on(c, r); });
  }

  Result<Recording> upsert(const Recording& r) override {
    return db_.write([&](Connection& c) -> Result<Recording> {
      auto existing = find_on(c, r.id);
      if (existing) {
        if (finished(existing->status) && !finished(r.status)) return *existing;
        auto del = c.prepare("DELETE FROM stream_recordings WHERE id = ?");
        if (!del) return del.error();
        del->bind_all(r.id);
        if (auto done = del->run(); !done) return done.error();
      } else if (existing.error().code != errc::kNotFound) {
        return existing.error();
      }
      return insert_on(c, r);
    });
  }

  Result<Recording> find(const std::string& id) override {
    return db_.read([&](Connection& c) { return find_on(c, id); });
  }

  Result<std::vector<Recording>> list_for_stream(const std::string& stream_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<Recording>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_recordings WHERE stream_id = ? ORDER BY started_at, id");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return collect_rows<Recording>(*st, read_recording);
    });
  }

  Result<Recording> update(const Recording& r) override {
    return db_.write([&](Connection& c) -> Result<Recording> {
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

  Result<void> remove(const std::string& id) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare("DELETE FROM stream_recordings WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(id);
      if (auto done = st->run(); !done) return done.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "recording not found");
      return ok_result();
    });
  }

  Result<std::vector<Recording>> list_unfinished() override {
    return db_.read([&](Connection& c) -> Result<std::vector<Recording>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_recordings WHERE status IN ('RECORDING', 'FINALIZING') "
                          "ORDER BY started_at, id");
      if (!st) return st.error();
      return collect_rows<Recording>(*st, read_recording);
    });
  }

  Result<std::vector<Recording>> list_finished_oldest(int64_t before_ms, int limit) override {
    return db_.read([&](Connection& c) -> Result<std::vector<Recording>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_recordings WHERE status IN ('READY', 'PARTIAL', 'FAILED') "
                          "AND started_at < ? ORDER BY started_at, id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(before_ms, static_cast<int64_t>(limit));
      return collect_rows<Recording>(*st, read_recording);
    });
  }

  Result<int64_t> total_bytes() override {
    return db_.read([&](Connection& c) -> Result<int64_t> {
      auto st = c.prepare("SELECT COALESCE(SUM(bytes), 0) FROM stream_recordings");
      if (!st) return st.error();
      return first_row<int64_t>(
          *st, [](const Statement& s) { return s.i64(0); }, "total");
    });
  }

  Result<void> set_stream_recording_url(const std::string& stream_id,
                                        const std::optional<std::string>& url) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare("UPDATE live_streams SET recording_url = ? WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(url, stream_id);
      if (auto done = st->run(); !done) return done.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "stream not found");
      return ok_result();
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<RecordingRepository> make_recording_repository(Database& db) {
  return std::make_unique<SqlRecordingRepository>(db);
}

}  // namespace stagecast::store::sql
