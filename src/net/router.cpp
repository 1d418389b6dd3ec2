#include "net/router.h"

#include <array>
#include <map>
#include <string_view>

namespace stagecast::net {
namespace {

// Calls fn with each non-empty segment of a path ("/a//b/" has two: "a" and "b").
template <class Fn>
void for_each_segment(std::string_view path, Fn&& fn) {
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    fn(path.substr(i, j - i));
    i = j;
  }
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  for_each_segment(path, [&out](std::string_view segment) { out.emplace_back(segment); });
  return out;
}

bool is_param(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }
bool is_rest_param(const std::string& s) {
  return is_param(s) && s.size() > 5 && s.compare(s.size() - 4, 4, "...}") == 0;
}

// The segments of a request path, as views into it (no copies): most requests are matched
// against every route before one fits.
class PathParts {
 public:
  explicit PathParts(std::string_view path) {
    for_each_segment(path, [this](std::string_view segment) { push(segment); });
  }
  size_t size() const { return more_.empty() ? size_ : more_.size(); }
  std::string_view operator[](size_t i) const { return more_.empty() ? inline_[i] : more_[i]; }

 private:
  void push(std::string_view part) {
    if (more_.empty() && size_ < inline_.size()) {
      inline_[size_++] = part;
      return;
    }
    if (more_.empty()) more_.assign(inline_.begin(), inline_.end());
    more_.push_back(part);
  }
  std::array<std::string_view, 8> inline_{};
  size_t size_ = 0;
  std::vector<std::string_view> more_;
};

// Whether `parts` matches a pattern (literal segments, "{name}", a trailing "{name...}").
bool matches(const std::vector<std::string>& pattern, const PathParts& parts) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (is_rest_param(p)) return i < parts.size();
    if (i >= parts.size()) return false;
    if (is_param(p)) {
      if (parts[i].empty()) return false;
    } else if (p != parts[i]) {
      return false;
    }
  }
  return pattern.size() == parts.size();
}

// The parameters of a pattern that matches().
std::map<std::string, std::string> params_of(const std::vector<std::string>& pattern,
                                             const PathParts& parts) {
  std::map<std::string, std::string> params;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (is_rest_param(p)) {
      std::string rest;
      for (size_t k = i; k < parts.size(); ++k) {
        if (k != i) rest += '/';
        rest += parts[k];
      }
      params[p.substr(1, p.size() - 5)] = std::move(rest);
      break;
    }
    if (is_param(p)) params[p.substr(1, p.size() - 2)] = std::string(parts[i]);
  }
  return params;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, Dispatch dispatch) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler), {}, dispatch});
}

void Router::add_async(std::string method, std::string pattern, AsyncHandler handler) {
  routes_.push_back(
      Route{std::move(method), split_path(pattern), {}, std::move(handler), Dispatch::Inline});
}

Router::Match Router::match(Request& request) const {
  Match m;
  const PathParts parts(request.path);
  for (const Route& r : routes_) {
    if (!matches(r.segments, parts)) continue;
    if (r.method != request.method && !(request.method == "HEAD" && r.method == "GET")) {
      m.path_matched_other_method = true;
      continue;
    }
    request.params = params_of(r.segments, parts);
    if (r.async_handler) {
      m.async_handler = &r.async_handler;
    } else {
      m.handler = &r.handler;
    }
    m.dispatch = r.dispatch;
    m.path_matched_other_method = false;
    return m;
  }
  return m;
}

}  // namespace stagecast::net
