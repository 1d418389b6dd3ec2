#include <algorithm>

#include "core/random.h"
#include "store/errors.h"
#include "store/sql/repositories.h"

namespace stagecast::store::sql {
namespace {

const std::string kColumns =
    "id, stream_id, fan_id, artist_id, amount_cents, currency, fee_cents, message, status, "
    "provider, provider_payment_id, idempotency_key, created_at, updated_at";

Tip read_tip(const Statement& st) {
  Tip t;
  t.id = st.text(0);
  t.stream_id = st.text(1);
  t.fan_id = st.text(2);
  t.artist_id = st.text(3);
  t.amount_cents = st.i64(4);
  t.currency = st.text(5);
  t.fee_cents = st.i64(6);
  t.message = st.opt_text(7);
  t.status = parse_tip_status(st.text(8)).value_or(TipStatus::kFailed);
  t.provider = st.text(9);
  t.provider_payment_id = st.opt_text(10);
  t.idempotency_key = st.text(11);
  t.created_at = st.i64(12);
  t.updated_at = st.i64(13);
  return t;
}

Result<Tip> find_on(Connection& c, const std::string& id) {
  auto st = c.prepare("SELECT " + kColumns + " FROM stream_tips WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(id);
  return first_row<Tip>(*st, read_tip, "tip");
}

// Adds sign * the tip to its stream's counters (sign +1 entering SUCCEEDED, -1 leaving it).
Result<void> adjust_stream_totals(Connection& c, const Tip& t, int64_t sign) {
  auto st = c.prepare(
      "UPDATE live_streams SET tip_count = tip_count + ?, "
      "tip_gross_cents = tip_gross_cents + ?, tip_fee_cents = tip_fee_cents + ? WHERE id = ?");
  if (!st) return st.error();
  st->bind_all(sign, sign * t.amount_cents, sign * t.fee_cents, t.stream_id);
  return st->run();
}

class SqlTipRepository final : public TipRepository {
 public:
  explicit SqlTipRepository(Database& db) : db_(db) {}

  Result<Tip> create_pending(const Tip& in) override {
    Tip t = in;
    if (t.id.empty()) t.id = random_id();
    t.status = TipStatus::kPending;
    if (t.amount_cents <= 0) return make_error(errc::kInvalidArgument, "amount must be positive");
    if (t.fee_cents < 0 || t.fee_cents > t.amount_cents) {
      return make_error(errc::kInvalidArgument, "fee must be between 0 and the amount");
    }
    if (t.idempotency_key.empty()) {
      return make_error(errc::kInvalidArgument, "a tip needs an idempotency key");
    }
    return db_.write([&](Connection& c) -> Result<Tip> {
      auto st = c.prepare("INSERT INTO stream_tips (" + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st) return st.error();
      st->bind_all(t.id, t.stream_id, t.fan_id, t.artist_id, t.amount_cents, t.currency,
                   t.fee_cents, t.message, to_string(t.status), t.provider, t.provider_payment_id,
                   t.idempotency_key, t.created_at, t.updated_at);
      if (auto r = st->run(); !r) return r.error();
      return t;
    });
  }

  Result<Tip> find(const std::string& id) override {
    return db_.read([&](Connection& c) { return find_on(c, id); });
  }

  Result<Tip> find_by_idempotency_key(const std::string& key) override {
    return db_.read([&](Connection& c) -> Result<Tip> {
      auto st = c.prepare("SELECT " + kColumns + " FROM stream_tips WHERE idempotency_key = ?");
      if (!st) return st.error();
      st->bind_all(key);
      return first_row<Tip>(*st, read_tip, "tip");
    });
  }

  Result<Tip> find_by_provider_payment_id(const std::string& provider,
                                          const std::string& payment_id) override {
    return db_.read([&](Connection& c) -> Result<Tip> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_tips WHERE provider = ? AND provider_payment_id = ?");
      if (!st) return st.error();
      st->bind_all(provider, payment_id);
      return first_row<Tip>(*st, read_tip, "tip");
    });
  }

  Result<void> set_provider_payment_id(const std::string& id, const std::string& payment_id,
                                       int64_t now_ms) override {
    return db_.write([&](Connection& c) -> Result<void> {
      auto st =
          c.prepare("UPDATE stream_tips SET provider_payment_id = ?, updated_at = ? WHERE id = ?");
      if (!st) return st.error();
      st->bind_all(payment_id, now_ms, id);
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kNotFound, "tip not found");
      return {};
    });
  }

  Result<TipTransition> transition(const std::string& id, TipStatus to, int64_t now_ms) override {
    return db_.transaction([&](Connection& c) -> Result<TipTransition> {
      auto current = find_on(c, id);
      if (!current) return current.error();
      Tip t = std::move(current).value();
      if (t.status == to) return TipTransition{std::move(t), false};
      if (!tip_transition_allowed(t.status, to)) {
        return make_error(errc::kInvalidTransition, "tip cannot go from " +
                                                        std::string(to_string(t.status)) + " to " +
                                                        std::string(to_string(to)));
      }
      TipStatus from = t.status;
      // The status in the WHERE clause makes the update a compare-and-set even if another
      // writer (another node on PostgreSQL) changed the row since it was read.
      auto st = c.prepare(
          "UPDATE stream_tips SET status = ?, updated_at = ? WHERE id = ? AND status = ?");
      if (!st) return st.error();
      st->bind_all(to_string(to), now_ms, id, to_string(from));
      if (auto r = st->run(); !r) return r.error();
      if (c.changes() == 0) return make_error(errc::kConflict, "tip changed concurrently");
      if (to == TipStatus::kSucceeded) {
        if (auto r = adjust_stream_totals(c, t, +1); !r) return r.error();
      } else if (from == TipStatus::kSucceeded) {
        if (auto r = adjust_stream_totals(c, t, -1); !r) return r.error();
      }
      t.status = to;
      t.updated_at = now_ms;
      return TipTransition{std::move(t), true};
    });
  }

  Result<TipTotals> totals_for_stream(const std::string& stream_id) override {
    return db_.read([&](Connection& c) -> Result<TipTotals> {
      auto st = c.prepare(
          "SELECT COUNT(*), COALESCE(SUM(amount_cents), 0), COALESCE(SUM(fee_cents), 0) "
          "FROM stream_tips WHERE stream_id = ? AND status = 'SUCCEEDED'");
      if (!st) return st.error();
      st->bind_all(stream_id);
      return first_row<TipTotals>(
          *st,
          [](const Statement& s) {
            return TipTotals{s.i64(0), s.i64(1), s.i64(2)};
          },
          "tip totals");
    });
  }

  Result<std::vector<Tip>> list_recent(int limit) override {
    const int n = std::clamp(limit, 1, 500);
    return db_.read([&](Connection& c) -> Result<std::vector<Tip>> {
      auto st = c.prepare("SELECT " + kColumns +
                          " FROM stream_tips ORDER BY created_at DESC, id LIMIT ?");
      if (!st) return st.error();
      st->bind_all(n);
      return collect_rows<Tip>(*st, read_tip);
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<TipRepository> make_tip_repository(Database& db) {
  return std::make_unique<SqlTipRepository>(db);
}

}  // namespace stagecast::store::sql
