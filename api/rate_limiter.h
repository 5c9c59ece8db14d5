#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/config.h"
#include "core/clock.h"

namespace gov::api {

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
  RateLimiter(const core::Clock& clock, std::map<std::string, RateLimit> limits);

  // Takes one token for `key` in `route_class` if available.
  RateDecision Admit(std::string_view route_class, std::string_view key);

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

  const core::Clock& clock_;
  std::map<std::string, RateLimit, std::less<>> limits_;
  std::array<Shard, kShards> shards_;
};

}  // namespace gov::api
