#pragma once
// A prepared statement borrowed from a connection's cache: values are only ever bound as
// parameters, never spliced into SQL text. Reset and unbound when it goes out of scope.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stagecast::store::sqlite {

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db, bool* in_use);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  // Parameters are 1-based, as in SQLite. A bind failure is kept and returned by step().
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Statement& bind(int i, std::nullopt_t);
  template <typename T>
  Statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind(i, std::nullopt);
  }
  // Binds the arguments to parameters 1, 2, 3, ...
  template <typename... A>
  Statement& bind_all(const A&... args) {
    int i = 1;
    (bind(i++, args), ...);
    return *this;
  }

  // true: a row is ready; false: done.
  Result<bool> step();
  // Steps to the end (INSERT, UPDATE, DELETE).
  Result<void> run();

  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  int64_t i64(int col) const;
  std::optional<int64_t> opt_i64(int col) const;
  bool boolean(int col) const { return i64(col) != 0; }
  bool is_null(int col) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  bool* in_use_;
  int bind_rc_ = SQLITE_OK;
};

// Maps an SQLite result code to the store's error codes (errors.h).
Error sqlite_error(int rc, sqlite3* db, std::string_view what);

}  // namespace stagecast::store::sqlite

namespace stagecast::store::sqlite {

// Steps through every row, mapping each with map(const Statement&) -> T.
template <typename T, typename F>
Result<std::vector<T>> collect_rows(Statement& st, F&& map) {
  std::vector<T> out;
  while (true) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(map(st));
  }
}

// The first row mapped, or not_found naming `what`.
template <typename T, typename F>
Result<T> first_row(Statement& st, F&& map, std::string_view what) {
  auto row = st.step();
  if (!row) return row.error();
  if (!*row) return make_error("not_found", std::string(what) + " not found");
  return map(st);
}

}  // namespace stagecast::store::sqlite
