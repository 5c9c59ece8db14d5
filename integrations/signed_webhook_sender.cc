// The signed webhook sender (see signed_webhook_sender.h).

#include "integrations/signed_webhook_sender.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>

#include "integrations/internal/http_text.h"
#include "integrations/webhook_signature.h"

namespace gov::integrations {

namespace {

using internal::UnixSeconds;

// A Retry-After in delta-seconds (at most six digits); an HTTP date or garbage is ignored.
std::optional<core::Duration> ParseRetryAfter(std::string_view text) {
  std::optional<int64_t> seconds = internal::ParseDigits(internal::Trim(text), 6);
  if (!seconds) return std::nullopt;
  return std::chrono::seconds(*seconds);
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

SignedWebhookSender::SignedWebhookSender(SignedWebhookSenderOptions options)
    : options_(std::move(options)),
      backoff_(options_.backoff_base, options_.backoff_cap, options_.rng_seed) {
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  if (options_.clock == nullptr) options_.clock = &core::SystemClock::Instance();
  if (!options_.sleep) options_.sleep = [](core::Duration d) { std::this_thread::sleep_for(d); };
}

core::Status SignedWebhookSender::Deliver(const std::string& url, const std::string& secret,
                                          const std::string& json_body) {
  WebhookDelivery delivery;
  delivery.url = url;
  delivery.secret = secret;
  delivery.body = json_body;
  return Deliver(delivery);
}

core::Duration SignedWebhookSender::NextDelay(int retry) {
  std::lock_guard<std::mutex> lock(mu_);
  return backoff_.Next(retry);
}

core::Status SignedWebhookSender::Deliver(const WebhookDelivery& delivery) {
  const std::string what =
      delivery.description.empty() ? "webhook POST " + delivery.url : delivery.description;
  const int attempts = options_.max_attempts;
  for (int attempt = 0;; ++attempt) {
    HttpRequest http;
    http.method = "POST";
    http.url = delivery.url;
    http.timeout = options_.timeout;
    http.body = delivery.body;
    http.headers.emplace_back("Content-Type", "application/json");
    http.headers.insert(http.headers.end(), delivery.headers.begin(), delivery.headers.end());
    http.headers.emplace_back(
        std::string(kWebhookSignatureHeader),
        SignWebhook(delivery.secret, UnixSeconds(options_.clock->Now()), delivery.body));
    http.headers.emplace_back("User-Agent", options_.user_agent);
    auto response = SendHttp(http);

    core::Status failure;
    bool retryable = false;
    std::optional<core::Duration> retry_after;
    if (!response.ok()) {
      failure = response.status();
      retryable = IsRetryableTransportError(failure);
    } else if (response->status >= 200 && response->status < 300) {
      if (options_.log) {
        options_.log(what + ": HTTP " + std::to_string(response->status) + " on attempt " +
                     std::to_string(attempt + 1));
      }
      return core::Status::Ok();
    } else {
      const int code = response->status;
      retryable = code >= 500 || code == 429;
      failure = HttpFailure(code, "HTTP " + std::to_string(code) + ": " + Excerpt(response->body));
      if (auto ra = response->Header("Retry-After")) retry_after = ParseRetryAfter(*ra);
    }

    if (!retryable) {
      return core::Status(failure.code(), what + " failed (not retried): " + failure.message());
    }
    if (attempt + 1 >= attempts) {
      return core::Status(failure.code(), what + " failed after " + std::to_string(attempts) +
                                              " attempts; last: " + failure.message());
    }
    core::Duration delay = NextDelay(attempt);
    if (retry_after) delay = std::max(delay, std::min(*retry_after, options_.backoff_cap));
    if (options_.log) {
      options_.log(what + ": attempt " + std::to_string(attempt + 1) + " failed (" +
                   failure.message() + "); retrying in " + FormatMillis(delay));
    }
    options_.sleep(delay);
  }
}

}  // namespace gov::integrations
