// The Unleash frontend API (GET/POST /api/frontend) and its CORS handling. Expected toggles
// follow Unleash semantics for the fixture flags (tests/api/testdata/client_api_flags.json):
// only enabled toggles, with the variant getVariant() returns and impressionData.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/api/client_api_harness.h"

namespace gov::api::testing {
namespace {

using ::testing::Contains;
using ::testing::Not;

std::map<std::string, core::Json> Toggles(const std::string& body) {
  std::map<std::string, core::Json> out;
  const core::Json parsed = core::Json::parse(body);
  for (const core::Json& t : parsed["toggles"]) out[t["name"]] = t;
  return out;
}

std::vector<std::string> Names(const std::map<std::string, core::Json>& toggles) {
  std::vector<std::string> out;
  for (const auto& [k, v] : toggles) out.push_back(k);
  return out;
}

TEST(FrontendApiTest, GetEvaluatesTheQueryContext) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto res = s.Client()->Get("/api/frontend?userId=alice&properties%5Bcountry%5D=no",
                             EvaluationServer::Auth(kFrontendSecret));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto toggles = Toggles(res->body);
  const auto names = Names(toggles);
  EXPECT_THAT(names, Contains("targeted"));    // alice is in userIds
  EXPECT_THAT(names, Contains("segmented"));   // country=no matches segment 1
  EXPECT_THAT(names, Contains("regex-flag"));  // evaluated server-side: "alice" matches ^a
  EXPECT_THAT(names, Not(Contains("off-flag")));
  for (const auto& [name, t] : toggles) EXPECT_EQ(t["enabled"], true) << name;
  EXPECT_EQ(toggles.at("static-on")["impressionData"], true);
  EXPECT_EQ(toggles.at("static-on")["variant"],
            (core::Json{{"name", "disabled"}, {"enabled", false}, {"feature_enabled", true}}));
  EXPECT_EQ(toggles.at("color")["variant"],
            (core::Json{{"name", "blue"},
                        {"enabled", true},
                        {"feature_enabled", true},
                        {"payload", {{"type", "string"}, {"value", "#0000ff"}}}}));
  EXPECT_EQ(toggles.at("color")["impressionData"], false);
}

TEST(FrontendApiTest, PostTakesTheContextFromTheBody) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  auto bob =
      c->Post("/api/frontend", EvaluationServer::Auth(kFrontendSecret),
              R"({"context":{"userId":"bob","properties":{"country":"se"}}})", "application/json");
  ASSERT_TRUE(bob);
  ASSERT_EQ(bob->status, 200);
  const auto names = Names(Toggles(bob->body));
  EXPECT_THAT(names, Not(Contains("targeted")));
  EXPECT_THAT(names, Not(Contains("segmented")));
  EXPECT_THAT(names, Contains("static-on"));
  auto bad = c->Post("/api/frontend", EvaluationServer::Auth(kFrontendSecret),
                     R"({"context":{"userId":"bob","currentTime":"noon"}})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(core::Json::parse(bad->body)["error"]["field"], "context.currentTime") << bad->body;
}

TEST(FrontendApiTest, EtagAnswers304ForTheSameContextAndRevision) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  auto first = c->Get("/api/frontend?userId=alice", EvaluationServer::Auth(kFrontendSecret));
  ASSERT_TRUE(first);
  auto headers = EvaluationServer::Auth(kFrontendSecret);
  headers.emplace("If-None-Match", first->get_header_value("ETag"));
  EXPECT_EQ(c->Get("/api/frontend?userId=alice", headers)->status, 304);
  EXPECT_EQ(c->Get("/api/frontend?userId=bob", headers)->status, 200);
  flags::ClientFeatures changed = FixtureFlags();
  changed.features[0].enabled = false;
  s.Publish("development", 2, changed);
  EXPECT_EQ(c->Get("/api/frontend?userId=alice", headers)->status, 200);
}

