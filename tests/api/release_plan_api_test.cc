// The release-plan API over HTTP: create (in full and from a template) and the read view,
// bad input naming the field, every action's status codes, one active plan per feature and
// environment, templates, delete, the managed flexibleRollout strategy on the flag, and the
// refusal of direct edits of a running plan's strategy. Every response is checked against
// api/openapi.yaml.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "core/time_format.h"
#include "tests/api/sse_reader.h"
#include "tests/api/test_server.h"
#include "tests/testing/refused_port.h"

namespace gov::api::testing {
namespace {

core::Json Body(const httplib::Result& res) { return core::Json::parse(res->body); }

class ReleasePlanApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"checkout-v2", "search-v3"}) {
      core::Json flag = {
          {"name", name},
          {"environments",
           {{"production", {{"enabled", true}, {"strategies", core::Json::array()}}},
            {"development", {{"enabled", true}, {"strategies", core::Json::array()}}}}}};
      auto created = Post("/api/v1/flags", flag);
      ASSERT_EQ(created->status, 201) << created->body;
    }
  }

  httplib::Result Post(const std::string& path, const core::Json& body,
                       httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Post(path, headers, body.dump(), "application/json");
  }
  httplib::Result Act(const std::string& plan, const std::string& action) {
    return ts_.Client()->Post("/api/v1/release-plans/" + plan + "/" + action, TestServer::Admin(),
                              "", "application/json");
  }
  httplib::Result Get(const std::string& path) {
    return ts_.Client()->Get(path, TestServer::Admin());
  }
  httplib::Result Delete(const std::string& path) {
    return ts_.Client()->Delete(path, TestServer::Admin());
  }
  static void ExpectError(const httplib::Result& res, int status, const std::string& field) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(Body(res)["error"].value("field", ""), field) << res->body;
  }
  std::string In(std::chrono::seconds d) { return core::FormatRfc3339(ts_.clock().Now() + d); }

  // A plan in full: 1% (10 min), 10% (1 h, 1000 exposures), 50% (at a time), 100%.
  core::Json Plan(const std::string& name = "checkout-v2-prod",
                  const std::string& feature = "checkout-v2") {
    return {{"name", name},
            {"feature", feature},
            {"environment", "production"},
            {"stickiness", "userId"},
            {"milestones",
             {{{"rollout", 1}, {"advanceAfterSeconds", 600}},
              {{"rollout", 10}, {"advanceAfterSeconds", 3600}, {"minExposures", 1000}},
              {{"rollout", 50}, {"advanceAt", In(std::chrono::hours(48))}},
              {{"rollout", 100}}}},
            {"guardrails",
             {{{"name", "p99"},
               {"prometheus",
                {{"query", "histogram_quantile(0.99, rate(http_seconds_bucket[5m]))"},
                 {"url", PrometheusUrl()},
                 {"above", 1.0},
                 {"forSeconds", 300},
                 {"evaluationIntervalSeconds", 15}}}},
              {{"name", "errors"},
               {"prometheus",
                {{"query", "errors_ratio"},
                 {"url", PrometheusUrl()},
                 {"below", 0.5},
                 {"forSeconds", 120}}}}}},
            {"onBreach", "rollback"}};
  }

  // The strategies of `feature` in production.
  core::Json Strategies(const std::string& feature) {
    auto flag = Get("/api/v1/flags/" + feature);
    EXPECT_EQ(flag->status, 200) << flag->body;
    return Body(flag)["environments"]["production"]["strategies"];
  }

  // Where the guardrails' Prometheus is: a port that refuses connections, so each query fails
  // at once (a failure is recorded, not a breach).
  std::string PrometheusUrl() const {
    return "http://127.0.0.1:" + std::to_string(prometheus_.port());
  }

  // Waits until the leader evaluated every guardrail of the running plan `name` once (each
  // then shows the query's error). The clock stands still, so nothing else changes the plan
  // until an action does, and the next action cannot race with the leader saving statuses.
  void Settle(const std::string& name) {
    for (int i = 0; i < 300; ++i) {
      const core::Json view = Body(Get("/api/v1/release-plans/" + name));
      bool settled = true;
      for (const core::Json& g : view["guardrails"]) settled = settled && g["status"] == "error";
      if (settled) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the guardrails of " << name << " were never evaluated";
  }

  gov::testing::RefusedPort prometheus_;
  TestServer ts_;
};

