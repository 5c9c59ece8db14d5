// The targets API over HTTP on an in-process server (tests/api/test_server.h: port 0, SQLite,
// FakeClock): auth and rate classes, validation errors with fields, versions, audit, pushed
// metrics reaching the loop, status and conditions, the pull view, and the Prometheus series.

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "integrations/webhook_signature.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

using std::chrono::seconds;

core::Json Body(const httplib::Result& res) {
  auto j = core::ParseJson(res->body);
  return j.ok() ? *j : core::Json();
}

core::Json PullTarget(const std::string& name, const std::string& mode = "active") {
  return {{"name", name},
          {"mode", mode},
          {"minReplicas", 3},
          {"maxReplicas", 50},
          {"metrics",
           {{{"name", "cpu"}, {"type", "Utilization"}, {"target", 70}, {"source", "push"}},
            {{"name", "rps"}, {"type", "AverageValue"}, {"target", 1000}, {"source", "push"}}}},
          {"cooldown", {{"scaleUpSeconds", 60}, {"scaleDownSeconds", 300}}},
          {"hook", {{"pull", core::Json::object()}}}};
}

class TargetRoutesTest : public ::testing::Test {
 protected:
  httplib::Result Post(const std::string& path, const core::Json& body,
                       httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Post(path.c_str(), headers, body.dump(), "application/json");
  }
  httplib::Result Get(const std::string& path, httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Get(path.c_str(), headers);
  }
  httplib::Headers Client() {
    if (client_secret_.empty()) client_secret_ = ts_.CreateToken("client", "pusher")["secret"];
    return TestServer::Bearer(client_secret_);
  }
  // Pushes cpu 140 (twice its target: ceil(2 x 3) = 6 replicas) and rps 900 to `target`.
  void PushLoad(const std::string& target) {
    auto pushed = Post(
        "/api/v1/targets/" + target + "/metrics",
        {{"samples", {{{"metric", "cpu"}, {"value", 140}}, {{"metric", "rps"}, {"value", 900}}}}},
        Client());
    ASSERT_EQ(pushed->status, 202) << pushed->body;
  }
  // Advances the fake clock and runs one leadership check and sync on this thread.
  void Sync(int secs) {
    ts_.clock().Advance(seconds(secs));
    auto l = ts_.server().controller().runner().RunOnce();
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ASSERT_TRUE(l->leader);
  }

  TestServer ts_;
  std::string client_secret_;
};

TEST_F(TargetRoutesTest, CrudWithVersionsValidationAndAudit) {
  auto created = Post("/api/v1/targets", PullTarget("web"));
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/targets/web");
  EXPECT_EQ(created->get_header_value("ETag"), "\"1\"");
  core::Json t = Body(created);
  EXPECT_EQ(t["source"], "api");
  EXPECT_EQ(t["spec"]["syncPeriodSeconds"], 15) << "defaults spelled out";
  EXPECT_EQ(t["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"], 300);
  EXPECT_EQ(Post("/api/v1/targets", PullTarget("web"))->status, 409);

  core::Json bad = PullTarget("bad");
  bad["behavior"] = {
      {"scaleUp", {{"policies", {{{"type", "Pods"}, {"value", 4}, {"periodSeconds", 0}}}}}}};
  auto invalid = Post("/api/v1/targets", bad);
  ASSERT_EQ(invalid->status, 400);
  EXPECT_EQ(Body(invalid)["error"]["field"], "behavior.scaleUp.policies[0].periodSeconds");
  bad = PullTarget("bad");
  bad["maxReplicas"] = 1;
  EXPECT_EQ(Body(Post("/api/v1/targets", bad))["error"]["field"], "maxReplicas");
  bad = PullTarget("bad");
  bad["hook"] = {{"webhook", {{"url", "ftp://x"}, {"secret", "s"}}}};
  EXPECT_EQ(Body(Post("/api/v1/targets", bad))["error"]["field"], "hook.webhook.url");

  core::Json changed = PullTarget("web");
  changed["maxReplicas"] = 20;
  httplib::Headers stale = TestServer::Admin();
  stale.emplace("If-Match", "\"7\"");
  auto conflict =
      ts_.Client()->Put("/api/v1/targets/web", stale, changed.dump(), "application/json");
  EXPECT_EQ(conflict->status, 409);
  httplib::Headers current = TestServer::Admin();
  current.emplace("If-Match", "\"1\"");
  auto put = ts_.Client()->Put("/api/v1/targets/web", current, changed.dump(), "application/json");
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(Body(put)["version"], 2);
  EXPECT_EQ(Body(put)["spec"]["maxReplicas"], 20);

  auto list = Get("/api/v1/targets?limit=10");
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(Body(list)["items"].size(), 1u);

  auto audit = Get("/api/v1/audit?resource=targets/");
  ASSERT_EQ(audit->status, 200);
  core::Json entries = Body(audit)["items"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["action"], "target.update");
  EXPECT_EQ(entries[1]["action"], "target.create");

  EXPECT_EQ(ts_.Client()->Delete("/api/v1/targets/web", stale)->status, 409);
  EXPECT_EQ(ts_.Client()->Delete("/api/v1/targets/web", TestServer::Admin())->status, 204);
  EXPECT_EQ(Get("/api/v1/targets/web")->status, 404);
}

