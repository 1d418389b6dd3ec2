#include "net/router.h"

namespace stagecast::net {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }
bool is_rest_param(const std::string& s) {
  return is_param(s) && s.size() > 5 && s.compare(s.size() - 4, 4, "...}") == 0;
}

// Matches `parts` against a pattern; fills params on success.
bool match_segments(const std::vector<std::string>& pattern, const std::vector<std::string>& parts,
                    std::map<std::string, std::string>& params) {
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (is_rest_param(p)) {
      if (i >= parts.size()) return false;
      std::string rest;
      for (size_t k = i; k < parts.size(); ++k) rest += (k == i ? "" : "/") + parts[k];
      found[p.substr(1, p.size() - 5)] = std::move(rest);
      params = std::move(found);
      return true;
    }
    if (i >= parts.size()) return false;
    if (is_param(p)) {
      if (parts[i].empty()) return false;
      found[p.substr(1, p.size() - 2)] = parts[i];
    } else if (p != parts[i]) {
      return false;
    }
  }
  if (pattern.size() != parts.size()) return false;
  params = std::move(found);
  return true;
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
  const auto parts = split_path(request.path);
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match_segments(r.segments, parts, params)) continue;
    if (r.method != request.method && !(request.method == "HEAD" && r.method == "GET")) {
      m.path_matched_other_method = true;
      continue;
    }
    request.params = std::move(params);
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
