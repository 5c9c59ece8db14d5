// ReleasePlanService on a database (release_plan_service_test.cc: SQLite,
// release_plan_service_pgtest.cc: PostgreSQL) with a fake clock and a fake Prometheus: the store's
// checks on create, each action, the runner's transitions (schedule, breach, query errors,
// exposures), exactly-once transitions across two services, and the guard on direct strategy edits.

#pragma once

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "flags/snapshot_publisher.h"
#include "flags/snapshot_registry.h"
#include "rollouts/plan_evidence.h"
#include "rollouts/release_plan_service.h"
#include "rollouts/strategy.h"
#include "store/audit_repository.h"
#include "store/outbox_repository.h"
#include "store/release_plan_repository.h"
#include "tests/store/test_databases.h"

namespace gov::rollouts {

using std::chrono::seconds;

inline const store::AuditActor kAlice{"alice", "req-1"};

class FakePrometheus final : public integrations::PrometheusQuerier {
 public:
  void Set(const std::string& query, std::optional<double> value) {
    std::lock_guard<std::mutex> lock(mu_);
    if (value) {
      values_[query] = *value;
    } else {
      values_.erase(query);
    }
  }
  core::StatusOr<integrations::PrometheusValue> Query(const std::string&, const std::string& query,
                                                      core::Duration, core::TimePoint at) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    auto it = values_.find(query);
    if (it == values_.end()) return core::Unavailable("connection refused");
    return integrations::PrometheusValue{it->second, at};
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, double> values_;
  int calls_ = 0;
};

class FakeEvidence final : public PlanEvidenceSource {
 public:
  std::optional<ExposureCounts> exposures;
  core::StatusOr<std::optional<ExposureCounts>> Exposures(const ReleasePlanSpec&, core::TimePoint,
                                                          core::TimePoint) override {
    return exposures;
  }
  core::StatusOr<std::optional<MetricSample>> Metric(const ReleasePlanSpec&, const MetricGuardrail&,
                                                     core::TimePoint, core::TimePoint) override {
    return std::optional<MetricSample>();
  }
};

class FakeGauges final : public ReleasePlanGauges {
 public:
  void Set(const std::string& plan, PlanState state, int rollout) override {
    std::lock_guard<std::mutex> lock(mu);
    last[plan] = {state, rollout};
  }
  void Remove(const std::string& plan) override {
    std::lock_guard<std::mutex> lock(mu);
    last.erase(plan);
  }
  std::mutex mu;
  std::map<std::string, std::pair<PlanState, int>> last;
};

// One "process": its flag service (with the guard registered) and release-plan service.
struct Node {
  Node(store::Database& db, core::FakeClock& clock, FakePrometheus& prom, FakeEvidence& evidence,
       FakeGauges& gauges)
      : publisher(db, registry, {}),
        flags(db, publisher, clock),
        service(db, flags, clock, &prom,
                ReleasePlanServiceOptions{
                    .gauges = &gauges, .evidence = &evidence, .windows = &windows}) {
    EXPECT_TRUE(publisher.Start().ok());
    flags.SetStrategyGuard(&guard);
  }
  ~Node() { publisher.Stop(); }
  experiments::RunningExperiments windows;
  flags::SnapshotRegistry registry;
  flags::SnapshotPublisher publisher;
  flags::FlagService flags;
  ReleasePlanStrategyGuard guard;
  ReleasePlanService service;
};

inline core::Json PlanBody(const std::string& on_breach = "rollback") {
  core::Json body = core::Json::parse(R"({
    "name": "p1", "feature": "checkout-v2", "environment": "production",
    "milestones": [{"rollout": 1, "advanceAfterSeconds": 600},
                   {"rollout": 10, "advanceAfterSeconds": 3600},
                   {"rollout": 50},
                   {"rollout": 100}],
    "guardrails": [{"name": "errors", "prometheus": {"query": "errors", "above": 0.05,
                    "forSeconds": 120, "evaluationIntervalSeconds": 15}}],
    "notify": {"webhook": {"url": "http://127.0.0.1:9/hook", "secretEnv": "GOV_SECRET"}}})");
  body["onBreach"] = on_breach;
  return body;
}

