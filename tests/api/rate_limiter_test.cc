#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace gov::api {
namespace {

TEST(RateLimiterTest, BucketDrainsAndRefillsWithTheClock) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {2.0, 4.0}}});
  // Full bucket: 4 requests pass, the 5th is refused with Retry-After = ceil(1/2) = 1 s.
  for (int i = 0; i < 4; ++i) {
    RateDecision d = limiter.Admit(RateClass::kAdmin, "tok");
    ASSERT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 3 - i);
    EXPECT_EQ(d.limit, 4);
  }
  RateDecision denied = limiter.Admit(RateClass::kAdmin, "tok");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after_seconds, 1);
  EXPECT_EQ(denied.reset_seconds, 2);             // 4 tokens at 2/s
  clock.Advance(std::chrono::milliseconds(500));  // +1 token
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "tok").allowed);
  EXPECT_FALSE(limiter.Admit(RateClass::kAdmin, "tok").allowed);
  clock.Advance(std::chrono::seconds(60));  // refills to the burst, not beyond
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "tok").allowed);
  EXPECT_FALSE(limiter.Admit(RateClass::kAdmin, "tok").allowed);
}

TEST(RateLimiterTest, KeysAndClassesAreIndependent) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {1.0, 1.0}}, {"ingest", {1.0, 1.0}}});
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "a").allowed);
  EXPECT_FALSE(limiter.Admit(RateClass::kAdmin, "a").allowed);
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "b").allowed);
  EXPECT_TRUE(limiter.Admit(RateClass::kIngest, "a").allowed);
}

TEST(RateLimiterTest, UnlimitedClassesAlwaysPass) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"evaluation", {0.0, 0.0}}});
  for (int i = 0; i < 1000; ++i) {
    RateDecision d = limiter.Admit(RateClass::kEvaluation, "k");
    ASSERT_TRUE(d.allowed);
    EXPECT_FALSE(d.limited);
  }
  EXPECT_FALSE(limiter.Admit(RateClass::kAdmin, "k").limited);  // no limit configured
  EXPECT_FALSE(limiter.Admit(RateClass::kNone, "k").limited);
}

TEST(RateLimiterTest, ClassNamesRoundTripThroughOneTable) {
  for (RateClass cls : {RateClass::kAdmin, RateClass::kEvaluation, RateClass::kIngest,
                        RateClass::kUnauthenticated}) {
    EXPECT_EQ(ParseRateClass(RateClassName(cls)), cls) << RateClassName(cls);
  }
  EXPECT_EQ(RateClassName(RateClass::kNone), "");
  EXPECT_EQ(ParseRateClass(""), std::nullopt);
  EXPECT_EQ(ParseRateClass("unknown-class"), std::nullopt);
}

TEST(RateLimiterTest, UnknownConfigNamesAreIgnored) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"unknown-class", {1.0, 1.0}}, {"admin", {1.0, 1.0}}});
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "k").limited);
  EXPECT_FALSE(limiter.Admit(RateClass::kIngest, "k").limited);
}

TEST(RateLimiterTest, SlowRefillRetryAfterRoundsUp) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {0.1, 1.0}}});  // one request per 10 s
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "k").allowed);
  RateDecision d = limiter.Admit(RateClass::kAdmin, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 10);
  clock.Advance(std::chrono::seconds(9));
  EXPECT_EQ(limiter.Admit(RateClass::kAdmin, "k").retry_after_seconds, 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "k").allowed);
}

TEST(RateLimiterTest, ManyIdleKeysAreSweptWithoutLosingState) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {{"admin", {1.0, 2.0}}});
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "hot").allowed);
  EXPECT_TRUE(limiter.Admit(RateClass::kAdmin, "hot").allowed);
  for (int i = 0; i < 100000; ++i) limiter.Admit(RateClass::kAdmin, "cold" + std::to_string(i));
  EXPECT_FALSE(limiter.Admit(RateClass::kAdmin, "hot").allowed);  // still empty after the sweeps
}

}  // namespace
}  // namespace gov::api
