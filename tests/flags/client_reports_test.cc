// The one parser of what Unleash SDKs report (metrics and registrations), against Unleash's
// client-metrics and client-register schemas.

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "flags/flag_metrics.h"

namespace gov::flags {
namespace {

const core::TimePoint kNow = *core::ParseRfc3339("2026-11-25T12:00:00Z");

core::StatusOr<std::vector<store::FlagMetricsBucket>> Metrics(const std::string& json) {
  return ParseClientMetrics("production", core::Json::parse(json));
}

TEST(ClientReportsTest, MetricsBecomeHourlyCountsPerFlag) {
  auto buckets = Metrics(R"({"appName": "web", "instanceId": "i1", "environment": "ignored",
      "bucket": {"start": "2026-11-25T10:15:00Z", "stop": "2026-11-25T10:16:00Z",
                 "toggles": {"a": {"yes": 3, "no": 1, "variants": {"blue": 2, "red": 0}},
                             "unused": {"yes": 0, "no": 0}, "b": {"no": 4}}}})");
  ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
  ASSERT_EQ(buckets->size(), 2u);  // all-zero flags are left out
  const store::FlagMetricsBucket& a = (*buckets)[0];
  EXPECT_EQ(a.app_name, "web");
  EXPECT_EQ(a.feature, "a");
  EXPECT_EQ(a.environment, "production");  // the token's, not the body's
  EXPECT_EQ(a.hour, *core::ParseRfc3339("2026-11-25T10:00:00Z"));
  EXPECT_EQ(a.yes, 3);
  EXPECT_EQ(a.no, 1);
  EXPECT_EQ(a.variants, (std::map<std::string, int64_t>{{"blue", 2}}));
  EXPECT_EQ((*buckets)[1].feature, "b");
  EXPECT_EQ((*buckets)[1].yes, 0);
  EXPECT_EQ((*buckets)[1].no, 4);
}

TEST(ClientReportsTest, FollowsUnleashOnOptionalFieldsAndEpochMillis) {
  // instanceId may be absent, null or ""; toggles may be absent; times may be Date.now().
  auto no_instance = Metrics(R"({"appName": "web", "instanceId": null,
      "bucket": {"start": 1764064800000, "stop": 1764064860000}})");
  ASSERT_TRUE(no_instance.ok()) << no_instance.status().ToString();
  EXPECT_TRUE(no_instance->empty());
  auto millis = Metrics(R"({"appName": "web", "bucket": {"start": 1795604100000,
      "stop": "2026-11-25T10:56:00Z", "toggles": {"a": {"yes": 1}}}})");
  ASSERT_TRUE(millis.ok()) << millis.status().ToString();
  EXPECT_EQ((*millis)[0].hour, *core::ParseRfc3339("2026-11-25T10:00:00Z"));

  for (const char* body : {R"({"appName": "web"})", R"({"appName": "web", "instanceId": ""})",
                           R"({"appName": "web", "instanceId": null})"}) {
    auto reg = ParseClientRegistration("development", core::Json::parse(body), kNow);
    ASSERT_TRUE(reg.ok()) << body << ": " << reg.status().ToString();
    EXPECT_EQ(reg->instance_id, "default") << body;
    EXPECT_EQ(reg->started, kNow);
    EXPECT_EQ(reg->last_seen, kNow);
    EXPECT_EQ(reg->strategies_json, "[]");
    EXPECT_EQ(reg->environment, "development");
  }
  auto full = ParseClientRegistration(
      "development",
      core::Json::parse(
          R"({"appName": "web", "instanceId": "i1", "sdkVersion": "unleash-client-node:6.12.1",
          "strategies": ["default"], "started": 1764064800000, "interval": 15000})"),
      kNow);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(full->instance_id, "i1");
  EXPECT_EQ(full->sdk_version, "unleash-client-node:6.12.1");
  EXPECT_EQ(full->started, *core::ParseRfc3339("2025-11-25T10:00:00Z"));
  EXPECT_EQ(full->interval_ms, 15000);
  EXPECT_EQ(full->strategies_json, R"(["default"])");
}

TEST(ClientReportsTest, ErrorsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"[]", "body"},
      {R"({"instanceId": "i"})", "appName"},
      {R"({"appName": ""})", "appName"},
      {R"({"appName": 7})", "appName"},
      {R"({"appName": "a", "instanceId": 7})", "instanceId"},
      {R"({"appName": "a"})", "bucket"},
      {R"({"appName": "a", "bucket": null})", "bucket"},
      {R"({"appName": "a", "bucket": []})", "bucket"},
      {R"({"appName": "a", "bucket": {"stop": 0}})", "bucket.start"},
      {R"({"appName": "a", "bucket": {"start": 0}})", "bucket.stop"},
      {R"({"appName": "a", "bucket": {"start": "soon", "stop": 0}})", "bucket.start"},
      {R"({"appName": "a", "bucket": {"start": 1.5, "stop": 0}})", "bucket.start"},
      {R"({"appName": "a", "bucket": {"start": 10, "stop": 0}})", "bucket.stop"},
      {R"({"appName": "a", "bucket": {"start": 9000000000000000, "stop": 0}})", "bucket.start"},
      {R"({"appName": "a", "bucket": {"start": "9999-01-01T00:00:00Z", "stop": 0}})",
       "bucket.start"},
      {R"({"appName": "a", "bucket": {"start": 0, "stop": 0, "toggles": []}})", "bucket.toggles"},
      {R"({"appName": "a", "bucket": {"start": 0, "stop": 0, "toggles": {"f": 1}}})",
       "bucket.toggles.f"},
      {R"({"appName": "a", "bucket": {"start": 0, "stop": 0, "toggles": {"f": {"yes": -1}}}})",
       "bucket.toggles.f.yes"},
      {R"({"appName": "a", "bucket": {"start": 0, "stop": 0, "toggles": {"f": {"no": 2.5}}}})",
       "bucket.toggles.f.no"},
      {R"({"appName": "a", "bucket": {"start": 0, "stop": 0, "toggles": {"f": {"yes": 2e12}}}})",
       "bucket.toggles.f.yes"},
      {R"({"appName": "a", "bucket": {"start": 0, "stop": 0,
          "toggles": {"f": {"variants": []}}}})",
       "bucket.toggles.f.variants"},
      {R"({"appName": "a", "bucket": {"start": 0, "stop": 0,
          "toggles": {"f": {"variants": {"v": "x"}}}}})",
       "bucket.toggles.f.variants.v"},
  };
  for (const auto& [body, field] : metrics) {
    auto parsed = Metrics(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(parsed.status().field(), field) << body << ": " << parsed.status().ToString();
  }
  const std::vector<std::pair<std::string, std::string>> registrations = {
      {"7", "body"},
      {R"({})", "appName"},
      {R"({"appName": "a", "strategies": "default"})", "strategies"},
      {R"({"appName": "a", "strategies": ["default", 1]})", "strategies[1]"},
      {R"({"appName": "a", "interval": -1})", "interval"},
      {R"({"appName": "a", "interval": "15s"})", "interval"},
      {R"({"appName": "a", "started": "yesterday"})", "started"},
      {R"({"appName": "a", "sdkVersion": 6})", "sdkVersion"},
  };
  for (const auto& [body, field] : registrations) {
    auto parsed = ParseClientRegistration("development", core::Json::parse(body), kNow);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.status().field(), field) << body << ": " << parsed.status().ToString();
  }
}

}  // namespace
}  // namespace gov::flags
