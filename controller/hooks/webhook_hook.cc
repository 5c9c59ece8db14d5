#include "controller/hooks/internal/webhook_hook.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <vector>

#include "controller/hooks/internal/http_transport.h"
#include "core/crypto.h"

namespace gov::controller {

namespace {

constexpr double kMaxTimeoutSeconds = 300;
constexpr int64_t kMaxRetries = 10;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> ParseDigits(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

int64_t UnixSeconds(core::TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The Status for a final non-2xx answer: the code says whether retrying later can help.
core::Status HttpFailure(int http_status, const std::string& what) {
  core::StatusCode code = core::StatusCode::kFailedPrecondition;
  if (http_status == 401) code = core::StatusCode::kUnauthenticated;
  if (http_status == 403) code = core::StatusCode::kPermissionDenied;
  if (http_status == 429) code = core::StatusCode::kResourceExhausted;
  if (http_status >= 500) code = core::StatusCode::kUnavailable;
  return core::Status(code, what);
}

std::string FormatMillis(core::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

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

  if (auto url = ParseHttpUrl(config.url); !url.ok()) {
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

std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body) {
  const std::string t = std::to_string(timestamp);
  std::string signed_payload;
  signed_payload.reserve(t.size() + 1 + body.size());
  signed_payload.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + core::HexEncode(core::HmacSha256(secret, signed_payload));
}

core::Status VerifyWebhookSignature(std::string_view secret, std::string_view header,
                                    std::string_view body, core::TimePoint now,
                                    core::Duration tolerance) {
  std::string_view timestamp_text;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view item = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") timestamp_text = value;
    if (key == "v1") signatures.push_back(value);
  }
  if (timestamp_text.empty()) return core::InvalidArgument("signature header has no t= timestamp");
  const auto timestamp = ParseDigits(timestamp_text, 18);
  if (!timestamp) return core::InvalidArgument("signature timestamp is not a Unix time");
  if (signatures.empty()) return core::InvalidArgument("signature header has no v1= signature");
  const int64_t skew = std::llabs(UnixSeconds(now) - *timestamp);
  if (std::chrono::seconds(skew) > tolerance) {
    return core::Unauthenticated("signature timestamp is " + std::to_string(skew) +
                                 "s away from now, beyond the tolerance");
  }
  // The HMAC covers the timestamp exactly as the header spells it.
  std::string signed_payload(timestamp_text);
  signed_payload.append(".").append(body);
  const std::string expected = core::HexEncode(core::HmacSha256(secret, signed_payload));
  bool match = false;
  for (std::string_view sig : signatures) match |= core::ConstantTimeEquals(sig, expected);
  if (!match) return core::Unauthenticated("signature does not match the body");
  return core::Status::Ok();
}

WebhookHook::WebhookHook(WebhookConfig config, const HookEnv& env)
    : config_(std::move(config)),
      env_(env),
      backoff_(kWebhookBackoffBase, kWebhookBackoffCap, env.rng_seed) {}

core::Status WebhookHook::Scale(const ScaleRequest& request) {
  const std::string body = ScaleRequestJson(request);
  const std::string what = "webhook POST " + config_.url + " for " + request.target + " " +
                           std::to_string(request.from_replicas) + "->" +
                           std::to_string(request.to_replicas) + " (decision " +
                           request.decision_id + ", epoch " + std::to_string(request.epoch) + ")";
  const int attempts = config_.max_retries + 1;
  for (int attempt = 0;; ++attempt) {
    HttpRequest http;
    http.method = "POST";
    http.url = config_.url;
    http.timeout = config_.timeout;
    http.body = body;
    http.headers = {
        {"Content-Type", "application/json"},
        {"Idempotency-Key", request.decision_id},
        {std::string(kWebhookSignatureHeader),
         SignWebhook(config_.secret, UnixSeconds(env_.clock.Now()), body)},
        {"User-Agent", "governor-hooks/1"},
    };
    auto response = SendHttp(http);

    core::Status failure;
    bool retryable = false;
    std::optional<core::Duration> retry_after;
    if (!response.ok()) {
      failure = response.status();
      retryable = IsRetryableTransportError(failure);
    } else if (response->status >= 200 && response->status < 300) {
      if (env_.log) {
        env_.log(what + ": HTTP " + std::to_string(response->status) + " on attempt " +
                 std::to_string(attempt + 1));
      }
      return core::Status::Ok();
    } else {
      const int code = response->status;
      retryable = code >= 500 || code == 429;
      failure = HttpFailure(code, "HTTP " + std::to_string(code) + ": " + Excerpt(response->body));
      if (auto ra = response->Header("Retry-After")) {
        if (auto secs = ParseDigits(Trim(*ra), 6)) retry_after = std::chrono::seconds(*secs);
      }
    }

    if (!retryable) {
      return core::Status(failure.code(), what + " failed (not retried): " + failure.message());
    }
    if (attempt + 1 >= attempts) {
      return core::Status(failure.code(), what + " failed after " + std::to_string(attempts) +
                                              " attempts; last: " + failure.message());
    }
    core::Duration delay;
    {
      std::lock_guard<std::mutex> lock(mu_);
      delay = backoff_.Next(attempt);
    }
    if (retry_after) delay = std::max(delay, std::min(*retry_after, kWebhookBackoffCap));
    if (env_.log) {
      env_.log(what + ": attempt " + std::to_string(attempt + 1) + " failed (" + failure.message() +
               "); retrying in " + FormatMillis(delay));
    }
    if (env_.sleep) env_.sleep(delay);
  }
}

}  // namespace gov::controller