TEST_F(TargetRoutesTest, TokensAndRateClasses) {
  ASSERT_EQ(Post("/api/v1/targets", PullTarget("web"))->status, 201);
  const core::Json sample = {{"samples", {{{"metric", "cpu"}, {"value", 50}}}}};
  EXPECT_EQ(Post("/api/v1/targets", PullTarget("x"), Client())->status, 403);
  EXPECT_EQ(Get("/api/v1/targets/web", Client())->status, 403);
  EXPECT_EQ(Post("/api/v1/targets/web/metrics", sample)->status, 403) << "admin cannot push";
  EXPECT_EQ(Post("/api/v1/targets/web/metrics", sample, Client())->status, 202);
  EXPECT_EQ(Post("/api/v1/targets/web/metrics", sample, {})->status, 401);
  auto field =
      Post("/api/v1/targets/web/metrics",
           {{"samples", {{{"metric", "cpu"}, {"value", 1}}, {{"metric", "cpu"}}}}}, Client());
  ASSERT_EQ(field->status, 400);
  EXPECT_EQ(Body(field)["error"]["field"], "samples[1].value");
  EXPECT_EQ(Post("/api/v1/targets/nope/metrics", sample, Client())->status, 404);
}

TEST(TargetRoutesRateLimitTest, PushesUseTheIngestClass) {
  TestServer ts([](ServerConfig& c) { c.rate_limits["ingest"] = {1.0, 2.0}; });
  ASSERT_EQ(ts.Client()
                ->Post("/api/v1/targets", TestServer::Admin(), PullTarget("web").dump(),
                       "application/json")
                ->status,
            201);
  const auto client = TestServer::Bearer(ts.CreateToken("client", "pusher")["secret"]);
  const std::string body = core::Json{{"samples", {{{"metric", "cpu"}, {"value", 50}}}}}.dump();
  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) {
    statuses.push_back(
        ts.Client()->Post("/api/v1/targets/web/metrics", client, body, "application/json")->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{202, 202, 429}));
}

