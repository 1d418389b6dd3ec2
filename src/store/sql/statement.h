#pragma once
// A prepared statement borrowed from a connection's cache, the same for every backend: values
// are only ever bound as parameters, never spliced into SQL text. Reset and unbound when it goes
// out of scope. The backend's part is a StatementImpl (sqlite/, postgres/).
//
// Parameter types (PostgreSQL needs one where the SQL gives no context): a string binds as
// text, an integer as a 64-bit integer, a null std::optional<T> as a null of T's type. A bool
// binds untyped as 1 or 0, which both backends take for a BOOLEAN or an INTEGER column alike;
// a bare std::nullopt binds an untyped null (the SQL must give it a context, e.g. a column).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/result.h"

namespace stagecast::store::sql {

enum class ParamType { kUntyped, kText, kInt };

template <typename T>
constexpr ParamType param_type() {
  if constexpr (std::is_same_v<T, bool>) {
    return ParamType::kUntyped;
  } else if constexpr (std::is_integral_v<T>) {
    return ParamType::kInt;
  } else {
    return ParamType::kText;
  }
}

class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  // Parameters are 1-based. A bind failure is kept and returned by step().
  virtual void bind_text(int i, std::string_view v) = 0;
  virtual void bind_i64(int i, int64_t v) = 0;
  virtual void bind_bool(int i, bool v) = 0;
  virtual void bind_null(int i, ParamType type) = 0;
  // true: a row is ready; false: done.
  virtual Result<bool> step() = 0;
  virtual std::string text(int col) const = 0;
  virtual int64_t i64(int col) const = 0;
  virtual bool is_null(int col) const = 0;
  // Unbinds, drops any pending rows and gives the statement back to its connection's cache.
  virtual void release() = 0;
};

class Statement {
 public:
  explicit Statement(StatementImpl* impl) : impl_(impl) {}
  ~Statement() {
    if (impl_ != nullptr) impl_->release();
  }
  Statement(Statement&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int i, std::string_view v) {
    impl_->bind_text(i, v);
    return *this;
  }
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, int64_t v) {
    impl_->bind_i64(i, v);
    return *this;
  }
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, bool v) {
    impl_->bind_bool(i, v);
    return *this;
  }
  Statement& bind(int i, std::nullopt_t) {
    impl_->bind_null(i, ParamType::kUntyped);
    return *this;
  }
  template <typename T>
  Statement& bind(int i, const std::optional<T>& v) {
    if (v) return bind(i, *v);
    impl_->bind_null(i, param_type<T>());
    return *this;
  }
  // Binds the arguments to parameters 1, 2, 3, ...
  template <typename... A>
  Statement& bind_all(const A&... args) {
    int i = 1;
    (bind(i++, args), ...);
    return *this;
  }

  Result<bool> step() { return impl_->step(); }
  // Steps to the end (INSERT, UPDATE, DELETE).
  Result<void> run() {
    while (true) {
      auto r = step();
      if (!r) return r.error();
      if (!*r) return {};
    }
  }

  std::string text(int col) const { return impl_->text(col); }
  std::optional<std::string> opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
  }
  int64_t i64(int col) const { return impl_->i64(col); }
  std::optional<int64_t> opt_i64(int col) const {
    if (is_null(col)) return std::nullopt;
    return i64(col);
  }
  bool boolean(int col) const { return i64(col) != 0; }
  bool is_null(int col) const { return impl_->is_null(col); }

 private:
  StatementImpl* impl_;
};

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

}  // namespace stagecast::store::sql
