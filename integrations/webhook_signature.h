#pragma once

// Signatures of outgoing webhooks: the X-Governor-Signature header every webhook Governor
// sends carries (SignedWebhookSender adds it), and its check.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace gov::integrations {

inline constexpr std::string_view kWebhookSignatureHeader = "X-Governor-Signature";
// Receivers should reject signatures whose timestamp is further than this from their clock.
inline constexpr core::Duration kWebhookDefaultTolerance = std::chrono::minutes(5);

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

}  // namespace gov::integrations