TEST_F(ReleasePlanApiTest, CreateReturnsTheReadView) {
  auto created = Post("/api/v1/release-plans", Plan());
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/release-plans/checkout-v2-prod");
  const core::Json view = Body(created);
  EXPECT_EQ(view["name"], "checkout-v2-prod");
  EXPECT_EQ(view["feature"], "checkout-v2");
  EXPECT_EQ(view["environment"], "production");
  EXPECT_EQ(view["state"], "draft");
  EXPECT_EQ(view["milestone"], 0);
  EXPECT_EQ(view["rollout"], 0);
  EXPECT_TRUE(view["milestoneStartedAt"].is_null());
  EXPECT_TRUE(view["nextTransitionAt"].is_null());
  ASSERT_EQ(view["guardrails"].size(), 2u);
  EXPECT_EQ(view["guardrails"][0]["name"], "p99");
  EXPECT_EQ(view["guardrails"][0]["status"], "ok");
  EXPECT_EQ(view["guardrails"][1]["name"], "errors");
  EXPECT_TRUE(view["history"].empty());

  auto got = Get("/api/v1/release-plans/checkout-v2-prod");
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(Body(got), view);
  ExpectError(Get("/api/v1/release-plans/nope"), 404, "");

  ASSERT_EQ(Post("/api/v1/release-plans", Plan("search-prod", "search-v3"))->status, 201);
  auto page = Get("/api/v1/release-plans?limit=1");
  ASSERT_EQ(page->status, 200) << page->body;
  ASSERT_EQ(Body(page)["items"].size(), 1u);
  EXPECT_EQ(Body(page)["items"][0], view);
  EXPECT_EQ(Body(page)["nextCursor"], "checkout-v2-prod");
  auto rest = Get("/api/v1/release-plans?limit=1&cursor=checkout-v2-prod");
  ASSERT_EQ(rest->status, 200) << rest->body;
  EXPECT_EQ(Body(rest)["items"][0]["name"], "search-prod");
  EXPECT_TRUE(Body(rest)["nextCursor"].is_null());
  ExpectError(Get("/api/v1/release-plans?limit=0"), 400, "limit");

  // The name is taken.
  ExpectError(Post("/api/v1/release-plans", Plan()), 409, "name");
}