TEST_F(TargetRoutesTest, PushedLoadReachesTheLoopStatusDecisionsScaleAndMetrics) {
  ASSERT_EQ(Post("/api/v1/targets", PullTarget("web"))->status, 201);
  ASSERT_EQ(Post("/api/v1/targets", PullTarget("shadow", "dryRun"))->status, 201);
  PushLoad("web");
  PushLoad("shadow");
  Sync(15);
  auto decisions = Get("/api/v1/targets/web/decisions?limit=1");
  ASSERT_EQ(decisions->status, 200);
  core::Json latest = Body(decisions)["items"][0];
  EXPECT_EQ(latest["currentReplicas"], 3);
  EXPECT_EQ(latest["replicas"], 6);
  EXPECT_EQ(latest["actuation"]["status"], "applied");
  EXPECT_EQ(latest["actuation"]["hook"], "pull");
  EXPECT_EQ(latest["metrics"][0]["value"], 140.0);
  EXPECT_FALSE(latest["message"].get<std::string>().empty());

  auto web = Get("/api/v1/targets/web");
  ASSERT_EQ(web->status, 200);
  core::Json status = Body(web)["status"];
  EXPECT_EQ(status["replicas"], 6);
  EXPECT_EQ(status["desiredReplicas"], 6);
  EXPECT_EQ(status["lastDecision"]["id"], latest["id"]);
  ASSERT_EQ(status["conditions"].size(), 3u) << status.dump();
  EXPECT_EQ(status["conditions"][0]["type"], "AbleToScale");
  EXPECT_EQ(status["conditions"][0]["status"], "True");
  EXPECT_EQ(status["conditions"][0]["reason"], "SucceededRescale");
  EXPECT_EQ(status["conditions"][1]["type"], "ScalingActive");
  EXPECT_EQ(status["conditions"][1]["reason"], "ValidMetricFound");
  EXPECT_EQ(status["conditions"][2]["type"], "ScalingLimited");
  EXPECT_EQ(status["conditions"][2]["status"], "False");
  EXPECT_EQ(status["conditions"][2]["reason"], "DesiredWithinRange");

  auto scale = Get("/api/v1/targets/web/scale", Client());
  ASSERT_EQ(scale->status, 200) << scale->body;
  EXPECT_EQ(Body(scale)["desiredReplicas"], 6);
  EXPECT_EQ(Body(scale)["decisionId"], latest["id"]);
  EXPECT_EQ(Get("/api/v1/targets/shadow/scale", Client())->status, 409);
  core::Json shadow = Body(Get("/api/v1/targets/shadow/decisions"))["items"][0];
  EXPECT_EQ(shadow["replicas"], 6);
  EXPECT_EQ(shadow["actuation"]["status"], "dryRun");

  const std::string metrics = Get("/metrics", {})->body;
  EXPECT_NE(metrics.find("governor_target_replicas{target=\"web\"} 6"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("governor_target_desired_replicas{target=\"shadow\"} 6"),
            std::string::npos);
  EXPECT_NE(metrics.find("governor_target_metric_value{metric=\"cpu\",target=\"web\"} 140"),
            std::string::npos);
  EXPECT_NE(metrics.find("governor_target_scale_actions_total{direction=\"up\",target=\"web\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("governor_controller_leader 1"), std::string::npos);
}

// GET /api/v1/targets/{name}: the HPA conditions follow the last decision, naming the limit
// that held the count back and the cooldown that blocks the next scale.
TEST_F(TargetRoutesTest, ConditionsNameTheLimitAndTheCooldown) {
  ASSERT_EQ(Post("/api/v1/targets", PullTarget("web"))->status, 201);
  auto conditions = [this] {
    std::vector<std::string> out;
    const core::Json target = Body(Get("/api/v1/targets/web"));
    for (const core::Json& c : target["status"]["conditions"]) {
      out.push_back(c["type"].get<std::string>() + "=" + c["status"].get<std::string>() + "/" +
                    c["reason"].get<std::string>());
    }
    return out;
  };
  // cpu 10x its target at 3 replicas proposes 30 (rps, never pushed, is missing: a scale-up
  // still goes ahead); the scale-up limit is max(3 + 4, 2 x 3) = 7.
  const core::Json sample = {{"metric", "cpu"}, {"value", 700}};
  const core::Json load = {{"samples", core::Json::array({sample})}};
  ASSERT_EQ(Post("/api/v1/targets/web/metrics", load, Client())->status, 202);
  Sync(15);
  EXPECT_EQ(Body(Get("/api/v1/targets/web"))["status"]["replicas"], 7);
  EXPECT_EQ(conditions(), (std::vector<std::string>{"AbleToScale=True/SucceededRescale",
                                                    "ScalingActive=True/ValidMetricFound",
                                                    "ScalingLimited=True/ScaleUpLimit"}));
  ASSERT_EQ(Post("/api/v1/targets/web/metrics", load, Client())->status, 202);
  Sync(15);  // within the 60 s scale-up cooldown
  const std::vector<std::string> held = conditions();
  ASSERT_EQ(held.size(), 3u);
  EXPECT_EQ(held[0], "AbleToScale=False/BackoffUpscale");
  EXPECT_EQ(held[1], "ScalingActive=True/ValidMetricFound") << "rps is missing, cpu is not";
}

TEST(TargetRoutesConfigTest, ConfigTargetsAreServedAndReadOnly) {
  TestServer ts(
      [](ServerConfig& c) { c.targets = core::Json::array({PullTarget("web", "dryRun")}); });
  auto web = ts.Client()->Get("/api/v1/targets/web", TestServer::Admin());
  ASSERT_EQ(web->status, 200);
  EXPECT_EQ(Body(web)["source"], "config");
  auto put = ts.Client()->Put("/api/v1/targets/web", TestServer::Admin(), PullTarget("web").dump(),
                              "application/json");
  EXPECT_EQ(put->status, 409);
  EXPECT_NE(Body(put)["error"]["message"].get<std::string>().find("config file"),
            std::string::npos);
  EXPECT_EQ(ts.Client()->Delete("/api/v1/targets/web", TestServer::Admin())->status, 409);
}

// An active webhook target: the loop's decision arrives as a signed POST carrying its id
// and epoch, and the decision is recorded as applied.
TEST_F(TargetRoutesTest, AWebhookTargetReceivesTheSignedDecision) {
  httplib::Server receiver;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> received;  // body, signature
  receiver.Post("/scale", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    received.emplace_back(req.body, req.get_header_value("X-Governor-Signature"));
    res.status = 204;
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  std::thread t([&] { receiver.listen_after_bind(); });
  core::Json target = PullTarget("web");
  target["hook"] = {
      {"webhook",
       {{"url", "http://127.0.0.1:" + std::to_string(port) + "/scale"}, {"secret", "whsec_test"}}}};
  ASSERT_EQ(Post("/api/v1/targets", target)->status, 201);
  PushLoad("web");
  Sync(15);
  core::Json latest = Body(Get("/api/v1/targets/web/decisions?limit=1"))["items"][0];
  EXPECT_EQ(latest["actuation"]["status"], "applied") << latest.dump();
  receiver.stop();
  t.join();
  ASSERT_EQ(received.size(), 1u);
  core::Json sent = core::Json::parse(received[0].first);
  EXPECT_EQ(sent["decisionId"], latest["id"]);
  EXPECT_EQ(sent["epoch"], latest["epoch"]);
  EXPECT_EQ(sent["from"], 3);
  EXPECT_EQ(sent["to"], 6);
  // Signed at the real time (hooks use the system clock), verifiable with the shared secret.
  EXPECT_TRUE(integrations::VerifyWebhookSignature("whsec_test", received[0].second,
                                                   received[0].first,
                                                   core::SystemClock::Instance().Now())
                  .ok());
}

}  // namespace
}  // namespace gov::api::testing
