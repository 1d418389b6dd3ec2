#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, stream_id, fan_id, status, source, amount_cents, currency, fee_cents, provider, "
    "provider_payment_id, attempt, granted_by, created_at, updated_at";

StreamTicket read_ticket(const Statement& st) {
  StreamTicket t;
  t.id = st.text(0);
  t.stream_id = st.text(1);
  t.fan_id = st.text(2);
  t.status = parse_ticket_status(st.text(3)).value_or(TicketStatus::kRevoked);
  t.source = parse_ticket_source(st.text(4)).value_or(TicketSource::kGrant);
  t.amount_cents = st.i64(5);
  t.currency = st.text(6);
  t.fee_cents = st.i64(7);
  t.provider = st.opt_text(8);
  t.provider_payment_id = st.opt_text(9);
  t.attempt = static_cast<int>(st.i64(10));
  t.granted_by = st.opt_text(11);
  t.created_at = st.i64(12);
  t.updated_at = st.i64(13);
  return t;
}

Result<StreamTicket> find_on(Connection& c, const std::string& stream_id,
                             const std::string& fan_id) {
  auto st =
      c.prepare("SELECT " + kColumns + " FROM stream_tickets WHERE stream_id = ? AND fan_id = ?");
  if (!st) return st.error();
  st->bind_all(stream_id, fan_id);
  return first_row<StreamTicket>(*st, read_ticket, "ticket");
}

Result<StreamTicket> find_id_on(Connection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM stream_tickets WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<StreamTicket>(*st, read_ticket, "ticket");
}