TEST(FrontendApiTest, FrontendTokensReachOnlyFrontendAndOfrep) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  const auto front = EvaluationServer::Auth(kFrontendSecret);
  EXPECT_EQ(c->Get("/api/client/features", front)->status, 403);
  EXPECT_EQ(
      c->Post("/api/client/register", front, R"({"appName":"a"})", "application/json")->status,
      403);
  EXPECT_EQ(c->Get("/api/frontend", EvaluationServer::Auth(kClientSecret))->status, 403);
  EXPECT_EQ(c->Get("/api/frontend", EvaluationServer::Auth(kAdminSecret))->status, 403);
  EXPECT_EQ(c->Post("/ofrep/v1/evaluate/flags", front, R"({"context":{"targetingKey":"u"}})",
                    "application/json")
                ->status,
            200);
}

TEST(FrontendApiTest, CorsOriginsComeFromConfig) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  httplib::Headers allowed{{"Origin", "https://app.example.com"},
                           {"Access-Control-Request-Method", "GET"}};
  auto pre = c->Options("/api/frontend", allowed);
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  auto denied = c->Options("/api/frontend", httplib::Headers{{"Origin", "https://evil.example"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_FALSE(denied->has_header("Access-Control-Allow-Origin"));

  auto headers = EvaluationServer::Auth(kFrontendSecret);
  headers.emplace("Origin", "https://app.example.com");
  auto get = c->Get("/api/frontend", headers);
  EXPECT_EQ(get->get_header_value("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(get->get_header_value("Access-Control-Expose-Headers"), "ETag");
  auto ofrep_pre = c->Options("/ofrep/v1/evaluate/flags", allowed);
  EXPECT_EQ(ofrep_pre->status, 204);
}

// One flag on only in `development` by an `environment` constraint, published in both
// environments (the same definition everywhere).
flags::ClientFeatures EnvironmentGatedFlag() {
  auto parsed = flags::ParseClientFeaturesText(R"({"version": 2, "features": [{
      "name": "dev-only", "enabled": true, "strategies": [{"name": "default", "constraints": [
        {"contextName": "environment", "operator": "IN", "values": ["development"]}]}]}]})");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return *parsed;
}

// Unleash's frontend API (and unleash-client's static context) fill `environment` from the
// token when the caller gives none; a caller-given environment is an ordinary context field.
TEST(FrontendApiTest, EnvironmentDefaultsToTheTokenEnvironment) {
  EvaluationServer s;
  s.Publish("development", 1, EnvironmentGatedFlag());
  auto c = s.Client();
  const auto front = EvaluationServer::Auth(kFrontendSecret);
  struct Case {
    std::string name;
    std::function<httplib::Result()> request;
    bool enabled;
  };
  const std::vector<Case> cases = {
      {"GET, no environment", [&] { return c->Get("/api/frontend?userId=u", front); }, true},
      {"POST, no environment",
       [&] {
         return c->Post("/api/frontend", front, R"({"context":{"userId":"u"}})",
                        "application/json");
       },
       true},
      {"GET, caller says production",
       [&] { return c->Get("/api/frontend?userId=u&environment=production", front); }, false},
      {"POST, caller says production",
       [&] {
         return c->Post("/api/frontend", front,
                        R"({"context":{"userId":"u","environment":"production"}})",
                        "application/json");
       },
       false},
      {"POST, caller says development",
       [&] {
         return c->Post("/api/frontend", front, R"({"context":{"environment":"development"}})",
                        "application/json");
       },
       true},
  };
  for (const Case& t : cases) {
    auto res = t.request();
    ASSERT_TRUE(res) << t.name;
    ASSERT_EQ(res->status, 200) << t.name << ": " << res->body;
    EXPECT_EQ(Toggles(res->body).count("dev-only"), t.enabled ? 1u : 0u) << t.name;
  }
}

// A browser reads an error only when it carries Access-Control-Allow-Origin: the router's own
// 401/403 on the frontend API and OFREP carry it for allowed origins, and only for them.
TEST(FrontendApiTest, RouterErrorsCarryCorsHeadersForAllowedOrigins) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  struct Case {
    std::string name;
    std::string secret;
    std::string origin;
    int status;
    bool cors;
  };
  const std::vector<Case> cases = {
      {"bad token, allowed origin", "not-a-token", "https://app.example.com", 401, true},
      {"bad token, other origin", "not-a-token", "https://evil.example", 401, false},
      {"bad token, no origin", "not-a-token", "", 401, false},
      {"client token, allowed origin", kClientSecret, "https://app.example.com", 403, true},
      {"admin token, other origin", kAdminSecret, "https://evil.example", 403, false},
  };
  for (const Case& t : cases) {
    auto headers = EvaluationServer::Auth(t.secret);
    if (!t.origin.empty()) headers.emplace("Origin", t.origin);
    auto get = c->Get("/api/frontend?userId=u", headers);
    auto post = c->Post("/api/frontend/client/metrics", headers, "{}", "application/json");
    for (const auto& res : {&get, &post}) {
      ASSERT_TRUE(*res) << t.name;
      EXPECT_EQ((*res)->status, t.status) << t.name << ": " << (*res)->body;
      EXPECT_EQ((*res)->get_header_value("Access-Control-Allow-Origin"),
                t.cors ? t.origin : std::string())
          << t.name;
    }
  }
  // OFREP serves browsers too (the OpenFeature web provider).
  auto ofrep = c->Post("/ofrep/v1/evaluate/flags",
                       {{"Authorization", "not-a-token"}, {"Origin", "https://app.example.com"}},
                       R"({"context":{"targetingKey":"u"}})", "application/json");
  ASSERT_TRUE(ofrep);
  EXPECT_EQ(ofrep->status, 401);
  EXPECT_EQ(ofrep->get_header_value("Access-Control-Allow-Origin"), "https://app.example.com");
  // The client API is for servers: no CORS headers on its errors.
  auto server_api = c->Get("/api/client/features", {{"Authorization", "not-a-token"},
                                                    {"Origin", "https://app.example.com"}});
  ASSERT_TRUE(server_api);
  EXPECT_EQ(server_api->status, 401);
  EXPECT_FALSE(server_api->has_header("Access-Control-Allow-Origin"));
}

