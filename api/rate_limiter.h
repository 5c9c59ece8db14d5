#pragma once

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/config.h"
#include "core/clock.h"

namespace gov::api {

// Which token bucket a request draws from. Routes name one of kNone (not limited), kAdmin,
// kEvaluation or kIngest; the router uses kUnauthenticated for callers whose token failed.
enum class RateClass { kNone, kAdmin, kEvaluation, kIngest, kUnauthenticated };

// The class's name in the config file's `rateLimits` section ("" for kNone).
std::string_view RateClassName(RateClass cls);
// The class a config name names; nullopt for an unknown name or "".
std::optional<RateClass> ParseRateClass(std::string_view name);

// The outcome of one admission check, with what the RateLimit-* headers report.
struct RateDecision {
  bool allowed = true;
  bool limited = false;             // false when the class has no limit
  int64_t limit = 0;                // bucket capacity (burst)
  int64_t remaining = 0;            // whole tokens left after this request
  int64_t reset_seconds = 0;        // seconds until the bucket is full again
  int64_t retry_after_seconds = 0;  // when denied: seconds until one token is available
};

// Token buckets keyed by (route class, caller). A bucket holds up to `burst` tokens and
// refills at `requests_per_second`; each request takes one. Time comes from the injected
// clock. Thread-safe (sharded locks). Idle full buckets are dropped to bound memory.
class RateLimiter {
 public:
  // `limits` as in ServerConfig::rate_limits: keyed by RateClassName; unknown names are
  // ignored (the config parser rejects them).
  RateLimiter(const core::Clock& clock, const std::map<std::string, RateLimit>& limits);

  // Takes one token for `key` in `cls` if available; kNone is never limited.
  RateDecision Admit(RateClass cls, std::string_view key);

 private:
  struct Bucket {
    double tokens;
    core::TimePoint updated;
    RateLimit limit;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
    size_t admits_since_sweep = 0;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kClasses = static_cast<size_t>(RateClass::kUnauthenticated) + 1;

  const core::Clock& clock_;
  std::array<std::optional<RateLimit>, kClasses> limits_;
  std::array<Shard, kShards> shards_;
};

}  // namespace gov::api
