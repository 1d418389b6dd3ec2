#include "store/errors.h"
#include "store/sqlite/sqlite_repositories.h"

namespace stagecast::store::sqlite {
namespace {

const std::string kColumns = "stream_id, fan_id, paid, created_at, updated_at";

StreamTicket read_ticket(const Statement& st) {
  return StreamTicket{st.text(0), st.text(1), st.boolean(2), st.i64(3), st.i64(4)};
}

Result<StreamTicket> find_on(SqliteConnection& c, const std::string& stream_id,
                             const std::string& fan_id) {
  auto st = c.prepare("SELECT " + kColumns +
                      " FROM stream_tickets WHERE stream_id = ? AND fan_id = ?");
  if (!st) return st.error();
  st->bind_all(stream_id, fan_id);
  return first_row<StreamTicket>(*st, read_ticket, "ticket");
}

class SqliteTicketRepository final : public TicketRepository {
 public:
  explicit SqliteTicketRepository(SqliteDatabase& db) : db_(db) {}

  Result<StreamTicket> upsert(const StreamTicket& t) override {
    return db_.write([&](SqliteConnection& c) -> Result<StreamTicket> {
      auto st = c.prepare(
          "INSERT INTO stream_tickets (stream_id, fan_id, paid, created_at, updated_at) "
          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream_id, fan_id) DO UPDATE SET "
          "paid = excluded.paid, updated_at = excluded.updated_at");
      if (!st) return st.error();
      st->bind_all(t.stream_id, t.fan_id, t.paid, t.created_at, t.updated_at);
      if (auto r = st->run(); !r) return r.error();
      return find_on(c, t.stream_id, t.fan_id);
    });
  }

  Result<StreamTicket> find(const std::string& stream_id, const std::string& fan_id) override {
    return db_.read([&](SqliteConnection& c) { return find_on(c, stream_id, fan_id); });
  }

  Result<bool> has_paid_ticket(const std::string& stream_id, const std::string& fan_id) override {
    return db_.read([&](SqliteConnection& c) -> Result<bool> {
      auto st = c.prepare(
          "SELECT 1 FROM stream_tickets WHERE stream_id = ? AND fan_id = ? AND paid = TRUE");
      if (!st) return st.error();
      st->bind_all(stream_id, fan_id);
      return st->step();
    });
  }

  Result<std::vector<StreamTicket>> list_for_stream(const std::string& stream_id) override {
    return db_.read([&](SqliteConnection& c) -> Result<std::vector<StreamTicket>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_tickets WHERE stream_id = ? ORDER BY created_at, fan_id");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return collect_rows<StreamTicket>(*st, read_ticket);
    });
  }

 private:
  SqliteDatabase& db_;
};

}  // namespace

std::unique_ptr<TicketRepository> make_ticket_repository(SqliteDatabase& db) {
  return std::make_unique<SqliteTicketRepository>(db);
}

}  // namespace stagecast::store::sqlite
