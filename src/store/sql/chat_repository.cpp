#include <algorithm>

#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, stream_id, user_id, display_name, body, kind, tip_id, created_at, moderated, "
    "moderated_by, moderated_at, seq";

ChatMessage read_message(const Statement& st) {
  ChatMessage m;
  m.id = st.text(0);
  m.stream_id = st.text(1);
  m.user_id = st.opt_text(2);
  m.display_name = st.text(3);
  m.body = st.text(4);
  m.kind = parse_chat_message_kind(st.text(5)).value_or(ChatMessageKind::kText);
  m.tip_id = st.opt_text(6);
  m.created_at = st.i64(7);
  m.moderated = st.boolean(8);
  m.moderated_by = st.opt_text(9);
  m.moderated_at = st.opt_i64(10);
  m.seq = st.i64(11);
  return m;
}

Result<ChatMessage> find_on(Connection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM stream_chat_messages WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<ChatMessage>(*st, read_message, "chat message");
}

// Inside the caller's transaction.
Result<ChatMessage> insert_on(Connection& c, const ChatMessage& in) {
  ChatMessage m = in;
  if (m.id.empty()) m.id = random_id();
  // The next seq is computed in the INSERT itself; under PostgreSQL two nodes may race to
  // the same seq and one gets a unique violation (conflict) to retry.
  auto st = c.prepare(
      "INSERT INTO stream_chat_messages (id, stream_id, user_id, display_name, body, kind, "
      "tip_id, created_at, moderated, moderated_by, moderated_at, seq) "
      "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(MAX(seq), 0) + 1 "
      "FROM stream_chat_messages WHERE stream_id = ? RETURNING seq");
  if (!st) return st.error();
  st->bind_all(m.id, m.stream_id, m.user_id, m.display_name, m.body, to_string(m.kind), m.tip_id,
               m.created_at, m.moderated, m.moderated_by, m.moderated_at, m.stream_id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return make_error(errc::kInternal, "chat insert returned no seq");
  m.seq = st->i64(0);
  if (auto done = st->run(); !done) return done.error();
  if (m.kind != ChatMessageKind::kSystem) {
    auto count = c.prepare(
        "UPDATE live_streams SET chat_message_count = chat_message_count + 1 WHERE id = ?");
    if (!count) return count.error();
    count->bind_all(m.stream_id);
    if (auto r = count->run(); !r) return r.error();
  }
  return m;
}

class SqlChatRepository final : public ChatRepository {
 public:
  explicit SqlChatRepository(Database& db) : db_(db) {}

  Result<ChatMessage> append(const ChatMessage& in) override {
    return db_.transaction([&](Connection& c) -> Result<ChatMessage> { return insert_on(c, in); });
  }

  Result<std::vector<ChatMessage>> append_all(const std::vector<ChatMessage>& in) override {
    return db_.transaction([&](Connection& c) -> Result<std::vector<ChatMessage>> {
      std::vector<ChatMessage> out;
      out.reserve(in.size());
      for (const ChatMessage& m : in) {
        auto stored = insert_on(c, m);
        if (!stored) return stored.error();
        out.push_back(std::move(*stored));
      }
      return out;
    });
  }

  Result<ChatMessage> find(const std::string& id) override {
    return db_.read([&](Connection& c) { return find_on(c, id); });
  }

  Result<std::vector<ChatMessage>> recent(const std::string& stream_id, int limit) override {
    return page_before(stream_id, std::nullopt, limit, false);
  }

  Result<std::vector<ChatMessage>> page_before(const std::string& stream_id,
                                               std::optional<int64_t> before_seq, int limit,
                                               bool include_moderated) override {
    int n = std::clamp(limit, 1, 200);
    return db_.read([&](Connection& c) -> Result<std::vector<ChatMessage>> {
      // Newest first to take the last n, then reversed into chronological order.
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_chat_messages WHERE stream_id = ?1 "
                          "AND (?2 IS NULL OR seq < ?2) AND (?3 = 1 OR moderated = FALSE) "
                          "ORDER BY seq DESC LIMIT ?4");
      if (!st) return st.error();
      st->bind_all(stream_id, before_seq, include_moderated, n);
      auto rows = collect_rows<ChatMessage>(*st, read_message);
      if (!rows) return rows.error();
      std::reverse(rows->begin(), rows->end());
      return rows;
    });
  }

  Result<ChatMessage> mark_moderated(const std::string& message_id, const std::string& moderator_id,
                                     int64_t at_ms) override {
    return db_.write([&](Connection& c) -> Result<ChatMessage> {
      auto st = c.prepare(
          "UPDATE stream_chat_messages SET moderated = TRUE, moderated_by = ?, "
          "moderated_at = ? WHERE id = ? AND moderated = FALSE");
      if (!st) return st.error();
      st->bind_all(moderator_id, at_ms, message_id);
      if (auto r = st->run(); !r) return r.error();
      return find_on(c, message_id);
    });
  }

  Result<int64_t> mark_user_moderated(const std::string& stream_id, const std::string& user_id,
                                      const std::string& moderator_id, int64_t at_ms) override {
    return db_.write([&](Connection& c) -> Result<int64_t> {
      auto st = c.prepare(
          "UPDATE stream_chat_messages SET moderated = TRUE, moderated_by = ?, "
          "moderated_at = ? WHERE stream_id = ? AND user_id = ? AND moderated = FALSE");
      if (!st) return st.error();
      st->bind_all(moderator_id, at_ms, stream_id, user_id);
      if (auto r = st->run(); !r) return r.error();
      return c.changes();
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<ChatRepository> make_chat_repository(Database& db) {
  return std::make_unique<SqlChatRepository>(db);
}

}  // namespace stagecast::store::sql
