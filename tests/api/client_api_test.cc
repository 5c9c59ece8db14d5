// The Unleash client API (GET /api/client/features, register, metrics, streaming) against
// snapshots published into the registry. Expected shapes follow the Unleash client API
// (https://docs.getunleash.io/reference/api/unleash/get-all-toggles) and Governor's documented
// rules.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "tests/api/client_api_harness.h"
#include "tests/api/sse_reader.h"

namespace gov::api::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> FeatureNames(const core::Json& body) {
  std::vector<std::string> names;
  for (const core::Json& f : body["features"]) names.push_back(f["name"]);
  return names;
}

TEST(ClientApiTest, FeaturesInUnleashFormatWithRegexAndCidrConstraints) {
  EvaluationServer s;
  s.Publish("development", 3, FixtureFlags());
  auto res = s.Client()->Get("/api/client/features", EvaluationServer::Auth(kClientSecret));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const core::Json body = core::Json::parse(res->body);
  EXPECT_EQ(body["version"], 2);
  const auto names = FeatureNames(body);
  EXPECT_EQ(names.size(), 13u);
  EXPECT_THAT(names, ::testing::Contains("regex-flag"));
  ASSERT_EQ(body["segments"].size(), 2u);
  EXPECT_EQ(body["segments"][1]["constraints"][0]["operator"], "REGEX");
  EXPECT_EQ(body["segments"][1]["constraints"][0]["value"], "@example\\.com$");
  // Round-trips through Governor's own lenient parser (the SDK shape).
  EXPECT_TRUE(flags::ParseClientFeatures(body).ok());
}

TEST(ClientApiTest, EtagPerRevisionAndIfNoneMatch) {
  EvaluationServer s;
  s.Publish("development", 3, FixtureFlags());
  auto c = s.Client();
  auto first = c->Get("/api/client/features", EvaluationServer::Auth(kClientSecret));
  ASSERT_TRUE(first);
  const std::string etag = first->get_header_value("ETag");
  EXPECT_EQ(etag, ClientFeaturesEtag("development", 3, "", ""));
  ASSERT_EQ(etag.front(), '"');  // strong: no W/ prefix
  auto headers = EvaluationServer::Auth(kClientSecret);
  headers.emplace("If-None-Match", etag);
  auto second = c->Get("/api/client/features", headers);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 304);
  EXPECT_TRUE(second->body.empty());

  s.Publish("development", 4, FixtureFlags());
  auto third = c->Get("/api/client/features", headers);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 200);
  EXPECT_NE(third->get_header_value("ETag"), etag);
}

TEST(ClientApiTest, NamePrefixAndProjectFilters) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  auto prefixed =
      c->Get("/api/client/features?namePrefix=team.", EvaluationServer::Auth(kClientSecret));
  ASSERT_TRUE(prefixed);
  EXPECT_THAT(FeatureNames(core::Json::parse(prefixed->body)),
              ElementsAre("team.search", "team.billing"));
  auto project =
      c->Get("/api/client/features?project=billing", EvaluationServer::Auth(kClientSecret));
  ASSERT_TRUE(project);
  EXPECT_THAT(FeatureNames(core::Json::parse(project->body)), ElementsAre("team.billing"));
  EXPECT_NE(prefixed->get_header_value("ETag"), project->get_header_value("ETag"));
}

TEST(ClientApiTest, EnvironmentComesFromTheToken) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  flags::ClientFeatures prod;
  prod.features.push_back(FixtureFlags().features[0]);
  s.Publish("production", 7, prod);
  auto res = s.Client()->Get("/api/client/features", EvaluationServer::Auth(kProdClientSecret));
  ASSERT_TRUE(res);
  EXPECT_THAT(FeatureNames(core::Json::parse(res->body)), ElementsAre("static-on"));
  EXPECT_EQ(res->get_header_value("ETag"), ClientFeaturesEtag("production", 7, "", ""));
}

TEST(ClientApiTest, TokenTypesAreEnforced) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  EXPECT_EQ(c->Get("/api/client/features")->status, 401);
  EXPECT_EQ(c->Get("/api/client/features", EvaluationServer::Auth("nope"))->status, 401);
  EXPECT_EQ(c->Get("/api/client/features", EvaluationServer::Auth(kFrontendSecret))->status, 403);
  EXPECT_EQ(c->Get("/api/client/features", EvaluationServer::Auth(kAdminSecret))->status, 403);
  EXPECT_EQ(c->Post("/api/client/metrics", EvaluationServer::Auth(kFrontendSecret), "{}",
                    "application/json")
                ->status,
            403);
  EXPECT_EQ(c->Get("/api/client/streaming", EvaluationServer::Auth(kFrontendSecret))->status, 403);
}

