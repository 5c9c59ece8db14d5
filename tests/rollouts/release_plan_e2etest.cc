// Release plans on the real `governor` binary, in real time, with a real Prometheus
// (tests/e2e/prometheus_server.h) and a local webhook receiver (cpp-httplib on port 0):
//   - a plan advances on its schedule (advanceAfterSeconds) through the server's own runner;
//   - a plan whose Prometheus guardrail breaches after the exporter's value is raised rolls
//     back and calls the webhook, whose X-Governor-Signature verifies with the secret from the
//     environment variable notify.webhook.secretEnv names;
//   - a plan guarded by an experiment metric rolls back when the units its rollout exposed
//     (evaluated through OFREP) convert clearly worse than the rest (events sent through
//     POST /api/v1/events), and minExposures holds a due advance until enough were exposed;
//   - a SIGKILL in the middle of a plan, then a restart on the same database, neither repeats
//     nor skips a milestone, and each transition's webhook arrives once per
//     X-Governor-Delivery id (the same id twice would be an allowed at-least-once repeat; it
//     is printed).
// On SQLite, and on PostgreSQL when GOVERNOR_TEST_PG_URL is set (skipped otherwise). Durations
// are only ever bounded by generous timeouts.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "integrations/webhook_signature.h"
#include "tests/e2e/prometheus_server.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/governor_process.h"
#include "tests/testing/temp_dir.h"

namespace gov::testing {
namespace {

constexpr const char* kSecretEnv = "GOVERNOR_E2E_ROLLOUT_WEBHOOK_SECRET";
constexpr const char* kSecret = "e2e-rollout-webhook-secret-42";
constexpr std::chrono::seconds kTimeout{30};

// One POST the receiver got.
struct Delivery {
  std::string id;  // X-Governor-Delivery
  core::Json body;
  std::string verify_error;  // empty when the signature verified
};

// A webhook receiver on 127.0.0.1 port 0 that records every delivery and verifies its
// signature.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      Delivery d;
      d.id = req.get_header_value("X-Governor-Delivery");
      d.body = core::Json::parse(req.body, nullptr, false);
      const core::Status verified = integrations::VerifyWebhookSignature(
          kSecret, req.get_header_value(std::string(integrations::kWebhookSignatureHeader)),
          req.body, core::SystemClock().Now());
      if (!verified.ok()) d.verify_error = verified.ToString();
      {
        std::lock_guard lock(mu_);
        deliveries_.push_back(std::move(d));
      }
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would not end it: wait until it does.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  // The deliveries of `plan`, in arrival order.
  std::vector<Delivery> For(const std::string& plan) {
    std::lock_guard lock(mu_);
    std::vector<Delivery> out;
    for (const Delivery& d : deliveries_) {
      if (d.body.is_object() && d.body.value("plan", "") == plan) out.push_back(d);
    }
    return out;
  }

 private:
  httplib::Server server_;
  std::mutex mu_;
  std::vector<Delivery> deliveries_;
  int port_ = 0;
  std::thread thread_;
};

// Polls `done` every 100 ms until it holds or `timeout` passes; returns whether it held.
bool WaitFor(const std::function<bool()>& done, std::chrono::seconds timeout = kTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

enum class Backend { kSqlite, kPostgres };
void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqlite ? "sqlite" : "postgres");
}

