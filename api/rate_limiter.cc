#include "api/rate_limiter.h"

#include <cmath>
#include <functional>

namespace gov::api {

namespace {

struct RateClassEntry {
  RateClass cls;
  std::string_view name;
};

constexpr RateClassEntry kRateClassNames[] = {{RateClass::kNone, ""},
                                              {RateClass::kAdmin, "admin"},
                                              {RateClass::kEvaluation, "evaluation"},
                                              {RateClass::kIngest, "ingest"},
                                              {RateClass::kUnauthenticated, "unauthenticated"}};

}  // namespace

std::string_view RateClassName(RateClass cls) {
  for (const auto& e : kRateClassNames) {
    if (e.cls == cls) return e.name;
  }
  return "";
}

std::optional<RateClass> ParseRateClass(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (const auto& e : kRateClassNames) {
    if (e.name == name) return e.cls;
  }
  return std::nullopt;
}

RateLimiter::RateLimiter(const core::Clock& clock, const std::map<std::string, RateLimit>& limits)
    : clock_(clock) {
  for (const auto& [name, limit] : limits) {
    if (auto cls = ParseRateClass(name)) limits_[static_cast<size_t>(*cls)] = limit;
  }
}

RateDecision RateLimiter::Admit(RateClass cls, std::string_view key) {
  RateDecision d;
  const std::optional<RateLimit>& configured = limits_[static_cast<size_t>(cls)];
  if (cls == RateClass::kNone || !configured || configured->requests_per_second <= 0) return d;
  const RateLimit& lim = *configured;
  d.limited = true;
  d.limit = static_cast<int64_t>(lim.burst);

  const std::string_view class_name = RateClassName(cls);
  std::string bucket_key;
  bucket_key.reserve(class_name.size() + 1 + key.size());
  bucket_key.append(class_name).append("\x1f").append(key);
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
