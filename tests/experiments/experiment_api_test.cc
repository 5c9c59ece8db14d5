// The experiments and metrics API over HTTP: every route, its errors (with field names),
// ETag/If-Match, Location, paging, auth, and that starts and stops reach the server's
// RunningExperiments. Every response is checked against api/openapi.yaml.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/time_format.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

core::Json Body(const httplib::Result& res) { return core::Json::parse(res->body); }

class ExperimentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto feature = Post("/api/v1/flags", core::Json::parse(R"({"name": "checkout",
        "environments": {"production": {"enabled": true, "strategies": [{"name": "default"}],
          "variants": [{"name": "control", "weight": 500, "weightType": "variable"},
                       {"name": "treatment", "weight": 500, "weightType": "variable"}]}}})"));
    ASSERT_EQ(feature->status, 201) << feature->body;
    auto metric = Post("/api/v1/metrics", core::Json::parse(kConversion));
    ASSERT_EQ(metric->status, 201) << metric->body;
  }

  httplib::Result Post(const std::string& path, const core::Json& body,
                       httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Post(path, headers, body.dump(), "application/json");
  }
  httplib::Result Put(const std::string& path, const core::Json& body,
                      httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Put(path, headers, body.dump(), "application/json");
  }
  httplib::Result Get(const std::string& path) {
    return ts_.Client()->Get(path, TestServer::Admin());
  }
  httplib::Result Delete(const std::string& path, httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Delete(path, headers);
  }
  static httplib::Headers IfMatch(const std::string& v) {
    auto h = TestServer::Admin();
    h.emplace("If-Match", v);
    return h;
  }
  static void ExpectError(const httplib::Result& res, int status, const std::string& field) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(Body(res)["error"].value("field", ""), field) << res->body;
  }
  size_t Running() { return ts_.server().running_experiments().Current()->All().size(); }

  static constexpr const char* kConversion =
      R"({"name": "conversion", "type": "proportion", "numerator": {"event": "purchase"}})";
  static constexpr const char* kDraft = R"({"key": "checkout-v2", "environment": "production",
      "feature": "checkout", "controlVariant": "control",
      "metrics": [{"metric": "conversion", "role": "goal"}]})";

  TestServer ts_;
};

TEST_F(ExperimentApiTest, MetricRoutes) {
  auto created = Post("/api/v1/metrics", core::Json::parse(R"({"name": "revenue",
      "type": "ratio", "numerator": {"event": "purchase"},
      "denominator": {"event": "visit", "aggregation": "count"}})"));
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("ETag"), "\"1\"");
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/metrics/revenue");
  EXPECT_EQ(Body(created)["denominator"]["aggregation"], "count");

  ExpectError(Post("/api/v1/metrics", core::Json::parse(kConversion)), 409, "");
  ExpectError(Post("/api/v1/metrics", core::Json::parse(R"({"name": "m", "type": "mean",
      "numerator": {}})")),
              400, "numerator.event");
  ExpectError(Post("/api/v1/metrics", core::Json::parse(R"({"name": "m", "type": "ratio",
      "numerator": {"event": "e"}})")),
              400, "denominator");

  auto got = Get("/api/v1/metrics/revenue");
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(Body(got), Body(created));
  ExpectError(Get("/api/v1/metrics/nope"), 404, "");

  auto page = Get("/api/v1/metrics?limit=1");
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_EQ(Body(page)["items"][0]["name"], "conversion");
  EXPECT_EQ(Body(page)["nextCursor"], "conversion");
  auto last = Get("/api/v1/metrics?limit=1&cursor=conversion");
  EXPECT_EQ(Body(last)["items"][0]["name"], "revenue");
  EXPECT_TRUE(Body(last)["nextCursor"].is_null());
  ExpectError(Get("/api/v1/metrics?limit=0"), 400, "limit");

  core::Json edited = Body(got);
  edited["description"] = "revenue per visit";
  ExpectError(Put("/api/v1/metrics/revenue", edited, IfMatch("\"7\"")), 409, "");
  ExpectError(Put("/api/v1/metrics/revenue", edited, IfMatch("x")), 400, "If-Match");
  auto replaced = Put("/api/v1/metrics/revenue", edited, IfMatch("\"1\""));
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(replaced->get_header_value("ETag"), "\"2\"");
  EXPECT_EQ(Body(replaced)["description"], "revenue per visit");
  ExpectError(Put("/api/v1/metrics/nope", core::Json::parse(kConversion)), 400, "name");
  ExpectError(Put("/api/v1/metrics/nope", core::Json::parse(R"({"type": "mean",
      "numerator": {"event": "e"}})")),
              404, "");
  ExpectError(Put("/api/v1/metrics/revenue", core::Json::parse("[1]")), 400, "");

  ExpectError(Delete("/api/v1/metrics/revenue", IfMatch("1")), 409, "");
  auto deleted = Delete("/api/v1/metrics/revenue", IfMatch("2"));
  EXPECT_EQ(deleted->status, 204) << deleted->body;
  ExpectError(Delete("/api/v1/metrics/revenue"), 404, "");

  auto client = ts_.CreateToken("client", "app");
  auto forbidden =
      ts_.Client()->Get("/api/v1/metrics", TestServer::Bearer(client["secret"].get<std::string>()));
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_EQ(ts_.Client()->Get("/api/v1/metrics")->status, 401);
}