class ReleasePlanE2eTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      if (!PostgresScratchDatabase::Available()) GTEST_SKIP() << "GOVERNOR_TEST_PG_URL not set";
      pg_ = std::make_unique<PostgresScratchDatabase>();
      ASSERT_TRUE(pg_->created());
      database_url_ = pg_->url();
    } else {
      database_url_ = "sqlite://" + (dir_.path() / "gov.db").string();
    }
    // The child inherits the environment: the secret the plan's notify.webhook names.
    ::setenv(kSecretEnv, kSecret, 1);
    config_ = dir_.path() / "governor.yaml";
    WriteFile(config_,
              "rateLimits:\n"
              "  admin: {requestsPerSecond: 0, burst: 0}\n"
              "log:\n"
              "  accessLog: false\n");
    StartServer();
  }

  void StartServer() {
    auto started = GovernorProcess::Start(ServeArgs(database_url_, config_));
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
  }

  httplib::Result Post(const std::string& path, const core::Json& body) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    return c.Post(path, AdminHeaders(), body.dump(), "application/json");
  }

  void CreateFeature(const std::string& name) {
    auto res = Post("/api/v1/flags",
                    {{"name", name},
                     {"environments", {{"production", {{"enabled", true}, {"strategies", {}}}}}}});
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  }

  void CreateAndStart(const core::Json& plan) {
    auto res = Post("/api/v1/release-plans", plan);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
    const std::string name = plan.at("name");
    res = Post("/api/v1/release-plans/" + name + "/start", core::Json::object());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }

  // A new client token of production; "" on failure.
  std::string ClientToken() {
    auto res = Post("/api/v1/tokens", {{"type", "client"},
                                       {"name", "e2e-client-" + std::to_string(++tokens_)},
                                       {"environment", "production"}});
    if (!res || res->status != 201) return "";
    return core::Json::parse(res->body).value("secret", "");
  }

  // GET /api/v1/release-plans/{name}; null on any failure (transient while restarting).
  core::Json GetPlan(const std::string& name) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(10, 0);
    auto res = c.Get("/api/v1/release-plans/" + name, AdminHeaders());
    if (!res || res->status != 200) return nullptr;
    return core::Json::parse(res->body, nullptr, false);
  }

  bool WaitForState(const std::string& name, const std::string& state, core::Json* plan) {
    return WaitFor([&] {
      *plan = GetPlan(name);
      return plan->is_object() && plan->value("state", "") == state;
    });
  }

  core::Json PlanBody(const std::string& name, const std::string& feature,
                      const core::Json& milestones) {
    return {{"name", name},
            {"feature", feature},
            {"environment", "production"},
            {"milestones", milestones},
            {"notify", {{"webhook", {{"url", webhooks_.url()}, {"secretEnv", kSecretEnv}}}}}};
  }

  // History must move one milestone at a time: started at 0, then +1 per "advanced".
  static void ExpectNoRepeatOrSkip(const core::Json& history) {
    ASSERT_TRUE(history.is_array());
    size_t expected = 0;
    for (size_t i = 0; i < history.size(); ++i) {
      const core::Json& t = history[i];
      SCOPED_TRACE("history[" + std::to_string(i) + "] " + t.dump());
      const std::string event = t.at("event");
      if (i == 0) {
        EXPECT_EQ(event, "started");
        EXPECT_EQ(t.at("to").at("milestone"), 0);
        continue;
      }
      EXPECT_TRUE(event == "advanced" || event == "completed") << event;
      EXPECT_EQ(t.at("from").at("milestone"), expected);
      EXPECT_EQ(t.at("to").at("milestone"), expected + 1);
      ++expected;
    }
  }

  // Every delivery verified; one distinct X-Governor-Delivery id per webhook-worthy transition
  // of the history, with that transition's event and time. Returns how many deliveries
  // repeated an id.
  size_t ExpectDeliveredOncePerTransition(const std::string& plan, const core::Json& history) {
    std::map<std::string, Delivery> by_id;
    size_t repeats = 0;
    for (const Delivery& d : webhooks_.For(plan)) {
      EXPECT_EQ(d.verify_error, "") << "delivery " << d.id << ": " << d.body.dump();
      EXPECT_FALSE(d.id.empty()) << "no X-Governor-Delivery header";
      if (!by_id.emplace(d.id, d).second) {
        ++repeats;
        std::cout << "[release plan e2e] delivery id " << d.id << " of plan " << plan
                  << " arrived more than once" << std::endl;
      }
    }
    std::multiset<std::pair<std::string, std::string>> delivered;
    for (const auto& [id, d] : by_id)
      delivered.emplace(d.body.value("event", ""), d.body.value("at", ""));
    std::multiset<std::pair<std::string, std::string>> transitions;
    for (const core::Json& t : history) transitions.emplace(t.at("event"), t.at("at"));
    EXPECT_EQ(delivered, transitions) << "webhooks by distinct delivery id vs. history";
    return repeats;
  }

  TempDir dir_{"gov_release_plan_e2e"};
  std::unique_ptr<PostgresScratchDatabase> pg_;
  std::string database_url_;
  std::filesystem::path config_;
  WebhookReceiver webhooks_;
  std::unique_ptr<GovernorProcess> server_;
  int tokens_ = 0;
};