TEST_F(ReleasePlanApiTest, BadInputNamesTheField) {
  core::Json plan = Plan();
  plan["feature"] = "no-such-feature";
  ExpectError(Post("/api/v1/release-plans", plan), 404, "feature");

  plan = Plan();
  plan["environment"] = "staging";
  ExpectError(Post("/api/v1/release-plans", plan), 404, "environment");

  plan = Plan();
  plan["milestones"][1]["rollout"] = 1;  // not above the first milestone's 1
  ExpectError(Post("/api/v1/release-plans", plan), 400, "milestones[1].rollout");

  plan = Plan();
  plan["milestones"][3]["rollout"] = 101;
  ExpectError(Post("/api/v1/release-plans", plan), 400, "milestones[3].rollout");
  plan["milestones"][3]["rollout"] = 100;
  plan["milestones"][0]["rollout"] = -1;
  ExpectError(Post("/api/v1/release-plans", plan), 400, "milestones[0].rollout");

  plan = Plan();
  plan["milestones"][2]["advanceAt"] =
      core::FormatRfc3339(ts_.clock().Now() - std::chrono::hours(1));
  ExpectError(Post("/api/v1/release-plans", plan), 400, "milestones[2].advanceAt");

  plan = Plan();
  plan["guardrails"][0]["prometheus"].erase("above");
  ExpectError(Post("/api/v1/release-plans", plan), 400, "guardrails[0].prometheus.above");

  plan = Plan();
  plan["guardrails"][1]["prometheus"]["above"] = 0.1;  // and below
  ExpectError(Post("/api/v1/release-plans", plan), 400, "guardrails[1].prometheus.below");

  plan = Plan();
  plan["guardrails"][0]["prometheus"]["evaluationIntervalSeconds"] = 0;
  ExpectError(Post("/api/v1/release-plans", plan), 400,
              "guardrails[0].prometheus.evaluationIntervalSeconds");

  plan = Plan();
  plan["guardrails"].push_back(
      {{"name", "conversion"},
       {"metric", {{"metric", "no-such-metric"}, {"maxRelativeDrop", 0.02}}}});
  ExpectError(Post("/api/v1/release-plans", plan), 400, "guardrails[2].metric.metric");

  plan = Plan();
  plan["onBreach"] = "explode";
  ExpectError(Post("/api/v1/release-plans", plan), 400, "onBreach");

  plan = Plan();
  plan["milestones"] = core::Json::array();
  ExpectError(Post("/api/v1/release-plans", plan), 400, "milestones");

  plan = Plan();
  plan["segments"] = {42};
  ExpectError(Post("/api/v1/release-plans", plan), 400, "segments[0]");

  plan = Plan();
  plan.erase("feature");
  ExpectError(Post("/api/v1/release-plans", plan), 400, "feature");

  auto malformed =
      ts_.Client()->Post("/api/v1/release-plans", TestServer::Admin(), "{", "application/json");
  ExpectError(malformed, 400, "body");

  // Nothing was created.
  auto page = Get("/api/v1/release-plans");
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_TRUE(Body(page)["items"].empty());
}

TEST_F(ReleasePlanApiTest, ActionsAndTheirStatusCodes) {
  ASSERT_EQ(Post("/api/v1/release-plans", Plan())->status, 201);
  for (const char* action : {"pause", "resume", "advance", "rollback"}) {
    ExpectError(Act("checkout-v2-prod", action), 409, "");  // a draft only starts
  }
  for (const char* action : {"start", "pause", "resume", "advance", "rollback"}) {
    ExpectError(Act("nope", action), 404, "");
  }

  auto started = Act("checkout-v2-prod", "start");
  ASSERT_EQ(started->status, 200) << started->body;
  Settle("checkout-v2-prod");
  EXPECT_EQ(Body(started)["state"], "running");
  EXPECT_EQ(Body(started)["milestone"], 0);
  EXPECT_EQ(Body(started)["rollout"], 1);
  EXPECT_EQ(Body(started)["milestoneStartedAt"], core::FormatRfc3339(ts_.clock().Now()));
  EXPECT_EQ(Body(started)["nextTransitionAt"], In(std::chrono::seconds(600)));
  ASSERT_EQ(Body(started)["history"].size(), 1u);
  const core::Json first = Body(started)["history"][0];
  EXPECT_EQ(first["event"], "started");
  EXPECT_EQ(first["from"]["state"], "draft");
  EXPECT_EQ(first["to"]["state"], "running");
  EXPECT_EQ(first["to"]["rollout"], 1);
  EXPECT_EQ(first["cause"]["kind"], "manual");
  EXPECT_EQ(first["cause"]["actor"], "configured-admin");
  ExpectError(Act("checkout-v2-prod", "start"), 409, "");
  ExpectError(Act("checkout-v2-prod", "resume"), 409, "");
  ExpectError(Delete("/api/v1/release-plans/checkout-v2-prod"), 409, "");

  auto paused = Act("checkout-v2-prod", "pause");
  ASSERT_EQ(paused->status, 200) << paused->body;
  EXPECT_EQ(Body(paused)["state"], "paused");
  EXPECT_EQ(Body(paused)["rollout"], 1);
  EXPECT_TRUE(Body(paused)["nextTransitionAt"].is_null());
  for (const char* action : {"start", "pause", "advance"}) {
    ExpectError(Act("checkout-v2-prod", action), 409, "");
  }
  ExpectError(Delete("/api/v1/release-plans/checkout-v2-prod"), 409, "");

  auto resumed = Act("checkout-v2-prod", "resume");
  ASSERT_EQ(resumed->status, 200) << resumed->body;
  Settle("checkout-v2-prod");
  EXPECT_EQ(Body(resumed)["state"], "running");

  auto advanced = Act("checkout-v2-prod", "advance");
  ASSERT_EQ(advanced->status, 200) << advanced->body;
  EXPECT_EQ(Body(advanced)["milestone"], 1);
  EXPECT_EQ(Body(advanced)["rollout"], 10);
  EXPECT_EQ(Body(advanced)["history"].back()["event"], "advanced");

  auto rolled_back = Act("checkout-v2-prod", "rollback");
  ASSERT_EQ(rolled_back->status, 200) << rolled_back->body;
  EXPECT_EQ(Body(rolled_back)["state"], "rolledBack");
  EXPECT_EQ(Body(rolled_back)["rollout"], 0);
  EXPECT_EQ(Body(rolled_back)["history"].size(), 5u);
  for (const char* action : {"start", "pause", "resume", "advance", "rollback"}) {
    ExpectError(Act("checkout-v2-prod", action), 409, "");
  }

  auto deleted = Delete("/api/v1/release-plans/checkout-v2-prod");
  EXPECT_EQ(deleted->status, 204) << deleted->body;
  ExpectError(Get("/api/v1/release-plans/checkout-v2-prod"), 404, "");
  ExpectError(Delete("/api/v1/release-plans/checkout-v2-prod"), 404, "");
}

