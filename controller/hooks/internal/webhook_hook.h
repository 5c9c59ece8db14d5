#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "controller/hooks/hook.h"
#include "controller/hooks/internal/backoff.h"

namespace gov::controller {

inline constexpr std::string_view kWebhookSignatureHeader = "X-Governor-Signature";
inline constexpr core::Duration kWebhookBackoffBase = std::chrono::milliseconds(500);
inline constexpr core::Duration kWebhookBackoffCap = std::chrono::seconds(8);
// Receivers should reject signatures whose timestamp is further than this from their clock.
inline constexpr core::Duration kWebhookDefaultTolerance = std::chrono::minutes(5);

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

// The X-Governor-Signature value for `body` sent at Unix second `timestamp`:
// "t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>" (Stripe's scheme).
std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body);

// OK when `header` carries a v1 signature of `body` under `secret` whose timestamp is
// within `tolerance` of `now`. kInvalidArgument for a malformed header, kUnauthenticated for
// a wrong or stale signature. Compares in constant time; accepts several v1 entries (so a
// sender can sign with an old and a new secret while rotating).
core::Status VerifyWebhookSignature(std::string_view secret, std::string_view header,
                                    std::string_view body, core::TimePoint now,
                                    core::Duration tolerance = kWebhookDefaultTolerance);

// POSTs the decision as JSON, signed, with Idempotency-Key = decision id. Retries 5xx, 429,
// timeouts and connection errors with full-jitter backoff (honouring a Retry-After in
// seconds up to the cap); other 4xx fail at once.
class WebhookHook final : public Hook {
 public:
  WebhookHook(WebhookConfig config, const HookEnv& env);

  std::string_view kind() const override { return "webhook"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override { return std::optional<int>(); }
  core::Status Scale(const ScaleRequest& request) override;

 private:
  WebhookConfig config_;
  HookEnv env_;
  std::mutex mu_;  // guards backoff_'s generator
  FullJitterBackoff backoff_;
};

}  // namespace gov::controller