class RolloutsReleasePlanServiceTest
    : public ::testing::TestWithParam<store::testing::DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
    node_ = std::make_unique<Node>(test_db_->db(), clock_, prom_, evidence_, gauges_);
    auto created = node_->flags.CreateFeature(kAlice, core::Json::parse(R"({
      "name": "checkout-v2",
      "environments": {"production": {"enabled": true, "strategies": [
        {"name": "userWithId", "parameters": {"userIds": "vip"}}]}}})"));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    prom_.Set("errors", 0.01);
  }

  ReleasePlanService& service() { return node_->service; }

  ReleasePlan MustCreate(const core::Json& body) {
    auto plan = service().Create(kAlice, body);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? *plan : ReleasePlan{};
  }
  ReleasePlan MustAct(Action action, const std::string& name = "p1") {
    auto plan = service().Act(kAlice, name, action);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? *plan : ReleasePlan{};
  }
  // The managed strategy's rollout parameter in production, or -1 when absent.
  int ManagedRollout(const std::string& plan = "p1") {
    auto feature = node_->flags.GetFeature("checkout-v2");
    EXPECT_TRUE(feature.ok());
    const auto& strategies = feature->environments.at("production").strategies;
    auto index = FindManagedStrategy(strategies, plan);
    if (!index) return -1;
    return std::stoi(strategies[*index].parameters.at("rollout"));
  }
  std::vector<store::OutboxRow> Outbox() {
    std::vector<store::OutboxRow> rows;
    EXPECT_TRUE(store::WithTransaction(test_db_->db(), store::TxMode::kReadOnly,
                                       [&](store::Transaction& tx) -> core::Status {
                                         for (int64_t id = 1;; ++id) {
                                           auto row = store::OutboxRepository::Get(tx, id);
                                           if (!row.ok()) break;
                                           rows.push_back(*row);
                                         }
                                         return core::Status::Ok();
                                       })
                    .ok());
    return rows;
  }
  std::vector<store::AuditEntry> PlanAudit() {
    std::vector<store::AuditEntry> out;
    for (auto& e : store::testing::AuditEntries(test_db_->db())) {
      if (e.actor == "release-plan:p1" && e.resource == "release-plans/p1") out.push_back(e);
    }
    return out;
  }

  std::unique_ptr<store::testing::TestDatabase> test_db_;
  core::FakeClock clock_;
  FakePrometheus prom_;
  FakeEvidence evidence_;
  FakeGauges gauges_;
  std::unique_ptr<Node> node_;
};

TEST_P(RolloutsReleasePlanServiceTest, CreateChecksTheStore) {
  core::Json body = PlanBody();
  body["feature"] = "nope";
  auto r = service().Create(kAlice, body);
  EXPECT_EQ(r.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(r.status().field(), "feature");

  body = PlanBody();
  body["environment"] = "nowhere";
  r = service().Create(kAlice, body);
  EXPECT_EQ(r.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(r.status().field(), "environment");

  body = PlanBody();
  body["segments"] = {42};
  r = service().Create(kAlice, body);
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "segments[0]");

  body = PlanBody();
  body["guardrails"].push_back(
      {{"name", "conv"}, {"metric", {{"metric", "purchase"}, {"maxRelativeDrop", 0.02}}}});
  r = service().Create(kAlice, body);
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "guardrails[1].metric.metric");

  body = PlanBody();
  body["milestones"][1]["rollout"] = 1;  // parsing: not increasing
  r = service().Create(kAlice, body);
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "milestones[1].rollout");

  ReleasePlan p1 = MustCreate(PlanBody());
  EXPECT_EQ(p1.runtime.state, PlanState::kDraft);
  EXPECT_EQ(ManagedRollout(), -1);  // a draft does not touch the flag
  r = service().Create(kAlice, PlanBody());
  EXPECT_EQ(r.status().code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().field(), "name");

  // A second plan on the same feature and environment while p1 runs: refused naming p1.
  MustAct(Action::kStart);
  body = PlanBody();
  body["name"] = "p2";
  r = service().Create(kAlice, body);
  EXPECT_EQ(r.status().code(), core::StatusCode::kConflict);
  EXPECT_NE(r.status().message().find("p1"), std::string::npos) << r.status().message();
}

