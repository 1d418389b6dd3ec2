#pragma once
// Method + path-pattern routing. A route's handler runs either inline on the connection's I/O
// thread (only for handlers that never block: health, metrics, HLS from memory) or offloaded to
// the blocking worker pool (anything touching the database). Async handlers get a completion
// callback they may call from any thread, later (blocking playlist reload).

#include <functional>
#include <string>
#include <vector>

#include "net/http_message.h"

namespace stagecast::net {

using Handler = std::function<Response(const Request&)>;
using Respond = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, Respond)>;

enum class Dispatch { Inline, Offload };

class Router {
 public:
  // Patterns: literal segments, "{name}" for one segment, a trailing "{name...}" for the rest.
  void add(std::string method, std::string pattern, Handler handler,
           Dispatch dispatch = Dispatch::Offload);
  void add_async(std::string method, std::string pattern, AsyncHandler handler);

  struct Match {
    const Handler* handler = nullptr;
    const AsyncHandler* async_handler = nullptr;
    Dispatch dispatch = Dispatch::Inline;
    bool path_matched_other_method = false;
  };
  // Fills request.params on a match.
  Match match(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    AsyncHandler async_handler;
    Dispatch dispatch;
  };
  std::vector<Route> routes_;
};

}  // namespace stagecast::net