TEST(ClientApiTest, RegisterAndMetricsAreValidatedAndHandedToTheStore) {
  EvaluationServer s;
  auto c = s.Client();
  const auto auth = EvaluationServer::Auth(kClientSecret);
  auto reg =
      c->Post("/api/client/register", auth,
              R"({"appName":"checkout","instanceId":"i-1","sdkVersion":"unleash-client-node:6.12.1",
                         "strategies":["default","flexibleRollout"],"started":"2026-11-25T10:00:00.000Z","interval":15000})",
              "application/json");
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->status, 202) << reg->body;
  ASSERT_EQ(s.registrations().size(), 1u);
  EXPECT_EQ(s.registrations()[0].environment, "development");
  EXPECT_EQ(s.registrations()[0].instance_id, "i-1");
  EXPECT_EQ(s.registrations()[0].strategies_json, R"(["default","flexibleRollout"])");
  EXPECT_EQ(s.registrations()[0].interval_ms, 15000);

  auto metrics = c->Post(
      "/api/client/metrics", auth,
      R"({"appName":"checkout","instanceId":"i-1","bucket":{"start":"2026-11-25T10:00:00.000Z",
          "stop":"2026-11-25T10:01:00.000Z","toggles":{"color":{"yes":5,"no":2,"variants":{"blue":5}}}}})",
      "application/json");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 202) << metrics->body;
  const auto reports = s.reports();
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports[0].size(), 1u);
  const store::FlagMetricsBucket& r = reports[0][0];
  EXPECT_EQ(r.app_name, "checkout");
  EXPECT_EQ(r.feature, "color");
  EXPECT_EQ(r.environment, "development");
  EXPECT_EQ(r.yes, 5);
  EXPECT_EQ(r.no, 2);
  EXPECT_EQ(r.variants, (std::map<std::string, int64_t>{{"blue", 5}}));

  struct Case {
    std::string body;
    std::string field;
  };
  const std::vector<Case> bad = {
      {"not json", "body"},
      {R"({"instanceId":"x"})", "appName"},
      {R"({"appName":"a"})", "bucket"},
      {R"({"appName":"a","bucket":{"stop":"2026-11-25T10:00:00Z","toggles":{}}})", "bucket.start"},
      {R"({"appName":"a","bucket":{"start":"yesterday","stop":"2026-11-25T10:00:00Z","toggles":{}}})",
       "bucket.start"},
      {R"({"appName":"a","bucket":{"start":"2026-11-25T10:00:00Z","stop":"2026-11-25T09:00:00Z","toggles":{}}})",
       "bucket.stop"},
      {R"({"appName":"a","bucket":{"start":"2026-11-25T10:00:00Z","stop":"2026-11-25T10:00:00Z","toggles":{"f":{"yes":-1}}}})",
       "bucket.toggles.f.yes"},
      {R"({"appName":"a","bucket":{"start":"2026-11-25T10:00:00Z","stop":"2026-11-25T10:00:00Z","toggles":{"f":{"variants":{"v":"x"}}}}})",
       "bucket.toggles.f.variants.v"},
  };
  for (const Case& k : bad) {
    auto res = c->Post("/api/client/metrics", auth, k.body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << k.body;
    EXPECT_EQ(core::Json::parse(res->body)["error"]["field"], k.field)
        << k.body << " -> " << res->body;
  }
  auto bad_reg = c->Post("/api/client/register", auth, R"({"appName":"a","strategies":[1]})",
                         "application/json");
  EXPECT_EQ(core::Json::parse(bad_reg->body)["error"]["field"], "strategies[0]");
  EXPECT_EQ(s.reports().size(), 1u);
}

TEST(ClientApiTest, StreamingSendsHydrationThenEachNewRevision) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  SseReader reader(s.port(), EvaluationServer::Auth(kClientSecret), "/api/client/streaming", "");
  const std::string connected = reader.WaitFor("event: unleash-connected");
  ASSERT_FALSE(connected.empty());
  EXPECT_THAT(connected, HasSubstr("id: 1\n"));
  EXPECT_THAT(connected, HasSubstr("\"type\":\"hydration\""));
  EXPECT_THAT(connected, HasSubstr("\"name\":\"static-on\""));
  EXPECT_THAT(connected, HasSubstr("\"name\":\"regex-flag\""));

  flags::ClientFeatures changed = FixtureFlags();
  changed.features[0].enabled = false;
  s.Publish("development", 2, changed);
  const std::string updated = reader.WaitFor("event: unleash-updated");
  ASSERT_FALSE(updated.empty());
  EXPECT_THAT(updated, HasSubstr("id: 2\n"));
  // Only the change: one feature-updated event, not the whole flag set again.
  const core::Json data = core::Json::parse(updated.substr(updated.find("data: ") + 6));
  ASSERT_EQ(data["events"].size(), 1u) << data.dump();
  EXPECT_EQ(data["events"][0]["type"], "feature-updated");
  EXPECT_EQ(data["events"][0]["eventId"], 2);
  EXPECT_EQ(data["events"][0]["feature"]["name"], "static-on");
  EXPECT_EQ(data["events"][0]["feature"]["enabled"], false);
  // Idle streams get keep-alive comments (interval 200 ms in the harness, on its fake clock).
  s.clock().Advance(std::chrono::seconds(1));
  EXPECT_FALSE(reader.WaitFor(": keep-alive").empty());
}

TEST(ClientApiTest, StreamsAreCappedAndSlotsReturnOnDisconnect) {
  EvaluationServer s([](FlagApiOptions& o) { o.max_streams = 1; });
  s.Publish("development", 1, FixtureFlags());
  {
    SseReader reader(s.port(), EvaluationServer::Auth(kClientSecret), "/api/client/streaming", "");
    ASSERT_FALSE(reader.WaitFor("unleash-connected").empty());
    auto second = s.Client()->Get("/api/client/streaming", EvaluationServer::Auth(kClientSecret));
    ASSERT_TRUE(second);
    // As Unleash does: 429 makes a streaming SDK fall back to polling.
    EXPECT_EQ(second->status, 429);
    EXPECT_EQ(second->get_header_value("Retry-After"), "30");
  }
  // The closed stream's slot comes back when the server sees the connection close.
  for (int i = 0; i < 500 && s.api().open_streams() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s.api().open_streams(), 0);
}

}  // namespace
}  // namespace gov::api::testing
