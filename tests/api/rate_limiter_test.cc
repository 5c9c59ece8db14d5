#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace gov::api {
namespace {

TEST(RateLimiterTest, BucketDrainsAndRefillsWithTheClock) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {2.0, 4.0}}});
  // Full bucket: 4 requests pass, the 5th is refused with Retry-After = ceil(1/2) = 1 s.
  for (int i = 0; i < 4; ++i) {
    RateDecision d = limiter.Admit("admin", "tok");
    ASSERT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 3 - i);
    EXPECT_EQ(d.limit, 4);
  }
  RateDecision denied = limiter.Admit("admin", "tok");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after_seconds, 1);
  EXPECT_EQ(denied.reset_seconds, 2);             // 4 tokens at 2/s
  clock.Advance(std::chrono::milliseconds(500));  // +1 token
  EXPECT_TRUE(limiter.Admit("admin", "tok").allowed);
  EXPECT_FALSE(limiter.Admit("admin", "tok").allowed);
  clock.Advance(std::chrono::seconds(60));  // refills to the burst, not beyond
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.Admit("admin", "tok").allowed);
  EXPECT_FALSE(limiter.Admit("admin", "tok").allowed);
}

TEST(RateLimiterTest, KeysAndClassesAreIndependent) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {1.0, 1.0}}, {"ingest", {1.0, 1.0}}});
  EXPECT_TRUE(limiter.Admit("admin", "a").allowed);
  EXPECT_FALSE(limiter.Admit("admin", "a").allowed);
  EXPECT_TRUE(limiter.Admit("admin", "b").allowed);
  EXPECT_TRUE(limiter.Admit("ingest", "a").allowed);
}

TEST(RateLimiterTest, UnlimitedClassesAlwaysPass) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"evaluation", {0.0, 0.0}}});
  for (int i = 0; i < 1000; ++i) {
    RateDecision d = limiter.Admit("evaluation", "k");
    ASSERT_TRUE(d.allowed);
    EXPECT_FALSE(d.limited);
  }
  EXPECT_FALSE(limiter.Admit("unknown-class", "k").limited);
}

TEST(RateLimiterTest, SlowRefillRetryAfterRoundsUp) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {0.1, 1.0}}});  // one request per 10 s
  EXPECT_TRUE(limiter.Admit("admin", "k").allowed);
  RateDecision d = limiter.Admit("admin", "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 10);
  clock.Advance(std::chrono::seconds(9));
  EXPECT_EQ(limiter.Admit("admin", "k").retry_after_seconds, 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(limiter.Admit("admin", "k").allowed);
}

TEST(RateLimiterTest, ManyIdleKeysAreSweptWithoutLosingState) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {1.0, 2.0}}});
  EXPECT_TRUE(limiter.Admit("admin", "hot").allowed);
  EXPECT_TRUE(limiter.Admit("admin", "hot").allowed);
  for (int i = 0; i < 100000; ++i) limiter.Admit("admin", "cold" + std::to_string(i));
  EXPECT_FALSE(limiter.Admit("admin", "hot").allowed);  // still empty after the sweeps
}

}  // namespace
}  // namespace gov::api