TEST_F(ExperimentApiTest, ExperimentCrudAndValidationNamingTheField) {
  auto created = Post("/api/v1/experiments", core::Json::parse(kDraft));
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("ETag"), "\"1\"");
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/experiments/checkout-v2");
  const core::Json e = Body(created);
  EXPECT_EQ(e["status"], "draft");
  EXPECT_EQ(e["randomizationUnit"], "userId");
  EXPECT_EQ(e["analysis"]["sequential"]["tuningParameter"], 5000.0);
  EXPECT_TRUE(e["startedAt"].is_null());
  EXPECT_TRUE(e["conclusion"].is_null());
  ExpectError(Post("/api/v1/experiments", core::Json::parse(kDraft)), 409, "");

  struct Case {
    const char* patch;
    const char* field;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"environment": "staging"})", "environment"},
           {R"({"feature": "nope"})", "feature"},
           {R"({"controlVariant": "blue"})", "controlVariant"},
           {R"({"metrics": [{"metric": "revenue", "role": "goal"}]})", "metrics[0].metric"},
           {R"({"metrics": [{"metric": "conversion", "role": "boss"}]})", "metrics[0].role"},
           {R"({"analysis": {"alpha": 2}})", "analysis.alpha"},
           {R"({"key": "a b"})", "key"},
       }) {
    core::Json body = core::Json::parse(kDraft);
    body.merge_patch(core::Json::parse(c.patch));
    if (body["key"] == "checkout-v2") body["key"] = "other";
    ExpectError(Post("/api/v1/experiments", body), 400, c.field);
  }
  ExpectError(Post("/api/v1/experiments", core::Json::array()), 400, "");
  auto malformed =
      ts_.Client()->Post("/api/v1/experiments", TestServer::Admin(), "{", "application/json");
  EXPECT_EQ(malformed->status, 400);

  auto got = Get("/api/v1/experiments/checkout-v2");
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(Body(got), e);
  ExpectError(Get("/api/v1/experiments/nope"), 404, "");

  core::Json second = core::Json::parse(kDraft);
  second["key"] = "a-first";
  EXPECT_EQ(Post("/api/v1/experiments", second, {})->status, 401);
  ASSERT_EQ(Post("/api/v1/experiments", second)->status, 201);
  auto page = Get("/api/v1/experiments?limit=1");
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_EQ(Body(page)["items"][0]["key"], "a-first");
  EXPECT_EQ(Body(page)["nextCursor"], "a-first");
  ExpectError(Get("/api/v1/experiments?limit=abc"), 400, "limit");

  core::Json edited = Body(got);
  edited["hypothesis"] = "one page converts better";
  ExpectError(Put("/api/v1/experiments/checkout-v2", edited, IfMatch("\"5\"")), 409, "");
  auto replaced = Put("/api/v1/experiments/checkout-v2", edited, IfMatch("\"1\""));
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(replaced->get_header_value("ETag"), "\"2\"");
  EXPECT_EQ(Body(replaced)["hypothesis"], "one page converts better");
  ExpectError(Put("/api/v1/experiments/checkout-v2", core::Json::parse(R"({"key": "x"})")), 400,
              "key");
  core::Json unknown = core::Json::parse(kDraft);
  unknown["key"] = "nope";
  ExpectError(Put("/api/v1/experiments/nope", unknown), 404, "");

  // The metric is used: 409 naming the experiments.
  auto in_use = Delete("/api/v1/metrics/conversion");
  ExpectError(in_use, 409, "");
  EXPECT_NE(Body(in_use)["error"]["message"].get<std::string>().find("checkout-v2"),
            std::string::npos);

  ExpectError(Delete("/api/v1/experiments/checkout-v2", IfMatch("1")), 409, "");
  EXPECT_EQ(Delete("/api/v1/experiments/checkout-v2", IfMatch("2"))->status, 204);
  ExpectError(Delete("/api/v1/experiments/checkout-v2"), 404, "");
}

