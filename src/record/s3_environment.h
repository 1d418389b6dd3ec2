#pragma once
// Where the S3 settings come from: Stagecast's own configuration first (record.s3_*), then the
// variables every AWS tool reads (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_REGION or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL), so a server on
// AWS or in a container set up for the AWS CLI needs no secret in its config file.

#include <string>
#include <vector>

#include "record/s3_request.h"

namespace stagecast::record {

// `configured` holds what the configuration gave (empty strings unset); `env` is NAME=VALUE
// entries (the process environment, or a test's). With no endpoint anywhere, AWS's regional
// endpoint https://s3.<region>.amazonaws.com is used.
S3Settings resolve_s3_settings(S3Settings configured, const std::vector<std::string>& env);

}  // namespace stagecast::record
