// Building evaluation contexts from OFREP and Unleash JSON.

#include "flags/context.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace gov::flags {
namespace {

TEST(ContextFromOfrep, MapsKnownKeysAndStringifiesTheRest) {
  auto ctx = ContextFromOfrep(
      core::Json::parse(R"({"targetingKey":"u1","sessionId":"s","remoteAddress":"1.2.3.4",
    "environment":"prod","appName":"web","currentTime":"2025-01-02T03:04:05Z","userId":"other",
    "plan":"pro","age":42,"ratio":0.5,"beta":true,"gone":null})"));
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(ctx->user_id, "u1");
  EXPECT_EQ(ctx->session_id, "s");
  EXPECT_EQ(ctx->remote_address, "1.2.3.4");
  EXPECT_EQ(ctx->app_name, "web");
  EXPECT_EQ(ctx->current_time, core::ParseRfc3339("2025-01-02T03:04:05Z"));
  EXPECT_EQ(*ctx->Property("userId"), "other");  // only targetingKey is the user id
  // OFREP has no environment of its own: the server's applies, the caller's is a property.
  EXPECT_EQ(ctx->environment, std::nullopt);
  EXPECT_EQ(*ctx->Property("environment"), "prod");
  EXPECT_EQ(*ctx->Property("plan"), "pro");
  EXPECT_EQ(*ctx->Property("age"), "42");
  EXPECT_EQ(*ctx->Property("ratio"), "0.5");
  EXPECT_EQ(*ctx->Property("beta"), "true");
  EXPECT_EQ(ctx->Property("gone"), nullptr);
}

TEST(ContextFromOfrep, RejectsNestedValuesAndBadTimes) {
  auto nested = ContextFromOfrep(core::Json::parse(R"({"targetingKey":"u","org":{"id":1}})"));
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().field(), "org");
  auto list = ContextFromOfrep(core::Json::parse(R"({"tags":["a"]})"));
  EXPECT_EQ(list.status().field(), "tags");
  auto time = ContextFromOfrep(core::Json::parse(R"({"currentTime":"yesterday"})"));
  EXPECT_EQ(time.status().field(), "currentTime");
  EXPECT_FALSE(ContextFromOfrep(core::Json::parse("[]")).ok());
}

TEST(ContextFromUnleash, ReadsTheSdkShape) {
  auto ctx = ContextFromUnleash(
      core::Json::parse(R"({"userId":"123","sessionId":"asd","remoteAddress":"127.0.0.1",
    "currentTime":1700000000000,"properties":{"customName":"customValue","tier":"gold","n":null},
    "tier":"platinum"})"));
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(ctx->user_id, "123");
  EXPECT_EQ(ctx->current_time, core::FromUnixMillis(1700000000000));
  EXPECT_EQ(*ctx->Property("customName"), "customValue");
  EXPECT_EQ(*ctx->Property("tier"), "platinum");  // top-level wins, as context[key] does
  EXPECT_EQ(ctx->Property("n"), nullptr);
  EXPECT_FALSE(ctx->environment.has_value());
}

TEST(ContextFromUnleash, ErrorsNameTheField) {
  EXPECT_EQ(
      ContextFromUnleash(core::Json::parse(R"({"properties":{"a":{"b":1}}})")).status().field(),
      "properties.a");
  EXPECT_EQ(ContextFromUnleash(core::Json::parse(R"({"properties":[1]})")).status().field(),
            "properties");
  EXPECT_EQ(ContextFromUnleash(core::Json::parse(R"({"userId":["x"]})")).status().field(),
            "userId");
  EXPECT_EQ(ContextFromUnleash(core::Json::parse(R"({"currentTime":true})")).status().field(),
            "currentTime");
  // gov::core::TimePoint counts nanoseconds in 64 bits: years past 2262 do not fit.
  EXPECT_EQ(ContextFromUnleash(core::Json::parse(R"({"currentTime":"3000-01-01T00:00:00Z"})"))
                .status()
                .field(),
            "currentTime");
  EXPECT_EQ(ContextFromUnleash(core::Json::parse(R"({"currentTime":1e16})")).status().field(),
            "currentTime");
}

}  // namespace
}  // namespace gov::flags