TEST(FrontendApiTest, RateLimitErrorsCarryCorsHeadersForAllowedOrigins) {
  // One request per evaluation bucket; the fake clock never refills it.
  EvaluationServer s(nullptr, {{"evaluation", RateLimit{1, 1}}});
  s.Publish("development", 1, FixtureFlags());
  auto c = s.Client();
  auto headers = EvaluationServer::Auth(kFrontendSecret);
  headers.emplace("Origin", "https://app.example.com");
  ASSERT_EQ(c->Get("/api/frontend?userId=u", headers)->status, 200);
  auto limited = c->Get("/api/frontend?userId=u", headers);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429) << limited->body;
  EXPECT_EQ(limited->get_header_value("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_TRUE(limited->has_header("Retry-After"));
}

TEST(FrontendApiTest, MetricsFromFrontendSdks) {
  EvaluationServer s;
  auto res = s.Client()->Post(
      "/api/frontend/client/metrics", EvaluationServer::Auth(kFrontendSecret),
      R"({"appName":"web","instanceId":"browser","bucket":{"start":"2026-11-25T10:00:00.000Z",
          "stop":"2026-11-25T10:00:30.000Z","toggles":{"static-on":{"yes":1,"no":0,"variants":{}}}}})",
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  ASSERT_EQ(s.reports().size(), 1u);
  ASSERT_EQ(s.reports()[0].size(), 1u);
  EXPECT_EQ(s.reports()[0][0].environment, "development");
}

}  // namespace
}  // namespace gov::api::testing
