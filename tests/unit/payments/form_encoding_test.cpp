#include "payments/form_encoding.h"

#include <gtest/gtest.h>

namespace stagecast::payments {
namespace {

TEST(FormEncoding, EncodesStripesNestedFieldsInOrder) {
  FormFields f;
  f.add("amount", "1000")
      .add("currency", "usd")
      .add("application_fee_amount", "50")
      .add("transfer_data[destination]", "acct_123")
      .add("metadata[tip_id]", "abc");
  EXPECT_EQ(f.encode(),
            "amount=1000&currency=usd&application_fee_amount=50&"
            "transfer_data[destination]=acct_123&metadata[tip_id]=abc");
}

TEST(FormEncoding, PercentEncodesEverythingElse) {
  FormFields f;
  f.add("return_url", "https://x.example/a?b=c&d=e f")
      .add("description", "caf\xc3\xa9 +100%")
      .add("metadata[a b]", "[x]");
  EXPECT_EQ(f.encode(),
            "return_url=https%3A%2F%2Fx.example%2Fa%3Fb%3Dc%26d%3De%20f&"
            "description=caf%C3%A9%20%2B100%25&metadata[a%20b]=%5Bx%5D");
  EXPECT_EQ(FormFields().encode(), "");
  EXPECT_EQ(form_escape("-_.~AZaz09", false), "-_.~AZaz09");
}

}  // namespace
}  // namespace stagecast::payments