TEST_P(ReleasePlanE2eTest, AdvancesOnScheduleThroughTheServersRunner) {
  CreateFeature("sched");
  CreateAndStart(PlanBody("sched-prod", "sched",
                          {{{"rollout", 10}, {"advanceAfterSeconds", 2}},
                           {{"rollout", 50}, {"advanceAfterSeconds", 2}},
                           {{"rollout", 100}}}));
  core::Json plan;
  ASSERT_TRUE(WaitForState("sched-prod", "completed", &plan))
      << "not completed within " << kTimeout.count() << " s: " << plan.dump();
  EXPECT_EQ(plan.at("rollout"), 100);
  const core::Json& history = plan.at("history");
  ASSERT_EQ(history.size(), 3u) << history.dump();
  ExpectNoRepeatOrSkip(history);
  for (size_t i = 1; i < history.size(); ++i) {
    EXPECT_EQ(history[i].at("cause").at("kind"), "schedule") << history[i].dump();
  }
  // Each transition's webhook (deliveries trail the commit: wait for them).
  WaitFor([&] { return webhooks_.For("sched-prod").size() >= history.size(); });
  ExpectDeliveredOncePerTransition("sched-prod", history);
}

TEST_P(ReleasePlanE2eTest, PrometheusGuardrailBreachRollsBackAndCallsTheWebhook) {
  ScrapedPrometheus prometheus("gov_e2e_error_ratio 0.01\n", "gov_e2e_error_ratio");
  ASSERT_EQ(prometheus.problem(), "");
  CreateFeature("guarded");
  core::Json body =
      PlanBody("guarded-prod", "guarded",
               {{{"rollout", 10}, {"advanceAfterSeconds", 3600}}, {{"rollout", 100}}});
  body["guardrails"] = {{{"name", "errors"},
                         {"prometheus",
                          {{"query", "gov_e2e_error_ratio"},
                           {"url", prometheus.url()},
                           {"above", 0.05},
                           {"forSeconds", 2},
                           {"evaluationIntervalSeconds", 1}}}}};
  body["onBreach"] = "rollback";
  CreateAndStart(body);

  // The guardrail sees the healthy value first.
  core::Json plan;
  ASSERT_TRUE(WaitFor([&] {
    plan = GetPlan("guarded-prod");
    if (!plan.is_object() || plan.at("guardrails").empty()) return false;
    const core::Json& g = plan.at("guardrails")[0];
    return g.value("status", "") == "ok" && g.contains("value") && g.at("value").is_number();
  })) << plan.dump();
  EXPECT_EQ(plan.at("state"), "running");
  EXPECT_EQ(plan.at("rollout"), 10);

  prometheus.exporter().Set("gov_e2e_error_ratio 0.5\n");
  ASSERT_TRUE(WaitForState("guarded-prod", "rolledBack", &plan)) << plan.dump();
  EXPECT_EQ(plan.at("rollout"), 0);
  const core::Json& last = plan.at("history").back();
  EXPECT_EQ(last.at("event"), "rolledBack");
  EXPECT_EQ(last.at("cause").at("kind"), "guardrail");
  EXPECT_EQ(last.at("cause").at("guardrail"), "errors");
  EXPECT_EQ(plan.at("guardrails")[0].at("status"), "breached") << plan.dump();

  // The rollback's webhook, signed.
  ASSERT_TRUE(WaitFor([&] {
    for (const Delivery& d : webhooks_.For("guarded-prod")) {
      if (d.body.value("event", "") == "rolledBack") return true;
    }
    return false;
  })) << "no rolledBack webhook";
  for (const Delivery& d : webhooks_.For("guarded-prod")) {
    if (d.body.value("event", "") != "rolledBack") continue;
    EXPECT_EQ(d.verify_error, "");
    EXPECT_EQ(d.body.at("feature"), "guarded");
    EXPECT_EQ(d.body.at("environment"), "production");
    EXPECT_EQ(d.body.at("cause").at("guardrail"), "errors");
    EXPECT_GT(d.body.at("cause").at("value").get<double>(), 0.05);
    EXPECT_EQ(d.body.at("cause").at("threshold"), 0.05);
  }
  WaitFor([&] { return webhooks_.For("guarded-prod").size() >= plan.at("history").size(); });
  ExpectDeliveredOncePerTransition("guarded-prod", plan.at("history"));
}

