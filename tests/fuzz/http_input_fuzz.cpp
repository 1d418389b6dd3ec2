// libFuzzer target: what an HTTP request brings that our own code parses (Beast parses the
// message itself): the query string (percent-decoding, form encoding) and strict JSON bodies
// (api/json_body.h) read the way the stream routes read them. Must never crash, hang or throw,
// and percent-encoding must round-trip whatever decoding produced.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/json_body.h"
#include "net/url.h"

using stagecast::api::JsonBody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The query string of a request target.
  const std::string decoded = stagecast::net::percent_decode(input, /*plus_as_space=*/true);
  if (stagecast::net::percent_decode(stagecast::net::percent_encode(decoded), false) != decoded) {
    std::abort();  // encode must be the inverse of decode
  }
  for (const auto& [name, value] : stagecast::net::parse_query(input)) {
    (void)name.size();
    (void)value.size();
  }

  // A JSON body, read like PATCH /api/livestream/{id} reads one.
  stagecast::net::Request request;
  request.method = "PATCH";
  request.body = std::string(input);
  auto body = JsonBody::parse(request, {"title", "priceCents", "record", "chat", "scheduledAt"});
  if (!body.ok()) {
    (void)stagecast::api::error_response(body.error());
    return 0;
  }
  (void)body->string("title");
  (void)body->integer("priceCents");
  (void)body->boolean("record");
  (void)body->is_null("scheduledAt");
  (void)body->required_string("title");
  auto chat = body->object("chat", {"enabled", "blockedWords"});
  if (chat.ok() && *chat) {
    (void)(*chat)->boolean("enabled");
    (void)(*chat)->string_list("blockedWords", 200);
  }
  return 0;
}