TEST_P(RolloutsReleasePlanServiceTest, CreateFromTemplates) {
  core::Json body = {{"template", "standard"},
                     {"name", "s1"},
                     {"feature", "checkout-v2"},
                     {"environment", "production"},
                     {"queries", {{"p99", "a"}, {"errors", "b"}, {"cpu", "c"}}}};
  ReleasePlan s1 = MustCreate(body);
  EXPECT_EQ(s1.spec.guardrails.size(), 3u);

  body["template"] = "mine";
  auto r = service().Create(kAlice, body);
  EXPECT_EQ(r.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(r.status().field(), "template");

  core::Json tmpl = PlanBody();
  tmpl.erase("feature");
  tmpl.erase("environment");
  tmpl["name"] = "mine";
  auto put = service().PutTemplate(kAlice, tmpl);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(put->second);
  auto templates = service().ListTemplates();
  ASSERT_TRUE(templates.ok());
  ASSERT_EQ(templates->size(), 2u);
  EXPECT_EQ((*templates)[0].name, "standard");
  EXPECT_EQ((*templates)[1].name, "mine");
  body = {{"template", "mine"},
          {"name", "m1"},
          {"feature", "checkout-v2"},
          {"environment", "production"}};
  ReleasePlan m1 = MustCreate(body);
  EXPECT_EQ(m1.spec.milestones.size(), 4u);
  tmpl["name"] = "standard";
  EXPECT_EQ(service().PutTemplate(kAlice, tmpl).status().code(), core::StatusCode::kConflict);
  EXPECT_EQ(service().GetTemplate("nope").status().code(), core::StatusCode::kNotFound);
}

// Starting a plan that could not change what is served is refused, naming the feature: the
// feature disabled in the environment, or another strategy already serving every unit.
TEST_P(RolloutsReleasePlanServiceTest, StartRefusesAPlanThatWouldChangeNothing) {
  MustCreate(PlanBody());
  auto set_production = [&](const char* json) {
    auto replaced =
        node_->flags.ReplaceFeature(kAlice, "checkout-v2", core::Json::parse(json), std::nullopt);
    ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  };
  set_production(R"({"name": "checkout-v2", "environments": {"production": {"enabled": false,
      "strategies": [{"name": "userWithId", "parameters": {"userIds": "vip"}}]}}})");
  auto refused = service().Act(kAlice, "p1", Action::kStart);
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().field(), "feature");
  EXPECT_NE(refused.status().message().find("disabled in production"), std::string::npos);
  set_production(R"({"name": "checkout-v2", "environments": {"production": {"enabled": true,
      "strategies": [{"name": "default"}]}}})");
  refused = service().Act(kAlice, "p1", Action::kStart);
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().field(), "feature");
  EXPECT_NE(refused.status().message().find("already serves every unit"), std::string::npos);
  EXPECT_EQ(ManagedRollout(), -1);  // nothing changed
  set_production(R"({"name": "checkout-v2", "environments": {"production": {"enabled": true,
      "strategies": [{"name": "default", "constraints": [{"contextName": "country",
        "operator": "IN", "values": ["NO"]}]}]}}})");
  EXPECT_EQ(MustAct(Action::kStart).runtime.state, PlanState::kRunning);
}

TEST_P(RolloutsReleasePlanServiceTest, EachActionIsOneAuditedTransition) {
  MustCreate(PlanBody());
  EXPECT_EQ(service().Act(kAlice, "p1", Action::kPause).status().code(),
            core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service().Act(kAlice, "nope", Action::kStart).status().code(),
            core::StatusCode::kNotFound);

  ReleasePlan p = MustAct(Action::kStart);
  EXPECT_EQ(p.runtime.state, PlanState::kRunning);
  EXPECT_EQ(ManagedRollout(), 1);
  EXPECT_EQ(gauges_.last["p1"], std::make_pair(PlanState::kRunning, 1));
  p = MustAct(Action::kPause);
  EXPECT_EQ(p.runtime.state, PlanState::kPaused);
  EXPECT_EQ(ManagedRollout(), 1);
  p = MustAct(Action::kResume);
  EXPECT_EQ(p.runtime.state, PlanState::kRunning);
  p = MustAct(Action::kAdvance);
  EXPECT_EQ(p.runtime.milestone, 1u);
  EXPECT_EQ(ManagedRollout(), 10);
  EXPECT_EQ(service().Delete(kAlice, "p1").code(), core::StatusCode::kConflict);
  p = MustAct(Action::kRollback);
  EXPECT_EQ(p.runtime.state, PlanState::kRolledBack);
  EXPECT_EQ(ManagedRollout(), 0);
  EXPECT_EQ(gauges_.last["p1"], std::make_pair(PlanState::kRolledBack, 0));

  ASSERT_EQ(p.runtime.history.size(), 5u);
  EXPECT_EQ(p.runtime.history[4].cause.actor, "alice");
  const auto audit = PlanAudit();
  ASSERT_EQ(audit.size(), 5u);
  EXPECT_EQ(audit.front().action, "release-plan.rolledBack");  // newest first
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 5u);
  EXPECT_EQ(outbox[0].kind, store::kOutboxKindReleasePlanWebhook);
  EXPECT_EQ(outbox[0].secret_env, "GOV_SECRET");
  auto body = core::Json::parse(outbox[4].payload_json);
  EXPECT_EQ(body["event"], "rolledBack");
  EXPECT_EQ(body["plan"], "p1");

  const core::Json view = ReleasePlanToJson(p);
  EXPECT_EQ(view["state"], "rolledBack");
  EXPECT_EQ(view["history"].size(), 5u);

  EXPECT_TRUE(service().Delete(kAlice, "p1").ok());
  EXPECT_EQ(service().Get("p1").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(gauges_.last.count("p1"), 0u);
}