TEST_F(ExperimentApiTest, LifecycleRoutesAndTheRunningExperiments) {
  ASSERT_EQ(Post("/api/v1/experiments", core::Json::parse(kDraft))->status, 201);
  core::Json other = core::Json::parse(kDraft);
  other["key"] = "rival";
  ASSERT_EQ(Post("/api/v1/experiments", other)->status, 201);
  const std::string base = "/api/v1/experiments/checkout-v2";

  ExpectError(Post(base + "/stop", core::Json::object()), 409, "");
  ExpectError(Post(base + "/start", core::Json::object(), IfMatch("\"9\"")), 409, "");
  ExpectError(Post("/api/v1/experiments/nope/start", core::Json::object()), 404, "");
  EXPECT_EQ(Running(), 0u);

  ts_.clock().Advance(std::chrono::minutes(1));
  auto started = Post(base + "/start", core::Json::object(), IfMatch("\"1\""));
  ASSERT_EQ(started->status, 200) << started->body;
  EXPECT_EQ(started->get_header_value("ETag"), "\"2\"");
  EXPECT_EQ(Body(started)["status"], "running");
  EXPECT_EQ(Body(started)["arms"], core::Json::parse(R"([{"variant": "control", "weight": 500},
      {"variant": "treatment", "weight": 500}])"));
  EXPECT_EQ(Body(started)["startedAt"], core::FormatRfc3339(ts_.clock().Now()));
  EXPECT_EQ(Running(), 1u);
  ASSERT_NE(ts_.server().running_experiments().Current()->Resolve("production", "checkout"),
            nullptr);

  auto rival = Post("/api/v1/experiments/rival/start", core::Json::object());
  ExpectError(rival, 409, "");
  EXPECT_NE(rival->body.find("checkout-v2"), std::string::npos);
  ExpectError(Delete(base), 409, "");
  // Past draft, only name, hypothesis and analysis change.
  core::Json running = Body(started);
  running["controlVariant"] = "treatment";
  ExpectError(Put(base, running), 409, "controlVariant");

  auto stopped = Post(base + "/stop", core::Json::object());
  ASSERT_EQ(stopped->status, 200) << stopped->body;
  EXPECT_EQ(Body(stopped)["status"], "stopped");
  EXPECT_EQ(Running(), 0u);

  ExpectError(Post(base + "/conclude", core::Json::parse(R"({"decision": "ship"})")), 400,
              "variant");
  ExpectError(
      Post(base + "/conclude", core::Json::parse(R"({"decision": "ship", "variant": "blue"})")),
      400, "variant");
  ExpectError(Post(base + "/conclude", core::Json::parse(R"({"decision": "maybe"})")), 400,
              "decision");
  ExpectError(
      Post("/api/v1/experiments/rival/conclude", core::Json::parse(R"({"decision": "rollback"})")),
      409, "");
  auto concluded = Post(base + "/conclude", core::Json::parse(R"({"decision": "ship",
      "variant": "treatment", "reason": "conversion +3%"})"));
  ASSERT_EQ(concluded->status, 200) << concluded->body;
  EXPECT_EQ(Body(concluded)["status"], "concluded");
  EXPECT_EQ(Body(concluded)["conclusion"]["variant"], "treatment");
  EXPECT_EQ(Body(concluded)["conclusion"]["actor"], "configured-admin");

  auto feature = Get("/api/v1/flags/checkout");
  ASSERT_EQ(feature->status, 200);
  const core::Json variants = Body(feature)["environments"]["production"]["variants"];
  ASSERT_EQ(variants.size(), 1u);
  EXPECT_EQ(variants[0]["name"], "treatment");
  EXPECT_EQ(variants[0]["weight"], 1000);
  auto audit = Get("/api/v1/audit?limit=2");
  ASSERT_EQ(audit->status, 200);
  // Both in one transaction (their order within it does not matter).
  std::set<std::string> actions;
  const core::Json audited = Body(audit);
  for (const auto& item : audited["items"]) actions.insert(item["action"].get<std::string>());
  EXPECT_EQ(actions, (std::set<std::string>{"experiment.conclude", "flag.variants"}));

  // The rival can start now: one page, two experiments in turn.
  auto rival_started = Post("/api/v1/experiments/rival/start", core::Json::object());
  ASSERT_EQ(rival_started->status, 409) << rival_started->body;  // the feature has one variant
  EXPECT_EQ(Body(rival_started)["error"]["field"], "feature");
}

}  // namespace
}  // namespace gov::api::testing
