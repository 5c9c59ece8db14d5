#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "controller/hooks/hook.h"
#include "integrations/signed_webhook_sender.h"

namespace gov::controller {

struct WebhookConfig {
  std::string url;
  std::string secret;  // resolved from `secret` or the variable named by `secretEnv`
  core::Duration timeout = std::chrono::seconds(5);
  int max_retries = 3;
};

// Reads {url, secretEnv | secret, timeoutSeconds, maxRetries} at `path` (e.g.
// "hook.webhook"), looking `secretEnv` up through `env.getenv`.
core::StatusOr<WebhookConfig> ParseWebhookConfig(const core::Json& obj, const std::string& path,
                                                 const HookEnv& env);

// POSTs the decision as JSON, signed, with Idempotency-Key = decision id, through
// integrations::SignedWebhookSender: retries 5xx, 429, timeouts and connection errors with
// full-jitter backoff (honouring a Retry-After in seconds up to the cap); other 4xx fail at
// once.
class WebhookHook final : public Hook {
 public:
  WebhookHook(WebhookConfig config, const HookEnv& env);

  std::string_view kind() const override { return "webhook"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override { return std::optional<int>(); }
  core::Status Scale(const ScaleRequest& request) override;

 private:
  WebhookConfig config_;
  integrations::SignedWebhookSender sender_;
};

}  // namespace gov::controller