TEST_F(ReleasePlanApiTest, AdvancingIntoTheLastMilestoneCompletes) {
  core::Json plan = Plan();
  plan["milestones"] = {{{"rollout", 20}}, {{"rollout", 100}}};
  ASSERT_EQ(Post("/api/v1/release-plans", plan)->status, 201);
  ASSERT_EQ(Act("checkout-v2-prod", "start")->status, 200);
  Settle("checkout-v2-prod");
  auto done = Act("checkout-v2-prod", "advance");
  ASSERT_EQ(done->status, 200) << done->body;
  EXPECT_EQ(Body(done)["state"], "completed");
  EXPECT_EQ(Body(done)["rollout"], 100);
  ExpectError(Act("checkout-v2-prod", "rollback"), 409, "");
  EXPECT_EQ(Delete("/api/v1/release-plans/checkout-v2-prod")->status, 204);
}

TEST_F(ReleasePlanApiTest, OneActivePlanPerFeatureAndEnvironment) {
  ASSERT_EQ(Post("/api/v1/release-plans", Plan("first"))->status, 201);
  // Two drafts may wait on the same feature.
  ASSERT_EQ(Post("/api/v1/release-plans", Plan("second"))->status, 201);
  ASSERT_EQ(Act("first", "start")->status, 200);
  Settle("first");
  auto second = Act("second", "start");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409) << second->body;
  EXPECT_NE(Body(second)["error"]["message"].get<std::string>().find("first"), std::string::npos)
      << second->body;
  auto third = Post("/api/v1/release-plans", Plan("third"));
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 409) << third->body;
  EXPECT_NE(Body(third)["error"]["message"].get<std::string>().find("first"), std::string::npos)
      << third->body;
  // Another environment of the feature is free.
  core::Json dev = Plan("dev");
  dev["environment"] = "development";
  ASSERT_EQ(Post("/api/v1/release-plans", dev)->status, 201);
  EXPECT_EQ(Act("dev", "start")->status, 200);
  // Once the first is rolled back the second may start.
  ASSERT_EQ(Act("first", "rollback")->status, 200);
  EXPECT_EQ(Act("second", "start")->status, 200);
}

