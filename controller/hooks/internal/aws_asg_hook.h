#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controller/hooks/hook.h"
#include "controller/hooks/internal/aws_credentials.h"

namespace gov::controller {

inline constexpr std::string_view kAutoScalingApiVersion = "2011-01-01";

struct AwsAsgConfig {
  std::string group_name;
  std::string region;
  std::string endpoint;  // default https://autoscaling.<region>.amazonaws.com/
  AwsCredentialSource credentials;
  core::Duration timeout = std::chrono::seconds(10);
};

// Reads {groupName, region, endpoint?, credentialsFile?, profile?} at `path`.
core::StatusOr<AwsAsgConfig> ParseAwsAsgConfig(const core::Json& obj, const std::string& path);

// Text of the first <tag>...</tag> element at or after `from` in `xml`, entity-decoded
// (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;); "" for <tag/>; nullopt when absent. A
// deliberately small extraction for the Query API's flat, unprefixed responses.
std::optional<std::string> XmlElementText(std::string_view xml, std::string_view tag,
                                          size_t from = 0);

// Drives an EC2 Auto Scaling group through the Auto Scaling Query API (POST form-encoded
// Action=...&Version=2011-01-01, SigV4-signed for service "autoscaling"):
// Scale -> SetDesiredCapacity with HonorCooldown=false; ReadReplicas ->
// DescribeAutoScalingGroups' DesiredCapacity. Credentials are resolved on every call, so
// rotated files and variables are picked up; they never reach logs or statuses.
class AwsAsgHook final : public Hook {
 public:
  AwsAsgHook(AwsAsgConfig config, const HookEnv& env);

  std::string_view kind() const override { return "aws-asg"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override;
  core::Status Scale(const ScaleRequest& request) override;

 private:
  // POSTs `params` (Action first, Version appended) and returns the 200 response body, or
  // the API's error mapped to a Status.
  core::StatusOr<std::string> Call(std::vector<std::pair<std::string, std::string>> params);

  AwsAsgConfig config_;
  HookEnv env_;
};

}  // namespace gov::controller
