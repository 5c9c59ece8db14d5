#include "controller/hooks/internal/aws_asg_hook.h"

#include <cctype>
#include <charconv>

#include "controller/hooks/internal/aws_sigv4.h"
#include "integrations/http_transport.h"

namespace gov::controller {

namespace {

constexpr std::string_view kService = "autoscaling";

bool IsRegion(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return true;
}

void AppendUtf8(unsigned cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The character `entity` (the text between '&' and ';') stands for, appended to `out`;
// false for an unknown or malformed entity.
bool AppendEntity(std::string_view entity, std::string& out) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& [name, c] : kNamed) {
    if (entity == name) {
      out += c;
      return true;
    }
  }
  if (entity.size() < 2 || entity[0] != '#') return false;
  const bool hex = entity[1] == 'x' || entity[1] == 'X';
  const std::string_view digits = entity.substr(hex ? 2 : 1);
  unsigned cp = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      cp > 0x10FFFF) {
    return false;
  }
  AppendUtf8(cp, out);
  return true;
}

std::string DecodeEntities(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t semi = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || !AppendEntity(text.substr(i + 1, semi - i - 1), out)) {
      out += text[i];
      continue;
    }
    i = semi;
  }
  return out;
}

// Maps an Auto Scaling error answer to a Status code; the message carries Code and Message.
core::StatusCode ErrorCode(int http_status, const std::string& code) {
  if (code == "Throttling" || http_status == 429) return core::StatusCode::kResourceExhausted;
  if (code == "ScalingActivityInProgress" || code == "ResourceContention" || http_status >= 500) {
    return core::StatusCode::kUnavailable;
  }
  if (code == "AccessDenied" || code == "AccessDeniedException" ||
      code == "UnauthorizedOperation") {
    return core::StatusCode::kPermissionDenied;
  }
  if (http_status == 401 || http_status == 403) return core::StatusCode::kUnauthenticated;
  return core::StatusCode::kFailedPrecondition;
}

}  // namespace

std::optional<std::string> XmlElementText(std::string_view xml, std::string_view tag, size_t from) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string empty = "<" + std::string(tag) + "/>";
  const std::string close = "</" + std::string(tag) + ">";
  const size_t start = xml.find(open, from);
  const size_t self_closing = xml.find(empty, from);
  if (self_closing != std::string_view::npos && self_closing < start) return std::string();
  if (start == std::string_view::npos) return std::nullopt;
  const size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) return std::nullopt;
  return DecodeEntities(xml.substr(start + open.size(), end - start - open.size()));
}

core::StatusOr<AwsAsgConfig> ParseAwsAsgConfig(const core::Json& obj, const std::string& path) {
  core::FieldReader r(obj, path);
  r.RejectUnknown({"groupName", "region", "endpoint", "credentialsFile", "profile"});
  AwsAsgConfig config;
  config.group_name = r.RequiredString("groupName");
  config.region = r.RequiredString("region");
  const auto endpoint = r.OptionalString("endpoint");
  config.credentials.credentials_file = r.OptionalString("credentialsFile").value_or("");
  config.credentials.profile = r.OptionalString("profile").value_or("");
  RETURN_IF_ERROR(r.status());
  if (config.group_name.empty() || config.group_name.size() > 255) {
    return core::InvalidArgument("must be 1 to 255 characters", r.FieldPath("groupName"));
  }
  if (!IsRegion(config.region)) {
    return core::InvalidArgument("expected a region name like eu-west-1", r.FieldPath("region"));
  }
  config.endpoint = endpoint.value_or("https://autoscaling." + config.region + ".amazonaws.com/");
  auto url = integrations::ParseHttpUrl(config.endpoint);
  if (!url.ok()) return core::InvalidArgument(url.status().message(), r.FieldPath("endpoint"));
  if (url->target.find('?') != std::string::npos) {
    return core::InvalidArgument("must not have a query string", r.FieldPath("endpoint"));
  }
  return config;
}

AwsAsgHook::AwsAsgHook(AwsAsgConfig config, const HookEnv& env)
    : config_(std::move(config)), env_(env) {}

