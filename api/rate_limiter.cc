#include "api/rate_limiter.h"

#include <cmath>
#include <functional>

namespace gov::api {

RateLimiter::RateLimiter(const core::Clock& clock, std::map<std::string, RateLimit> limits)
    : clock_(clock), limits_(limits.begin(), limits.end()) {}

RateDecision RateLimiter::Admit(std::string_view route_class, std::string_view key) {
  RateDecision d;
  auto it = limits_.find(route_class);
  if (it == limits_.end() || it->second.requests_per_second <= 0) return d;
  const RateLimit& lim = it->second;
  d.limited = true;
  d.limit = static_cast<int64_t>(lim.burst);

  std::string bucket_key;
  bucket_key.reserve(route_class.size() + 1 + key.size());
  bucket_key.append(route_class).append("\x1f").append(key);
  Shard& shard = shards_[std::hash<std::string>{}(bucket_key) % kShards];
  const core::TimePoint now = clock_.Now();

  std::lock_guard<std::mutex> lock(shard.mu);
  if (++shard.admits_since_sweep >= 4096) {
    // Drop buckets that have refilled completely: they carry no state.
    shard.admits_since_sweep = 0;
    for (auto b = shard.buckets.begin(); b != shard.buckets.end();) {
      const double elapsed = std::chrono::duration<double>(now - b->second.updated).count();
      const RateLimit& bl = b->second.limit;
      if (b->second.tokens + elapsed * bl.requests_per_second >= bl.burst) {
        b = shard.buckets.erase(b);
      } else {
        ++b;
      }
    }
  }
  auto [bit, inserted] = shard.buckets.try_emplace(bucket_key, Bucket{lim.burst, now, lim});
  Bucket& b = bit->second;
  if (!inserted) {
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.updated).count());
    b.tokens = std::min(lim.burst, b.tokens + elapsed * lim.requests_per_second);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after_seconds =
        static_cast<int64_t>(std::ceil((1.0 - b.tokens) / lim.requests_per_second));
  }
  d.remaining = static_cast<int64_t>(std::floor(b.tokens));
  d.reset_seconds =
      static_cast<int64_t>(std::ceil((lim.burst - b.tokens) / lim.requests_per_second));
  return d;
}

}  // namespace gov::api
