#pragma once
// PostgreSQL's side of a sql::Statement: the SQL with its `?`/`?N` placeholders turned into
// `$N` once, the bound values (sent as text), and a server-side prepared statement per set of
// parameter types, prepared on the first step (PQprepare) and run with PQexecPrepared.

#include <libpq-fe.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql/statement.h"

namespace stagecast::store::postgres {

class PgConnection;

// `?` and `?N` (SQLite's placeholders) to `$N`, outside string literals, quoted identifiers and
// comments. *params: the highest parameter number.
std::string translate_placeholders(std::string_view sql, int* params);

class PgStatement final : public sql::StatementImpl {
 public:
  PgStatement(PgConnection& conn, std::string sql, int params);
  ~PgStatement() override;
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  bool in_use = false;

  void bind_text(int i, std::string_view v) override;
  void bind_i64(int i, int64_t v) override;
  void bind_bool(int i, bool v) override;
  void bind_null(int i, sql::ParamType type) override;
  Result<bool> step() override;
  std::string text(int col) const override;
  int64_t i64(int col) const override;
  bool is_null(int col) const override;
  void release() override;

 private:
  bool set(int i, std::optional<std::string> value, Oid type);
  Result<void> execute();

  PgConnection& conn_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  bool bind_error_ = false;
  // Server-side names of this SQL prepared per parameter-type signature, valid for one session
  // of the connection (`generation_`: a reconnect forgets them).
  std::map<std::vector<Oid>, std::string> prepared_;
  uint64_t generation_ = 0;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

}  // namespace stagecast::store::postgres
