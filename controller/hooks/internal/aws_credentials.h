#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "controller/hooks/hook.h"
#include "controller/hooks/internal/aws_sigv4.h"
#include "core/status.h"

namespace gov::controller {

// Where an aws-asg hook's configuration says credentials come from; both empty = defaults.
struct AwsCredentialSource {
  std::string credentials_file;
  std::string profile;
};

// Resolves AWS credentials. When the hook names a credentialsFile or a profile, they come
// from that shared-credentials file (default $AWS_SHARED_CREDENTIALS_FILE, else
// $HOME/.aws/credentials; profile default $AWS_PROFILE, else "default"). Otherwise
// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) win when set, and the
// default shared file is the fallback. kUnauthenticated says what was looked at; messages
// never contain key material.
core::StatusOr<AwsCredentials> LoadAwsCredentials(const AwsCredentialSource& source,
                                                  const EnvLookup& getenv);

// Reads profile `profile` from shared-credentials INI text (`[name]` sections,
// `key = value` lines, `#`/`;` comments): aws_access_key_id, aws_secret_access_key and the
// optional aws_session_token. `origin` names the file in errors.
core::StatusOr<AwsCredentials> ParseSharedCredentials(std::string_view text,
                                                      std::string_view profile,
                                                      std::string_view origin);

}  // namespace gov::controller
