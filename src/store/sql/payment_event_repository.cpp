#include <algorithm>

#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns = "provider, event_id, type, payload, received_at, applied, applied_at";

PaymentEvent read_event(const Statement& st) {
  return PaymentEvent{st.text(0), st.text(1),    st.text(2),   st.text(3),
                      st.i64(4),  st.boolean(5), st.opt_i64(6)};
}

class SqlPaymentEventRepository final : public PaymentEventRepository {
 public:
  explicit SqlPaymentEventRepository(Database& db) : db_(db) {}

  Result<bool> insert_if_new(const PaymentEvent& e) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      // DO NOTHING keeps the first copy untouched and is atomic against concurrent deliveries.
      auto st = c.prepare("INSERT INTO payment_events (" + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, FALSE, NULL) "
                          "ON CONFLICT (provider, event_id) DO NOTHING");
      if (!st) return st.error();
      st->bind_all(e.provider, e.event_id, e.type, e.payload, e.received_at);
      if (auto r = st->run(); !r) return r.error();
      return c.changes() > 0;
    });
  }

  Result<PaymentEvent> find(const std::string& provider, const std::string& event_id) override {
    return db_.read([&](Connection& c) -> Result<PaymentEvent> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM payment_events WHERE provider = ? AND event_id = ?");
      if (!st) return st.error();
      st->bind_all(provider, event_id);
      return first_row<PaymentEvent>(*st, read_event, "payment event");
    });
  }

  Result<bool> mark_applied(const std::string& provider, const std::string& event_id,
                            int64_t at_ms) override {
    return db_.write([&](Connection& c) -> Result<bool> {
      auto st = c.prepare(
          "UPDATE payment_events SET applied = TRUE, applied_at = ? "
          "WHERE provider = ? AND event_id = ? AND applied = FALSE");
      if (!st) return st.error();
      st->bind_all(at_ms, provider, event_id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() > 0) return true;
      auto exists = c.prepare("SELECT 1 FROM payment_events WHERE provider = ? AND event_id = ?");
      if (!exists) return exists.error();
      exists->bind_all(provider, event_id);
      auto row = exists->step();
      if (!row) return row.error();
      if (!*row) return make_error(errc::kNotFound, "payment event not found");
      return false;
    });
  }

  Result<std::vector<PaymentEvent>> list_unapplied(int limit) override {
    int n = std::clamp(limit, 1, 1000);
    return db_.read([&](Connection& c) -> Result<std::vector<PaymentEvent>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM payment_events WHERE applied = FALSE "
                          "ORDER BY received_at, event_id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(n);
      return collect_rows<PaymentEvent>(*st, read_event);
    });
  }

  Result<std::vector<PaymentEvent>> list_recent(int limit) override {
    const int n = std::clamp(limit, 1, 500);
    return db_.read([&](Connection& c) -> Result<std::vector<PaymentEvent>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM payment_events ORDER BY received_at DESC, event_id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(n);
      return collect_rows<PaymentEvent>(*st, read_event);
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<PaymentEventRepository> make_payment_event_repository(Database& db) {
  return std::make_unique<SqlPaymentEventRepository>(db);
}

}  // namespace stagecast::store::sql