TEST_F(ReleasePlanApiTest, StartSetsTheManagedStrategyAndGuardsIt) {
  ASSERT_EQ(Post("/api/v1/release-plans", Plan())->status, 201);
  EXPECT_TRUE(Strategies("checkout-v2").empty());
  ASSERT_EQ(Act("checkout-v2-prod", "start")->status, 200);
  Settle("checkout-v2-prod");

  core::Json strategies = Strategies("checkout-v2");
  ASSERT_EQ(strategies.size(), 1u) << strategies;
  EXPECT_EQ(strategies[0]["name"], "flexibleRollout");
  EXPECT_EQ(strategies[0]["id"], "release-plan:checkout-v2-prod");
  EXPECT_EQ(strategies[0]["parameters"]["rollout"], "1");
  EXPECT_EQ(strategies[0]["parameters"]["stickiness"], "userId");
  EXPECT_EQ(strategies[0]["parameters"]["groupId"], "checkout-v2");

  ASSERT_EQ(Act("checkout-v2-prod", "advance")->status, 200);
  EXPECT_EQ(Strategies("checkout-v2")[0]["parameters"]["rollout"], "10");

  // A direct edit of the running plan's strategy is refused, naming the plan.
  auto edit = ts_.Client()->Put("/api/v1/flags/checkout-v2/environments/production/strategies",
                                TestServer::Admin(), R"({"strategies": [{"name": "default"}]})",
                                "application/json");
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->status, 409) << edit->body;
  EXPECT_NE(edit->body.find("checkout-v2-prod"), std::string::npos) << edit->body;
  EXPECT_EQ(Strategies("checkout-v2")[0]["parameters"]["rollout"], "10");

  ASSERT_EQ(Act("checkout-v2-prod", "rollback")->status, 200);
  EXPECT_EQ(Strategies("checkout-v2")[0]["parameters"]["rollout"], "0");
}

