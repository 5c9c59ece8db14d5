#pragma once

// Delivers a JSON body to a webhook, signed with X-Governor-Signature and retried with
// full-jitter backoff: the one sender for every signed webhook Governor sends (the
// controller's webhook hook uses it).

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "integrations/backoff.h"
#include "integrations/http_transport.h"

namespace gov::integrations {

inline constexpr core::Duration kWebhookBackoffBase = std::chrono::milliseconds(500);
inline constexpr core::Duration kWebhookBackoffCap = std::chrono::seconds(8);

struct SignedWebhookSenderOptions {
  // Attempts per delivery, the first included; at least 1.
  int max_attempts = 4;
  // Applied to connecting, sending and each wait for response bytes, per attempt.
  core::Duration timeout = std::chrono::seconds(5);
  // Before retry n (0-based) wait a random time below min(backoff_cap, backoff_base * 2^n);
  // a Retry-After (in seconds) lengthens the wait up to backoff_cap.
  core::Duration backoff_base = kWebhookBackoffBase;
  core::Duration backoff_cap = kWebhookBackoffCap;
  // Seeds the jitter (std::mt19937_64), so a fixed seed gives the same delays.
  uint64_t rng_seed = 0;
  // Stamps the signatures. Null: the system clock. Must outlive the sender.
  const core::Clock* clock = nullptr;
  // Waits between attempts; tests record instead. Null: std::this_thread::sleep_for.
  std::function<void(core::Duration)> sleep;
  // Receives one line per attempt and outcome (never the secret). Null: no logging.
  std::function<void(std::string_view line)> log;
  std::string user_agent = "governor/1";
};

// One delivery. `headers` are sent besides Content-Type (application/json), the signature
// and User-Agent, e.g. an Idempotency-Key.
struct WebhookDelivery {
  std::string url;
  std::string secret;
  std::string body;
  HttpHeaders headers;
  // Names the delivery in errors and log lines; empty: "webhook POST <url>".
  std::string description;
};

// POSTs each delivery, signed anew per attempt (SignWebhook over the body at the clock's Unix
// second). Retries connection errors, timeouts, 429 and 5xx; any other answer below 200 or
// from 300 up, and TLS or URL errors, fail at once. The error names the delivery and the last
// failure, e.g. "... failed after 4 attempts; last: HTTP 503: busy", with a code saying whether
// later can help: kUnavailable (5xx, transport), kResourceExhausted (429), kUnauthenticated
// (401), kPermissionDenied (403), kFailedPrecondition (other 4xx). Thread-safe.
class SignedWebhookSender {
 public:
  explicit SignedWebhookSender(SignedWebhookSenderOptions options = {});

  core::Status Deliver(const std::string& url, const std::string& secret,
                       const std::string& json_body);
  core::Status Deliver(const WebhookDelivery& delivery);

 private:
  core::Duration NextDelay(int retry);

  SignedWebhookSenderOptions options_;
  std::mutex mu_;  // guards backoff_'s generator
  FullJitterBackoff backoff_;
};

}  // namespace gov::integrations