TEST_P(RolloutsReleasePlanServiceTest, AdvancesOnScheduleThroughTick) {
  MustCreate(PlanBody());
  MustAct(Action::kStart);
  clock_.Advance(seconds(599));
  EXPECT_TRUE(service().Tick(clock_.Now()).transitions.empty());
  EXPECT_EQ(ManagedRollout(), 1);
  clock_.Advance(seconds(1));
  auto tick = service().Tick(clock_.Now());
  ASSERT_EQ(tick.transitions.size(), 1u) << (tick.errors.empty() ? "" : tick.errors[0].ToString());
  EXPECT_EQ(tick.transitions[0].second.event, PlanEvent::kAdvanced);
  EXPECT_EQ(ManagedRollout(), 10);
  clock_.Advance(seconds(3600));
  tick = service().Tick(clock_.Now());
  ASSERT_EQ(tick.transitions.size(), 1u);
  EXPECT_EQ(ManagedRollout(), 50);
  // 50% advances by hand only.
  clock_.Advance(seconds(36000));
  EXPECT_TRUE(service().Tick(clock_.Now()).transitions.empty());
  ReleasePlan p = MustAct(Action::kAdvance);
  EXPECT_EQ(p.runtime.state, PlanState::kCompleted);
  EXPECT_EQ(ManagedRollout(), 100);
  EXPECT_GT(prom_.calls(), 0);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 4u);
  EXPECT_EQ(core::Json::parse(outbox[3].payload_json)["event"], "completed");
}

TEST_P(RolloutsReleasePlanServiceTest, PrometheusBreachRollsBack) {
  MustCreate(PlanBody());
  MustAct(Action::kStart);
  prom_.Set("errors", 0.5);
  for (int i = 0; i < 8; ++i) {  // 0 .. 105 s: breaching
    EXPECT_TRUE(service().Tick(clock_.Now()).transitions.empty());
    clock_.Advance(seconds(15));
  }
  auto p = service().Get("p1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->runtime.guardrails[0].status, GuardrailStatus::kBreaching);
  EXPECT_EQ(ManagedRollout(), 1);
  auto tick = service().Tick(clock_.Now());  // 120 s
  ASSERT_EQ(tick.transitions.size(), 1u);
  EXPECT_EQ(tick.transitions[0].second.event, PlanEvent::kRolledBack);
  EXPECT_EQ(ManagedRollout(), 0);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 2u);
  auto body = core::Json::parse(outbox[1].payload_json);
  EXPECT_EQ(body["event"], "rolledBack");
  EXPECT_EQ(body["cause"]["guardrail"], "errors");
  EXPECT_EQ(body["cause"]["value"], 0.5);
  EXPECT_EQ(body["cause"]["threshold"], 0.05);
  // Terminal: no further transitions.
  clock_.Advance(seconds(3600));
  EXPECT_TRUE(service().Tick(clock_.Now()).transitions.empty());
}

TEST_P(RolloutsReleasePlanServiceTest, BreachPausesOrStepsBack) {
  MustCreate(PlanBody("pause"));
  MustAct(Action::kStart);
  prom_.Set("errors", 0.5);
  for (int i = 0; i <= 8; ++i) {
    service().Tick(clock_.Now());
    clock_.Advance(seconds(15));
  }
  auto p = service().Get("p1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->runtime.state, PlanState::kPaused);
  EXPECT_EQ(ManagedRollout(), 1);
  MustAct(Action::kRollback);

  core::Json body = PlanBody("previousMilestone");
  body["name"] = "p2";
  MustCreate(body);
  prom_.Set("errors", 0.01);
  MustAct(Action::kStart, "p2");
  MustAct(Action::kAdvance, "p2");
  EXPECT_EQ(ManagedRollout("p2"), 10);
  prom_.Set("errors", 0.5);
  for (int i = 0; i <= 8; ++i) {
    service().Tick(clock_.Now());
    clock_.Advance(seconds(15));
  }
  p = service().Get("p2");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->runtime.state, PlanState::kRunning);
  EXPECT_EQ(p->runtime.milestone, 0u);
  EXPECT_EQ(ManagedRollout("p2"), 1);
  EXPECT_EQ(p->runtime.history.back().event, PlanEvent::kSteppedBack);
}