core::StatusOr<std::string> AwsAsgHook::Call(
    std::vector<std::pair<std::string, std::string>> params) {
  const std::string action = params.front().second;
  const std::string what = "aws-asg " + action + " " + config_.group_name + " (" + config_.region +
                           " via " + config_.endpoint + ")";
  auto creds = LoadAwsCredentials(config_.credentials, env_.getenv);
  if (!creds.ok())
    return core::Status(creds.status().code(), what + ": " + creds.status().message());
  auto url = integrations::ParseHttpUrl(config_.endpoint);
  if (!url.ok()) return core::InvalidArgument(what + ": " + url.status().message());

  params.emplace_back("Version", std::string(kAutoScalingApiVersion));
  SigV4Request sign;
  sign.method = "POST";
  sign.path = url->target;
  sign.body = AwsFormEncode(params);
  const std::string amz_date = AmzDate(env_.clock.Now());
  sign.headers = {
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
      {"Host", url->HostHeader()},
      {"X-Amz-Date", amz_date},
  };
  if (!creds->session_token.empty()) {
    sign.headers.emplace_back("X-Amz-Security-Token", creds->session_token);
  }
  const SigV4Signature sig = SignSigV4(sign, *creds, config_.region, kService, amz_date);

  integrations::HttpRequest http;
  http.method = "POST";
  http.url = config_.endpoint;
  http.headers = sign.headers;
  http.headers.emplace_back("Authorization", sig.authorization);
  http.headers.emplace_back("User-Agent", "governor-hooks/1");
  http.body = sign.body;
  http.timeout = config_.timeout;
  auto response = integrations::SendHttp(http);
  if (!response.ok()) {
    return core::Status(response.status().code(), what + ": " + response.status().message());
  }
  if (response->status == 200) return std::move(response->body);
  const std::string code = XmlElementText(response->body, "Code").value_or("");
  const std::string message =
      XmlElementText(response->body, "Message").value_or(integrations::Excerpt(response->body));
  return core::Status(ErrorCode(response->status, code),
                      what + ": HTTP " + std::to_string(response->status) +
                          (code.empty() ? "" : " " + code) + ": " + integrations::Excerpt(message));
}

core::StatusOr<std::optional<int>> AwsAsgHook::ReadReplicas() {
  ASSIGN_OR_RETURN(const std::string body,
                   Call({{"Action", "DescribeAutoScalingGroups"},
                         {"AutoScalingGroupNames.member.1", config_.group_name}}));
  const std::string what = "aws-asg DescribeAutoScalingGroups " + config_.group_name;
  const size_t groups = body.find("<AutoScalingGroups>");
  if (groups == std::string::npos || body.find("<member>", groups) == std::string::npos) {
    return core::NotFound(what + ": no such group in " + config_.region);
  }
  const auto name = XmlElementText(body, "AutoScalingGroupName", groups);
  if (name != config_.group_name) {
    return core::Internal(what + ": the response describes group \"" + name.value_or("") + "\"");
  }
  const auto desired = XmlElementText(body, "DesiredCapacity", groups);
  int value = -1;
  if (desired) {
    auto [end, ec] = std::from_chars(desired->data(), desired->data() + desired->size(), value);
    if (ec != std::errc() || end != desired->data() + desired->size()) value = -1;
  }
  if (value < 0) return core::Internal(what + ": no integer DesiredCapacity in the response");
  return std::optional<int>(value);
}

core::Status AwsAsgHook::Scale(const ScaleRequest& request) {
  if (request.to_replicas < 0) {
    return core::InvalidArgument("aws-asg: desired capacity must not be negative");
  }
  auto body = Call({{"Action", "SetDesiredCapacity"},
                    {"AutoScalingGroupName", config_.group_name},
                    {"DesiredCapacity", std::to_string(request.to_replicas)},
                    {"HonorCooldown", "false"}});
  if (!body.ok()) return body.status();
  if (env_.log) {
    env_.log("aws-asg SetDesiredCapacity " + config_.group_name + " " +
             std::to_string(request.from_replicas) + "->" + std::to_string(request.to_replicas) +
             " (decision " + request.decision_id + ", epoch " + std::to_string(request.epoch) +
             ", RequestId " + XmlElementText(*body, "RequestId").value_or("?") + ")");
  }
  return core::Status::Ok();
}

}  // namespace gov::controller
