#pragma once
// Stripe's request bodies: application/x-www-form-urlencoded, nested fields as bracketed keys
// ("metadata[tip_id]", "transfer_data[destination]"), as the Stripe API reference shows them.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stagecast::payments {

// Fields in the order they were added (the order a reader of a request log expects).
class FormFields {
 public:
  FormFields& add(std::string key, std::string value) {
    fields_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

  // "k1=v1&k2=v2": every byte but A-Z a-z 0-9 - _ . ~ percent-encoded (a space as %20); the
  // brackets of nested keys are kept literal, as Stripe's own libraries send them.
  std::string encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string form_escape(std::string_view text, bool keep_brackets);

}  // namespace stagecast::payments
