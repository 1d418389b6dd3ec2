// StripeClient without a network: configuration checks, and an unreachable API mapped to
// payment_provider_unavailable (the requests themselves are tested against a recording
// imitation of Stripe in tests/integration/tips.test.mjs).

#include "payments/stripe_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "payments/payment_errors.h"

namespace stagecast::payments {
namespace {

// A loopback port nothing listens on (bound, then closed).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(StripeClient, RefusesUnusableConfiguration) {
  StripeClientOptions no_key;
  EXPECT_EQ(StripeClient::create(no_key).error().code, "invalid_config");
  StripeClientOptions bad_url;
  bad_url.secret_key = "sk_test_x";
  bad_url.api_base_url = "ftp://api.stripe.com";
  EXPECT_EQ(StripeClient::create(bad_url).error().code, "invalid_config");
  StripeClientOptions retries;
  retries.secret_key = "sk_test_x";
  retries.max_retries = 9;
  EXPECT_EQ(StripeClient::create(retries).error().code, "invalid_config");
}

TEST(StripeClient, AnUnreachableApiIsUnavailableNotAnError) {
  StripeClientOptions o;
  o.secret_key = "sk_test_x";
  o.api_base_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  o.max_retries = 1;
  o.retry_backoff = std::chrono::milliseconds(1);
  auto client = StripeClient::create(o);
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ((*client)->name(), "stripe");
  PaymentIntentRequest r;
  r.amount_cents = 1000;
  r.currency = "usd";
  r.application_fee_cents = 50;
  r.destination_account = "acct_1";
  r.idempotency_key = "stagecast-tip-1";
  auto pi = (*client)->create_payment_intent(r);
  ASSERT_FALSE(pi);
  EXPECT_EQ(pi.error().code, errc::kProviderUnavailable);
  EXPECT_EQ(pi.error().message.find("sk_test_x"), std::string::npos);
  r.idempotency_key = std::string(256, 'k');  // longer than Stripe allows
  EXPECT_EQ((*client)->create_payment_intent(r).error().code, errc::kProviderRejected);
}

}  // namespace
}  // namespace stagecast::payments