TEST_P(ReleasePlanE2eTest, SigkillMidPlanNeitherRepeatsNorSkipsAMilestone) {
  CreateFeature("crash");
  CreateAndStart(PlanBody("crash-prod", "crash",
                          {{{"rollout", 10}, {"advanceAfterSeconds", 3}},
                           {{"rollout", 30}, {"advanceAfterSeconds", 3}},
                           {{"rollout", 60}, {"advanceAfterSeconds", 3}},
                           {{"rollout", 100}}}));
  // Once it advanced (and that webhook arrived), kill it.
  core::Json plan;
  ASSERT_TRUE(WaitFor([&] {
    plan = GetPlan("crash-prod");
    if (!plan.is_object() || plan.value("milestone", 0) < 1) return false;
    for (const Delivery& d : webhooks_.For("crash-prod")) {
      if (d.body.value("event", "") == "advanced") return true;
    }
    return false;
  })) << plan.dump();
  // Let the dispatcher record that delivery before the kill (not required for correctness: a
  // row claimed at the kill is delivered again after its lease, by the same id, which only
  // slows the test down).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const core::Json at_kill = GetPlan("crash-prod");
  ASSERT_TRUE(at_kill.is_object());
  ASSERT_EQ(at_kill.at("state"), "running") << "the plan ended before the kill: " << at_kill.dump();
  ASSERT_TRUE(server_->Signal(SIGKILL));
  EXPECT_EQ(server_->Kill(), 128 + SIGKILL);

  StartServer();
  ASSERT_TRUE(WaitForState("crash-prod", "completed", &plan)) << plan.dump();
  const core::Json& history = plan.at("history");
  ASSERT_EQ(history.size(), 4u) << history.dump();
  ExpectNoRepeatOrSkip(history);
  WaitFor([&] { return webhooks_.For("crash-prod").size() >= history.size(); });
  const size_t repeats = ExpectDeliveredOncePerTransition("crash-prod", history);
  std::cout << "[release plan e2e] killed at milestone " << at_kill.at("milestone") << "; "
            << webhooks_.For("crash-prod").size() << " deliveries for " << history.size()
            << " transitions, " << repeats << " repeated ids" << std::endl;
}

