#include "controller/hooks/internal/webhook_hook.h"

#include "integrations/http_transport.h"

namespace gov::controller {

namespace {

constexpr double kMaxTimeoutSeconds = 300;
constexpr int64_t kMaxRetries = 10;

}  // namespace

core::StatusOr<WebhookConfig> ParseWebhookConfig(const core::Json& obj, const std::string& path,
                                                 const HookEnv& env) {
  core::FieldReader r(obj, path);
  r.RejectUnknown({"url", "secretEnv", "secret", "timeoutSeconds", "maxRetries"});
  WebhookConfig config;
  config.url = r.RequiredString("url");
  const auto secret_env = r.OptionalString("secretEnv");
  const auto secret = r.OptionalString("secret");
  const auto timeout = r.OptionalNumber("timeoutSeconds");
  const auto retries = r.OptionalInt("maxRetries");
  RETURN_IF_ERROR(r.status());

  if (auto url = integrations::ParseHttpUrl(config.url); !url.ok()) {
    return core::InvalidArgument(url.status().message(), r.FieldPath("url"));
  }
  if (secret_env.has_value() == secret.has_value()) {
    return core::InvalidArgument("set exactly one of secretEnv or secret",
                                 r.FieldPath("secretEnv"));
  }
  if (secret_env) {
    const auto value = env.getenv ? env.getenv(*secret_env) : std::nullopt;
    if (!value || value->empty()) {
      return core::InvalidArgument("environment variable " + *secret_env + " is not set or empty",
                                   r.FieldPath("secretEnv"));
    }
    config.secret = *value;
  } else {
    if (secret->empty()) return core::InvalidArgument("must not be empty", r.FieldPath("secret"));
    config.secret = *secret;
  }
  if (timeout) {
    if (*timeout <= 0 || *timeout > kMaxTimeoutSeconds) {
      return core::InvalidArgument("must be in (0, 300]", r.FieldPath("timeoutSeconds"));
    }
    config.timeout =
        std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(*timeout));
  }
  if (retries) {
    if (*retries < 0 || *retries > kMaxRetries) {
      return core::InvalidArgument("must be between 0 and 10", r.FieldPath("maxRetries"));
    }
    config.max_retries = static_cast<int>(*retries);
  }
  return config;
}

namespace {

integrations::SignedWebhookSenderOptions SenderOptions(const WebhookConfig& config,
                                                       const HookEnv& env) {
  integrations::SignedWebhookSenderOptions options;
  options.max_attempts = config.max_retries + 1;
  options.timeout = config.timeout;
  options.rng_seed = env.rng_seed;
  options.clock = &env.clock;
  // A HookEnv without `sleep` retries at once.
  options.sleep = env.sleep ? env.sleep : [](core::Duration) {};
  options.log = env.log;
  options.user_agent = "governor-hooks/1";
  return options;
}

}  // namespace

WebhookHook::WebhookHook(WebhookConfig config, const HookEnv& env)
    : config_(std::move(config)), sender_(SenderOptions(config_, env)) {}

core::Status WebhookHook::Scale(const ScaleRequest& request) {
  integrations::WebhookDelivery delivery;
  delivery.url = config_.url;
  delivery.secret = config_.secret;
  delivery.body = ScaleRequestJson(request);
  delivery.headers = {{"Idempotency-Key", request.decision_id}};
  delivery.description = "webhook POST " + config_.url + " for " + request.target + " " +
                         std::to_string(request.from_replicas) + "->" +
                         std::to_string(request.to_replicas) + " (decision " + request.decision_id +
                         ", epoch " + std::to_string(request.epoch) + ")";
  return sender_.Deliver(delivery);
}

}  // namespace gov::controller