TEST_P(RolloutsReleasePlanServiceTest, QueryErrorsForForSecondsPause) {
  MustCreate(PlanBody());
  MustAct(Action::kStart);
  prom_.Set("errors", std::nullopt);  // connection refused
  service().Tick(clock_.Now());
  auto p = service().Get("p1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->runtime.guardrails[0].status, GuardrailStatus::kError);
  EXPECT_EQ(p->runtime.state, PlanState::kRunning);
  for (int i = 0; i < 8; ++i) {
    clock_.Advance(seconds(15));
    service().Tick(clock_.Now());
  }
  p = service().Get("p1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->runtime.state, PlanState::kPaused);
  EXPECT_EQ(p->runtime.history.back().cause.kind, CauseKind::kGuardrailError);
  EXPECT_EQ(ManagedRollout(), 1);
}

TEST_P(RolloutsReleasePlanServiceTest, MinExposuresHoldsTheAdvance) {
  core::Json body = PlanBody();
  body["milestones"][0]["minExposures"] = 100;
  MustCreate(body);
  MustAct(Action::kStart);
  evidence_.exposures = ExposureCounts{5, 495};
  clock_.Advance(seconds(600));
  EXPECT_TRUE(service().Tick(clock_.Now()).transitions.empty());
  EXPECT_EQ(ManagedRollout(), 1);
  evidence_.exposures = ExposureCounts{100, 9900};
  clock_.Advance(seconds(1));
  EXPECT_EQ(service().Tick(clock_.Now()).transitions.size(), 1u);
  EXPECT_EQ(ManagedRollout(), 10);
}

// Each transition publishes the running plans' evidence windows (one per milestone run, keyed
// by the milestone's start) for the exposure recorder; a paused or ended plan has none.
TEST_P(RolloutsReleasePlanServiceTest, TransitionsPublishTheRunningPlansEvidenceWindows) {
  auto windows = [&] { return node_->windows.Current()->All(); };
  MustCreate(PlanBody());
  EXPECT_TRUE(windows().empty());
  MustAct(Action::kStart);
  ASSERT_EQ(windows().size(), 1u);
  experiments::RunningExperiment w = windows()[0];
  EXPECT_EQ(w.key, PlanExposureKey("p1", clock_.Now()));
  EXPECT_EQ(w.environment, "production");
  EXPECT_EQ(w.feature, "checkout-v2");
  EXPECT_EQ(w.randomization_unit, "default");
  EXPECT_EQ(w.rollout, (experiments::RolloutArms{"release-plan:p1", 1, "checkout-v2"}));
  EXPECT_EQ(w.arms, (std::vector<experiments::Arm>{{"rest", 99}, {"exposed", 1}}));
  EXPECT_EQ(node_->windows.Current()->Resolve("production", "release-plan:p1")->key, w.key);

  clock_.Advance(seconds(30));
  MustAct(Action::kAdvance);
  ASSERT_EQ(windows().size(), 1u);
  EXPECT_EQ(windows()[0].key, PlanExposureKey("p1", clock_.Now()));
  EXPECT_EQ(windows()[0].rollout->percentage, 10);
  MustAct(Action::kPause);
  EXPECT_TRUE(windows().empty());
  clock_.Advance(seconds(30));
  MustAct(Action::kResume);
  ASSERT_EQ(windows().size(), 1u);
  EXPECT_EQ(windows()[0].key, PlanExposureKey("p1", clock_.Now()));
  // Another replica learns them from the store (the runner calls PublishWindows).
  FakeGauges other_gauges;
  Node other(test_db_->db(), clock_, prom_, evidence_, other_gauges);
  EXPECT_TRUE(other.windows.Current()->All().empty());
  ASSERT_TRUE(other.service.PublishWindows().ok());
  EXPECT_EQ(other.windows.Current()->All(), windows());
  MustAct(Action::kRollback);
  EXPECT_TRUE(windows().empty());
}

TEST_P(RolloutsReleasePlanServiceTest, TwoServicesTransitionExactlyOnce) {
  MustCreate(PlanBody());
  MustAct(Action::kStart);
  std::unique_ptr<store::Database> other_db = test_db_->OpenAnother();
  Node other(*other_db, clock_, prom_, evidence_, gauges_);
  clock_.Advance(seconds(600));
  TickResult a, b;
  std::thread ta([&] { a = service().Tick(clock_.Now()); });
  std::thread tb([&] { b = other.service.Tick(clock_.Now()); });
  ta.join();
  tb.join();
  // A service that lost the race may report the conflict or a busy database; it retries on its
  // next tick, which finds nothing due.
  a = {};
  b = {};
  for (int i = 0; i < 2; ++i) {
    auto ra = service().Tick(clock_.Now());
    auto rb = other.service.Tick(clock_.Now());
    EXPECT_TRUE(ra.transitions.empty());
    EXPECT_TRUE(rb.transitions.empty());
  }
  auto p = service().Get("p1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->runtime.milestone, 1u);
  ASSERT_EQ(p->runtime.history.size(), 2u);  // started, advanced
  EXPECT_EQ(Outbox().size(), 2u);
  EXPECT_EQ(PlanAudit().size(), 2u);
  EXPECT_EQ(ManagedRollout(), 10);
}

TEST_P(RolloutsReleasePlanServiceTest, DirectEditsOfTheManagedStrategyAreRefused) {
  MustCreate(PlanBody());
  MustAct(Action::kStart);
  auto feature = node_->flags.GetFeature("checkout-v2");
  ASSERT_TRUE(feature.ok());
  const auto strategies = feature->environments.at("production").strategies;
  ASSERT_EQ(strategies.size(), 2u);

  // Removing the managed strategy: 409 naming the plan.
  auto r = node_->flags.SetStrategies(kAlice, "checkout-v2", "production",
                                      {{"strategies", core::Json::array()}}, std::nullopt);
  EXPECT_EQ(r.status().code(), core::StatusCode::kConflict);
  EXPECT_NE(r.status().message().find("release plan p1"), std::string::npos);
  // Changing it through a replace or a patch: refused as well.
  core::Json replaced = core::Json::parse(R"({"name": "checkout-v2", "environments": {
      "production": {"enabled": true, "strategies": []}}})");
  EXPECT_EQ(
      node_->flags.ReplaceFeature(kAlice, "checkout-v2", replaced, std::nullopt).status().code(),
      core::StatusCode::kConflict);
  core::Json import = core::Json::parse(R"({"version": 2, "features": [
      {"name": "checkout-v2", "enabled": true, "strategies": [{"name": "default"}]}]})");
  EXPECT_EQ(node_->flags.Import(kAlice, "production", import).status().code(),
            core::StatusCode::kConflict);
  EXPECT_EQ(ManagedRollout(), 1);

  // Other strategies stay editable when the managed one is kept as it is.
  core::Json kept = core::Json::array();
  kept.push_back({{"name", "default"}});
  auto current = node_->flags.Export("production");
  ASSERT_TRUE(current.ok());
  for (const auto& f : (*current)["features"]) {
    if (f["name"] != "checkout-v2") continue;
    for (const auto& s : f["strategies"]) {
      if (s.contains("id") && s["id"] == "release-plan:p1") kept.push_back(s);
    }
  }
  ASSERT_EQ(kept.size(), 2u);
  r = node_->flags.SetStrategies(kAlice, "checkout-v2", "production", {{"strategies", kept}},
                                 std::nullopt);
  EXPECT_TRUE(r.ok()) << r.status().ToString();

  // Deleting the feature would remove the managed strategy: refused naming the plan.
  const core::Status deleted = node_->flags.DeleteFeature(kAlice, "checkout-v2", std::nullopt);
  EXPECT_EQ(deleted.code(), core::StatusCode::kConflict) << deleted.ToString();
  EXPECT_NE(deleted.message().find("release plan p1"), std::string::npos) << deleted.ToString();
  EXPECT_TRUE(node_->flags.GetFeature("checkout-v2").ok());

  // Once the plan is over, the strategy is the users' again.
  MustAct(Action::kRollback);
  r = node_->flags.SetStrategies(kAlice, "checkout-v2", "production",
                                 {{"strategies", core::Json::array()}}, std::nullopt);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

}  // namespace gov::rollouts