// A plan guarded by an experiment metric: apps evaluate the feature through OFREP (which
// records each unit's exposure in the plan's evidence window: exposed at 50%, or the rest) and
// send purchases through POST /api/v1/events; the exposed units convert at 10% and the rest
// at 30%, so the whole confidence sequence of the relative effect lies below -2% and the plan
// rolls back, naming the guardrail.
TEST_P(ReleasePlanE2eTest, ExperimentMetricGuardrailStopsAPlanWhoseTreatmentIsClearlyWorse) {
  CreateFeature("metric-f");
  auto metric = Post(
      "/api/v1/metrics",
      {{"name", "purchase-rate"}, {"type", "proportion"}, {"numerator", {{"event", "purchase"}}}});
  ASSERT_TRUE(metric);
  ASSERT_EQ(metric->status, 201) << metric->body;
  core::Json body =
      PlanBody("metric-prod", "metric-f",
               {{{"rollout", 50}, {"advanceAfterSeconds", 3600}}, {{"rollout", 100}}});
  body["guardrails"] = {{{"name", "conversion"},
                         {"metric", {{"metric", "purchase-rate"}, {"maxRelativeDrop", 0.02}}}}};
  body["onBreach"] = "rollback";
  CreateAndStart(body);
  const std::string token = ClientToken();
  ASSERT_FALSE(token.empty());

  // The runner publishes the plan's window within its interval; evaluate once it records.
  httplib::Client c("127.0.0.1", server_->port());
  c.set_read_timeout(10, 0);
  const httplib::Headers client_headers = {{"Authorization", token}};
  auto Evaluate = [&](const std::string& user) -> std::optional<bool> {
    auto res = c.Post("/ofrep/v1/evaluate/flags/metric-f", client_headers,
                      core::Json{{"context", {{"targetingKey", user}}}}.dump(), "application/json");
    if (!res || res->status != 200) return std::nullopt;
    return core::Json::parse(res->body).at("value").get<bool>();
  };
  constexpr int kUsers = 600;
  core::Json events = core::Json::array();
  int exposed = 0;
  const int64_t at_ms = core::ToUnixMillis(core::SystemClock().Now()) + 1000;
  for (int i = 0; i < kUsers; ++i) {
    const std::string user = "m-" + std::to_string(i);
    const std::optional<bool> on = Evaluate(user);
    ASSERT_TRUE(on.has_value()) << user;
    exposed += *on ? 1 : 0;
    // Exposed: 1 in 10 buys; the rest: 3 in 10.
    if (i % 10 < (*on ? 1 : 3)) {
      events.push_back({{"id", "buy-" + user},
                        {"type", "track"},
                        {"name", "purchase"},
                        {"unit", user},
                        {"timestamp", at_ms}});
    }
  }
  EXPECT_GT(exposed, kUsers / 4);
  EXPECT_LT(exposed, 3 * kUsers / 4);
  auto sent = c.Post("/api/v1/events", client_headers, core::Json{{"events", events}}.dump(),
                     "application/json");
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status, 202) << sent->body;

  core::Json plan;
  ASSERT_TRUE(WaitForState("metric-prod", "rolledBack", &plan)) << plan.dump();
  EXPECT_EQ(plan.at("rollout"), 0);
  const core::Json& last = plan.at("history").back();
  EXPECT_EQ(last.at("cause").at("kind"), "guardrail") << last.dump();
  EXPECT_EQ(last.at("cause").at("guardrail"), "conversion") << last.dump();
  EXPECT_EQ(plan.at("guardrails")[0].at("status"), "breached") << plan.dump();
  EXPECT_LT(plan.at("guardrails")[0].at("value").get<double>(), -0.02) << plan.dump();
  std::cout << "[release plan e2e] " << exposed << " of " << kUsers
            << " units exposed; rolled back: " << last.dump() << std::endl;
}

// minExposures holds a due advance until that many units were exposed in the milestone: the
// plan is due after 1 s but waits until OFREP evaluations exposed 40 units.
TEST_P(ReleasePlanE2eTest, MinExposuresHoldsTheAdvanceUntilEnoughUnitsWereExposed) {
  CreateFeature("exposures-f");
  CreateAndStart(PlanBody(
      "exposures-prod", "exposures-f",
      {{{"rollout", 50}, {"advanceAfterSeconds", 1}, {"minExposures", 40}}, {{"rollout", 100}}}));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  core::Json plan = GetPlan("exposures-prod");
  ASSERT_TRUE(plan.is_object());
  EXPECT_EQ(plan.at("state"), "running") << plan.dump();
  EXPECT_EQ(plan.at("milestone"), 0) << "advanced with no exposure: " << plan.dump();

  const std::string token = ClientToken();
  httplib::Client c("127.0.0.1", server_->port());
  c.set_read_timeout(10, 0);
  int exposed = 0;
  for (int i = 0; i < 200 && exposed < 60; ++i) {
    auto res = c.Post("/ofrep/v1/evaluate/flags/exposures-f", {{"Authorization", token}},
                      core::Json{{"context", {{"targetingKey", "x-" + std::to_string(i)}}}}.dump(),
                      "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    exposed += core::Json::parse(res->body).at("value").get<bool>() ? 1 : 0;
  }
  ASSERT_GE(exposed, 40);
  ASSERT_TRUE(WaitForState("exposures-prod", "completed", &plan)) << plan.dump();
  EXPECT_EQ(plan.at("history").back().at("cause").at("kind"), "schedule") << plan.dump();
}

INSTANTIATE_TEST_SUITE_P(Backends, ReleasePlanE2eTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace gov::testing
