#include "store/postgres/pg_statement.h"

#include <algorithm>
#include <cstdlib>

#include "store/errors.h"
#include "store/postgres/pg_connection.h"

namespace stagecast::store::postgres {
namespace {

constexpr Oid kUntyped = 0;  // the server infers the type from where the parameter is used
constexpr Oid kText = 25;
constexpr Oid kInt8 = 20;

Oid oid_of(sql::ParamType type) {
  switch (type) {
    case sql::ParamType::kText:
      return kText;
    case sql::ParamType::kInt:
      return kInt8;
    case sql::ParamType::kUntyped:
      break;
  }
  return kUntyped;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string translate_placeholders(std::string_view sql, int* params) {
  std::string out;
  out.reserve(sql.size() + 8);
  int highest = 0;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // a literal or quoted identifier, copied as it is
      size_t end = sql.find(c, i + 1);
      end = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '?') {
      size_t j = i + 1;
      while (j < sql.size() && is_digit(sql[j])) ++j;
      // SQLite: a bare `?` is one more than the highest number given so far.
      int n =
          j > i + 1 ? std::atoi(std::string(sql.substr(i + 1, j - i - 1)).c_str()) : highest + 1;
      highest = std::max(highest, n);
      out += '$';
      out += std::to_string(n);
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  *params = highest;
  return out;
}

PgStatement::PgStatement(PgConnection& conn, std::string sql, int params)
    : conn_(conn),
      sql_(std::move(sql)),
      values_(static_cast<size_t>(params)),
      types_(static_cast<size_t>(params), kUntyped) {}

PgStatement::~PgStatement() {
  PQclear(result_);
}

bool PgStatement::set(int i, std::optional<std::string> value, Oid type) {
  if (i < 1 || static_cast<size_t>(i) > values_.size()) {
    bind_error_ = true;
    return false;
  }
  values_[i - 1] = std::move(value);
  types_[i - 1] = type;
  return true;
}

void PgStatement::bind_text(int i, std::string_view v) {
  set(i, std::string(v), kText);
}

void PgStatement::bind_i64(int i, int64_t v) {
  set(i, std::to_string(v), kInt8);
}

// '1' and '0' are valid input for both BOOLEAN and INTEGER columns, as SQLite's 1 and 0 are.
void PgStatement::bind_bool(int i, bool v) {
  set(i, std::string(v ? "1" : "0"), kUntyped);
}

void PgStatement::bind_null(int i, sql::ParamType type) {
  set(i, std::nullopt, oid_of(type));
}

Result<void> PgStatement::execute() {
  if (bind_error_) return make_error(errc::kInternal, "postgres bind: parameter out of range");
  if (auto open = conn_.ensure_open(); !open) return open.error();
  if (generation_ != conn_.generation()) {
    prepared_.clear();
    generation_ = conn_.generation();
  }
  auto it = prepared_.find(types_);
  if (it == prepared_.end()) {
    std::string name = conn_.next_statement_name();
    PGresult* prep = PQprepare(conn_.raw(), name.c_str(), sql_.c_str(),
                               static_cast<int>(types_.size()), types_.data());
    const bool ok = prep != nullptr && PQresultStatus(prep) == PGRES_COMMAND_OK;
    Error error = ok ? Error{} : pg_error(prep, conn_.raw(), "prepare");
    PQclear(prep);
    if (!ok) return error;
    it = prepared_.emplace(types_, std::move(name)).first;
  }
  std::vector<const char*> values(values_.size());
  for (size_t k = 0; k < values_.size(); ++k) {
    values[k] = values_[k] ? values_[k]->c_str() : nullptr;
  }
  result_ = PQexecPrepared(conn_.raw(), it->second.c_str(), static_cast<int>(values.size()),
                           values.data(), nullptr, nullptr, 0);
  ExecStatusType status = result_ != nullptr ? PQresultStatus(result_) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error error = pg_error(result_, conn_.raw(), "step");
    PQclear(result_);
    result_ = nullptr;
    return error;
  }
  const char* changed = PQcmdTuples(result_);
  conn_.set_changes(changed != nullptr && *changed != '\0' ? std::atoll(changed) : 0);
  row_ = -1;
  return {};
}

Result<bool> PgStatement::step() {
  if (result_ == nullptr) {
    if (auto done = execute(); !done) return done.error();
  }
  if (row_ + 1 >= PQntuples(result_)) {
    row_ = PQntuples(result_);
    return false;
  }
  ++row_;
  return true;
}

std::string PgStatement::text(int col) const {
  if (result_ == nullptr || row_ < 0 || PQgetisnull(result_, row_, col)) return {};
  return std::string(PQgetvalue(result_, row_, col),
                     static_cast<size_t>(PQgetlength(result_, row_, col)));
}

int64_t PgStatement::i64(int col) const {
  if (result_ == nullptr || row_ < 0 || PQgetisnull(result_, row_, col)) return 0;
  const char* v = PQgetvalue(result_, row_, col);
  // A BOOLEAN comes as t/f; SQLite stores and answers 1/0.
  if (v[0] == 't') return 1;
  if (v[0] == 'f') return 0;
  return std::strtoll(v, nullptr, 10);
}

bool PgStatement::is_null(int col) const {
  return result_ == nullptr || row_ < 0 || PQgetisnull(result_, row_, col) != 0;
}

void PgStatement::release() {
  PQclear(result_);
  result_ = nullptr;
  row_ = -1;
  std::fill(values_.begin(), values_.end(), std::nullopt);
  std::fill(types_.begin(), types_.end(), kUntyped);
  bind_error_ = false;
  in_use = false;
}

}  // namespace stagecast::store::postgres
