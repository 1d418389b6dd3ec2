// libFuzzer target: the Web Push inputs that come from the network. A browser's
// PushSubscription JSON (POST /api/push/subscriptions: endpoint rules, base64url, the P-256
// point check) and a push service's Retry-After header. Must never crash, hang or leak; an
// accepted subscription must hold keys that encrypt.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base64url.h"
#include "notify/push_subscription.h"
#include "notify/web_push_client.h"
#include "notify/web_push_encryption.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!text.empty() && text[0] == 'R') {
    (void)stagecast::notify::parse_retry_after(text.substr(1), 1'700'000'000);
    return 0;
  }
  for (bool allow_http : {false, true}) {
    auto sub = stagecast::notify::parse_push_subscription(text, allow_http);
    if (!sub) continue;
    const auto p256dh = stagecast::base64url_decode(sub->p256dh);
    const auto auth = stagecast::base64url_decode(sub->auth);
    if (!p256dh || !auth) __builtin_trap();
    if (!stagecast::notify::encrypt_push_message("{}", *p256dh, *auth)) __builtin_trap();
  }
  return 0;
}
