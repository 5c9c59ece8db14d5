// Webhook signatures (see webhook_signature.h).

#include "integrations/webhook_signature.h"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <vector>

#include "core/crypto.h"
#include "integrations/internal/http_text.h"

namespace gov::integrations {

using internal::ParseDigits;
using internal::Trim;
using internal::UnixSeconds;

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

}  // namespace gov::integrations