Result<void> insert_on(Connection& c, const StreamTicket& t) {
  auto st = c.prepare("INSERT INTO stream_tickets (" + kColumns +
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind_all(t.id, t.stream_id, t.fan_id, to_string(t.status), to_string(t.source),
               t.amount_cents, t.currency, t.fee_cents, t.provider, t.provider_payment_id,
               t.attempt, t.granted_by, t.created_at, t.updated_at);
  return st->run();
}

class SqlTicketRepository final : public TicketRepository {
 public:
  explicit SqlTicketRepository(Database& db) : db_(db) {}

  Result<TicketOpening> open_purchase(const StreamTicket& in) override {
    StreamTicket t = in;
    if (t.id.empty()) t.id = random_id();
    t.status = TicketStatus::kPending;
    t.source = TicketSource::kPurchase;
    t.attempt = 1;
    t.provider_payment_id.reset();
    if (t.amount_cents <= 0) return make_error(errc::kInvalidArgument, "amount must be positive");
    if (t.fee_cents < 0 || t.fee_cents > t.amount_cents) {
      return make_error(errc::kInvalidArgument, "fee must be between 0 and the amount");
    }
    return db_.transaction([&](Connection& c) -> Result<TicketOpening> {
      auto existing = find_on(c, t.stream_id, t.fan_id);
      if (existing) return TicketOpening{std::move(existing).value(), false};
      if (existing.error().code != errc::kNotFound) return existing.error();
      if (auto r = insert_on(c, t); !r) return r.error();
      return TicketOpening{t, true};
    });
  }

  Result<StreamTicket> restart_purchase(const std::string& id, int expected_attempt,
                                        int64_t amount_cents, const std::string& currency,
                                        int64_t fee_cents, const std::string& provider,
                                        int64_t now_ms) override {
    if (amount_cents <= 0 || fee_cents < 0 || fee_cents > amount_cents) {
      return make_error(errc::kInvalidArgument, "invalid amount or fee");
    }
    return db_.write([&](Connection& c) -> Result<StreamTicket> {
      // Compare-and-set: the attempt and "does not admit" are both in the WHERE clause.
      auto st = c.prepare(
          "UPDATE stream_tickets SET status = 'PENDING', source = 'PURCHASE', amount_cents = ?, "
          "currency = ?, fee_cents = ?, provider = ?, provider_payment_id = NULL, "
          "attempt = attempt + 1, granted_by = NULL, updated_at = ? "
          "WHERE id = ? AND attempt = ? AND status NOT IN ('PAID', 'DISPUTED')");
      if (!st) return st.error();
      st->bind_all(amount_cents, currency, fee_cents, provider, now_ms, id, expected_attempt);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kConflict, "ticket changed concurrently");
      return find_id_on(c, id);
    });
  }

  Result<void> set_provider_payment_id(const std::string& id, int attempt,
                                       const std::string& payment_id, int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st = c.prepare(
          "UPDATE stream_tickets SET provider_payment_id = ?, updated_at = ? "
          "WHERE id = ? AND attempt = ? AND (provider_payment_id IS NULL OR "
          "provider_payment_id = ?)");
      if (!st) return st.error();
      st->bind_all(payment_id, now_ms, id, attempt, payment_id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) {
        return make_error(errc::kConflict, "the ticket's attempt has another payment");
      }
      return {};
    });
  }

  Result<TicketTransition> transition(const std::string& id, TicketStatus to,
                                      int64_t now_ms) override {
    return db_.transaction([&](Connection& c) -> Result<TicketTransition> {
      auto current = find_id_on(c, id);
      if (!current) return current.error();
      StreamTicket t = std::move(current).value();
      const TicketStatus from = t.status;
      if (from == to) return TicketTransition{std::move(t), false, from};
      if (!ticket_transition_allowed(from, to)) {
        return make_error(errc::kInvalidTransition, "ticket cannot go from " +
                                                        std::string(to_string(from)) + " to " +
                                                        std::string(to_string(to)));
      }
      // The status in the WHERE clause makes this a compare-and-set across nodes.
      auto st = c.prepare(
          "UPDATE stream_tickets SET status = ?, updated_at = ? WHERE id = ? AND status = ?");
      if (!st) return st.error();
      st->bind_all(to_string(to), now_ms, id, to_string(from));
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kConflict, "ticket changed concurrently");
      t.status = to;
      t.updated_at = now_ms;
      return TicketTransition{std::move(t), true, from};
    });
  }

  Result<TicketTransition> grant(const std::string& stream_id, const std::string& fan_id,
                                 TicketSource source, const std::string& granted_by,
                                 const std::string& currency, int64_t now_ms) override {
    if (source == TicketSource::kPurchase) {
      return make_error(errc::kInvalidArgument, "a purchase is not granted");
    }
    return db_.transaction([&](Connection& c) -> Result<TicketTransition> {
      auto current = find_on(c, stream_id, fan_id);
      if (current) {
        StreamTicket t = std::move(current).value();
        const TicketStatus from = t.status;
        if (t.admits()) return TicketTransition{std::move(t), false, from};
        // Keeps the purchase attempt's payment id and price on the row (audit); the ticket now
        // admits as a gift.
        auto st = c.prepare(
            "UPDATE stream_tickets SET status = 'PAID', source = ?, granted_by = ?, "
            "updated_at = ? WHERE id = ? AND status = ?");
        if (!st) return st.error();
        st->bind_all(to_string(source), granted_by, now_ms, t.id, to_string(from));
        if (auto r = st->run(); !r) return r.error();
        if (c.changes() == 0) return make_error(errc::kConflict, "ticket changed concurrently");
        t.status = TicketStatus::kPaid;
        t.source = source;
        t.granted_by = granted_by;
        t.updated_at = now_ms;
        return TicketTransition{std::move(t), true, from};
      }
      if (current.error().code != errc::kNotFound) return current.error();
      StreamTicket t;
      t.id = random_id();
      t.stream_id = stream_id;
      t.fan_id = fan_id;
      t.status = TicketStatus::kPaid;
      t.source = source;
      t.currency = currency;
      t.granted_by = granted_by;
      t.created_at = now_ms;
      t.updated_at = now_ms;
      if (auto r = insert_on(c, t); !r) return r.error();
      return TicketTransition{std::move(t), true, TicketStatus::kRevoked};
    });
  }

  Result<TicketTransition> revoke_grant(const std::string& stream_id, const std::string& fan_id,
                                        int64_t now_ms) override {
    return db_.transaction([&](Connection& c) -> Result<TicketTransition> {
      auto current = find_on(c, stream_id, fan_id);
      if (!current) return current.error();
      StreamTicket t = std::move(current).value();
      const TicketStatus from = t.status;
      if (t.source == TicketSource::kPurchase) {
        return make_error(errc::kInvalidTransition,
                          "a bought ticket is taken back by refunding its payment");
      }
      if (from == TicketStatus::kRevoked) return TicketTransition{std::move(t), false, from};
      auto st = c.prepare(
          "UPDATE stream_tickets SET status = 'REVOKED', updated_at = ? WHERE id = ? AND "
          "status = ?");
      if (!st) return st.error();
      st->bind_all(now_ms, t.id, to_string(from));
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kConflict, "ticket changed concurrently");
      t.status = TicketStatus::kRevoked;
      t.updated_at = now_ms;
      return TicketTransition{std::move(t), true, from};
    });
  }

  Result<StreamTicket> find(const std::string& stream_id, const std::string& fan_id) override {
    return db_.read([&](Connection& c) { return find_on(c, stream_id, fan_id); });
  }

  Result<StreamTicket> find_by_id(const std::string& id) override {
    return db_.read([&](Connection& c) { return find_id_on(c, id); });
  }

  Result<StreamTicket> find_by_provider_payment_id(const std::string& provider,
                                                   const std::string& payment_id) override {
    return db_.read([&](Connection& c) -> Result<StreamTicket> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_tickets WHERE provider = ? AND provider_payment_id = ?");
      if (!st) return st.error();
      st->bind_all(provider, payment_id);
      return first_row<StreamTicket>(*st, read_ticket, "ticket");
    });
  }

  Result<bool> has_paid_ticket(const std::string& stream_id, const std::string& fan_id) override {
    return db_.read([&](Connection& c) -> Result<bool> {
      auto st = c.prepare(
          "SELECT 1 FROM stream_tickets WHERE stream_id = ? AND fan_id = ? AND "
          "status IN ('PAID', 'DISPUTED')");
      if (!st) return st.error();
      st->bind_all(stream_id, fan_id);
      return st->step();
    });
  }

  Result<std::vector<StreamTicket>> list_for_stream(const std::string& stream_id) override {
    return db_.read([&](Connection& c) -> Result<std::vector<StreamTicket>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_tickets WHERE stream_id = ? ORDER BY created_at, fan_id");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return collect_rows<StreamTicket>(*st, read_ticket);
    });
  }

  Result<TicketTotals> totals_for_stream(const std::string& stream_id) override {
    return db_.read([&](Connection& c) -> Result<TicketTotals> {
      auto st = c.prepare(
          "SELECT "
          "COALESCE(SUM(CASE WHEN source = 'PURCHASE' AND status = 'PAID' THEN 1 ELSE 0 END), 0), "
          "COALESCE(SUM(CASE WHEN source = 'PURCHASE' AND status = 'PAID' THEN amount_cents "
          "ELSE 0 END), 0), "
          "COALESCE(SUM(CASE WHEN source = 'PURCHASE' AND status = 'PAID' THEN fee_cents "
          "ELSE 0 END), 0), "
          "COALESCE(SUM(CASE WHEN source <> 'PURCHASE' AND status IN ('PAID', 'DISPUTED') "
          "THEN 1 ELSE 0 END), 0) "
          "FROM stream_tickets WHERE stream_id = ?");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return first_row<TicketTotals>(
          *st,
          [](const Statement& s) {
            return TicketTotals{s.i64(0), s.i64(1), s.i64(2), s.i64(3)};
          },
          "ticket totals");
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<TicketRepository> make_ticket_repository(Database& db) {
  return std::make_unique<SqlTicketRepository>(db);
}

}  // namespace stagecast::store::sql