// The leader drives running plans on the (fake) clock: the view shows a scheduled advance,
// a guardrail whose query fails, and the pause once it failed for its forSeconds.
TEST_F(ReleasePlanApiTest, TheLeaderDrivesThePlanAndTheViewShowsIt) {
  gov::testing::RefusedPort prometheus;
  core::Json plan = Plan();
  plan["milestones"] = {
      {{"rollout", 5}, {"advanceAfterSeconds", 600}}, {{"rollout", 25}}, {{"rollout", 100}}};
  plan["guardrails"] = {{{"name", "p99"},
                         {"prometheus",
                          {{"query", "p99_latency"},
                           {"url", "http://127.0.0.1:" + std::to_string(prometheus.port())},
                           {"above", 1.0},
                           {"forSeconds", 900}}}}};
  ASSERT_EQ(Post("/api/v1/release-plans", plan)->status, 201);
  ASSERT_EQ(Act("checkout-v2-prod", "start")->status, 200);

  // Polls the view until `done` holds (the runner ticks about twice a second).
  auto wait_for = [&](const std::function<bool(const core::Json&)>& done) {
    core::Json view;
    for (int i = 0; i < 300; ++i) {
      view = Body(Get("/api/v1/release-plans/checkout-v2-prod"));
      if (done(view)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return view;
  };

  // The first evaluation (at the start) fails: the error counts from then.
  core::Json view =
      wait_for([](const core::Json& v) { return v["guardrails"][0]["status"] == "error"; });
  ASSERT_EQ(view["guardrails"][0]["status"], "error") << view;
  EXPECT_EQ(view["guardrails"][0]["since"], view["milestoneStartedAt"]) << view;
  EXPECT_TRUE(view["guardrails"][0]["error"].is_string()) << view;

  ts_.clock().Advance(std::chrono::seconds(601));
  view = wait_for([](const core::Json& v) { return v["milestone"] == 1; });
  EXPECT_EQ(view["state"], "running") << view;
  EXPECT_EQ(view["milestone"], 1) << view;
  EXPECT_EQ(view["rollout"], 25) << view;
  EXPECT_TRUE(view["nextTransitionAt"].is_null()) << view;  // the second advances by hand
  const core::Json advanced = view["history"][1];
  EXPECT_EQ(advanced["event"], "advanced") << view;
  EXPECT_EQ(advanced["cause"]["kind"], "schedule") << view;
  EXPECT_EQ(view["guardrails"][0]["status"], "error") << view;
  EXPECT_TRUE(view["guardrails"][0]["error"].is_string()) << view;
  EXPECT_EQ(Strategies("checkout-v2")[0]["parameters"]["rollout"], "25");

  // The query keeps failing (since the start) for its forSeconds: the plan pauses itself.
  ts_.clock().Advance(std::chrono::seconds(300));
  view = wait_for([](const core::Json& v) { return v["state"] == "paused"; });
  ASSERT_EQ(view["state"], "paused") << view;
  EXPECT_EQ(view["rollout"], 25) << view;
  EXPECT_EQ(view["history"].back()["event"], "paused") << view;
  EXPECT_EQ(view["history"].back()["cause"]["kind"], "guardrailError") << view;
  EXPECT_EQ(view["history"].back()["cause"]["guardrail"], "p99") << view;
}

TEST_F(ReleasePlanApiTest, Templates) {
  auto list = Get("/api/v1/release-plan-templates");
  ASSERT_EQ(list->status, 200) << list->body;
  ASSERT_FALSE(Body(list)["items"].empty());
  EXPECT_EQ(Body(list)["items"][0]["name"], "standard");

  auto standard = Get("/api/v1/release-plan-templates/standard");
  ASSERT_EQ(standard->status, 200) << standard->body;
  const core::Json s = Body(standard);
  ASSERT_EQ(s["milestones"].size(), 4u);
  EXPECT_EQ(s["milestones"][0]["rollout"], 1);
  EXPECT_EQ(s["milestones"][3]["rollout"], 100);
  ASSERT_EQ(s["guardrails"].size(), 3u);
  EXPECT_EQ(s["guardrails"][0]["name"], "p99");
  EXPECT_EQ(s["guardrails"][0]["prometheus"]["above"], 1.0);
  EXPECT_EQ(s["guardrails"][0]["prometheus"]["forSeconds"], 300);
  EXPECT_EQ(s["guardrails"][1]["name"], "errors");
  EXPECT_EQ(s["guardrails"][2]["name"], "cpu");
  EXPECT_EQ(s["onBreach"], "rollback");
  ExpectError(Get("/api/v1/release-plan-templates/nope"), 404, "");

  // A plan from standard: the user fills in the queries.
  core::Json from = {{"template", "standard"},
                     {"name", "checkout-std"},
                     {"feature", "checkout-v2"},
                     {"environment", "production"},
                     {"queries", {{"p99", "p99_latency"}, {"errors", "error_ratio"}}},
                     {"prometheusUrl", "http://127.0.0.1:1"}};
  ExpectError(Post("/api/v1/release-plans", from), 400, "queries.cpu");
  from["queries"]["cpu"] = "cpu_utilization";
  from["queries"]["nope"] = "x";
  ExpectError(Post("/api/v1/release-plans", from), 400, "queries.nope");
  from["queries"].erase("nope");
  core::Json unknown = from;
  unknown["template"] = "no-such-template";
  ExpectError(Post("/api/v1/release-plans", unknown), 404, "template");
  unknown["template"] = 7;
  ExpectError(Post("/api/v1/release-plans", unknown), 400, "template");
  auto created = Post("/api/v1/release-plans", from);
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(Body(created)["state"], "draft");
  ASSERT_EQ(Body(created)["guardrails"].size(), 3u);
  EXPECT_EQ(Body(created)["guardrails"][2]["name"], "cpu");
  auto started = Act("checkout-std", "start");
  ASSERT_EQ(started->status, 200) << started->body;
  EXPECT_EQ(Body(started)["rollout"], 1);
  EXPECT_EQ(Body(started)["nextTransitionAt"], In(std::chrono::minutes(10)));

  // A template of one's own: created, replaced, used, deleted.
  core::Json mine = {
      {"name", "quick"},
      {"milestones", {{{"rollout", 50}, {"advanceAfterSeconds", 60}}, {{"rollout", 100}}}},
      {"guardrails", {{{"name", "errors"}, {"prometheus", {{"query", ""}, {"above", 0.01}}}}}},
      {"onBreach", "pause"}};
  auto put = Post("/api/v1/release-plan-templates", mine);
  ASSERT_EQ(put->status, 201) << put->body;
  EXPECT_EQ(put->get_header_value("Location"), "/api/v1/release-plan-templates/quick");
  EXPECT_EQ(Body(put)["onBreach"], "pause");
  mine["onBreach"] = "previousMilestone";
  auto replaced = Post("/api/v1/release-plan-templates", mine);
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(Body(replaced)["onBreach"], "previousMilestone");
  auto got = Get("/api/v1/release-plan-templates/quick");
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(Body(got), Body(replaced));
  list = Get("/api/v1/release-plan-templates");
  ASSERT_EQ(Body(list)["items"].size(), 2u);
  EXPECT_EQ(Body(list)["items"][1]["name"], "quick");

  core::Json quick = {{"template", "quick"},
                      {"name", "search-quick"},
                      {"feature", "search-v3"},
                      {"environment", "production"},
                      {"queries", {{"errors", "error_ratio"}}}};
  ASSERT_EQ(Post("/api/v1/release-plans", quick)->status, 201);

  core::Json bad = mine;
  bad["milestones"][1]["rollout"] = 40;
  ExpectError(Post("/api/v1/release-plan-templates", bad), 400, "milestones[1].rollout");
  bad = mine;
  bad["feature"] = "checkout-v2";
  ExpectError(Post("/api/v1/release-plan-templates", bad), 400, "feature");
  bad = mine;
  bad["name"] = "standard";
  ExpectError(Post("/api/v1/release-plan-templates", bad), 409, "name");
  ExpectError(Delete("/api/v1/release-plan-templates/standard"), 409, "name");

  EXPECT_EQ(Delete("/api/v1/release-plan-templates/quick")->status, 204);
  ExpectError(Get("/api/v1/release-plan-templates/quick"), 404, "");
  ExpectError(Delete("/api/v1/release-plan-templates/quick"), 404, "");
  // The plan made from it stays.
  EXPECT_EQ(Get("/api/v1/release-plans/search-quick")->status, 200);
}

TEST_F(ReleasePlanApiTest, NeedsAnAdminToken) {
  EXPECT_EQ(ts_.Client()->Get("/api/v1/release-plans")->status, 401);
  EXPECT_EQ(ts_.Client()->Get("/api/v1/release-plan-templates")->status, 401);
  auto client = ts_.CreateToken("client", "app", "production");
  const auto bearer = TestServer::Bearer(client["secret"].get<std::string>());
  EXPECT_EQ(ts_.Client()->Get("/api/v1/release-plans", bearer)->status, 403);
  EXPECT_EQ(Post("/api/v1/release-plans", Plan(), bearer)->status, 403);
  EXPECT_EQ(
      ts_.Client()->Post("/api/v1/release-plans/x/start", bearer, "", "application/json")->status,
      403);
}

// GET /api/v1/release-plans/{name}/stream: opens with the plan as GET shows it, then sends it
// again when it changes (here: started through the API); 404 for an unknown plan; a viewer
// token may watch.
TEST_F(ReleasePlanApiTest, StreamSendsThePlanAndItsChanges) {
  ASSERT_EQ(Post("/api/v1/release-plans", Plan())->status, 201);
  EXPECT_EQ(Get("/api/v1/release-plans/nope/stream")->status, 404);
  const std::string viewer = ts_.CreateToken("viewer", "watcher")["secret"];
  SseReader reader(ts_.port(), TestServer::Bearer(viewer),
                   "/api/v1/release-plans/checkout-v2-prod/stream", "plan");
  auto events = reader.Await(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], Body(Get("/api/v1/release-plans/checkout-v2-prod")));
  EXPECT_EQ(events[0]["state"], "draft");

  ASSERT_EQ(Act("checkout-v2-prod", "start")->status, 200);
  events = reader.Await(2);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[1]["state"], "running");
  EXPECT_EQ(events[1]["rollout"], 1);
}

}  // namespace
}  // namespace gov::api::testing
