// A release plan seen from the SDKs' side: an in-process server (fake clock, SQLite) drives a
// plan through 10% / 50% / 100% on its schedule, and after each transition OFREP
// (POST /ofrep/v1/evaluate/flags/{key}) and the Unleash frontend API (GET /api/frontend)
// serve the milestone's percentage on 2,000 random user ids (within 3 points), and the Unleash
// client API (GET /api/client/features) carries the managed flexibleRollout (rollout, groupId =
// the feature, the plan's stickiness). The transition's own commit republishes the flags, so
// the answers right after it already reflect it; a rollback serves 0%.

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "rollouts/model.h"
#include "rollouts/release_plan_service.h"
#include "rollouts/strategy.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

constexpr const char* kFeature = "checkout-v2";
constexpr const char* kEnv = "production";
constexpr const char* kPlan = "checkout-v2-prod";
constexpr int kIds = 2000;
constexpr double kTolerance = 3.0;  // percentage points

const store::AuditActor kAlice{"alice", "req-1"};

class ReleasePlanServingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The feature is on in production; its only other strategy targets one user, so the
    // managed strategy alone decides for random ids.
    auto created = ts_.Client()->Post("/api/v1/flags", TestServer::Admin(), R"({
        "name": "checkout-v2",
        "environments": {"production": {"enabled": true, "strategies": [
          {"name": "userWithId", "parameters": {"userIds": "vip"}}]}}})",
                                      "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    client_secret_ = ts_.CreateToken("client", "sdk", kEnv)["secret"].get<std::string>();
    frontend_secret_ = ts_.CreateToken("frontend", "web", kEnv)["secret"].get<std::string>();
    std::mt19937_64 rng(20261206);
    std::uniform_int_distribution<uint64_t> dist;
    for (int i = 0; i < kIds; ++i) ids_.push_back("u-" + std::to_string(dist(rng)));
  }

  rollouts::ReleasePlanService& plans() { return ts_.server().release_plans(); }

  void CreatePlan() {
    auto plan = plans().Create(kAlice, core::Json::parse(R"({
        "name": "checkout-v2-prod", "feature": "checkout-v2", "environment": "production",
        "stickiness": "userId",
        "milestones": [{"rollout": 10, "advanceAfterSeconds": 60},
                       {"rollout": 50, "advanceAfterSeconds": 60},
                       {"rollout": 100}]})"));
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->runtime.state, rollouts::PlanState::kDraft);
  }

  // Moves the fake clock by `by` and ticks the service. The server's own runner ticks on the
  // same clock: when it made the transition first, this Tick finds nothing to do or skips the
  // plan; either way the transition is committed when Tick returns (writes are serialized and
  // the version guard sees the other commit). Returns whether this call made it.
  bool AdvanceAndTick(std::chrono::seconds by) {
    ts_.clock().Advance(by);
    rollouts::TickResult result = plans().Tick(ts_.clock().Now());
    for (const auto& error : result.errors) ADD_FAILURE() << error.ToString();
    for (const auto& [name, transition] : result.transitions) {
      if (name == kPlan) return true;
    }
    return false;
  }

  rollouts::ReleasePlan Plan() {
    auto plan = plans().Get(kPlan);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? *plan : rollouts::ReleasePlan{};
  }

  // Percentage of ids OFREP evaluates to true.
  double OfrepPercent() {
    auto c = ts_.Client();
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    int on = 0;
    for (const std::string& id : ids_) {
      const core::Json body{{"context", {{"targetingKey", id}}}};
      auto res =
          c->Post(std::string("/ofrep/v1/evaluate/flags/") + kFeature,
                  {{"Authorization", "Bearer " + client_secret_}}, body.dump(), "application/json");
      if (!res || res->status != 200) {
        ADD_FAILURE() << "OFREP " << (res ? res->status : -1) << " "
                      << (res ? res->body : httplib::to_string(res.error()));
        return -1;
      }
      if (core::Json::parse(res->body).at("value") == true) ++on;
    }
    return 100.0 * on / kIds;
  }

  // Percentage of ids for which the frontend API lists the feature as enabled.
  double FrontendPercent() {
    auto c = ts_.Client();
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    int on = 0;
    for (const std::string& id : ids_) {
      auto res = c->Get("/api/frontend?userId=" + id, {{"Authorization", frontend_secret_}});
      if (!res || res->status != 200) {
        ADD_FAILURE() << "frontend " << (res ? res->status : -1);
        return -1;
      }
      const core::Json body = core::Json::parse(res->body);
      for (const auto& toggle : body.at("toggles")) {
        if (toggle.at("name") == kFeature && toggle.at("enabled") == true) ++on;
      }
    }
    return 100.0 * on / kIds;
  }

  // The managed strategy in the client API's features, or null when it is absent.
  core::Json ManagedStrategyInClientApi() {
    auto res = ts_.Client()->Get("/api/client/features", {{"Authorization", client_secret_}});
    EXPECT_TRUE(res);
    if (!res) return nullptr;
    EXPECT_EQ(res->status, 200) << res->body;
    const core::Json body = core::Json::parse(res->body);
    for (const auto& feature : body.at("features")) {
      if (feature.at("name") != kFeature) continue;
      EXPECT_EQ(feature.at("enabled"), true);
      for (const auto& strategy : feature.at("strategies")) {
        // The managed strategy carries the plan's id; SDK-facing output may leave ids out.
        if (strategy.value("id", "") == rollouts::ManagedStrategyId(kPlan)) return strategy;
        if (strategy.value("name", "") == "flexibleRollout" &&
            strategy.value("parameters", core::Json::object()).value("groupId", "") == kFeature) {
          return strategy;
        }
      }
    }
    return nullptr;
  }

  // Checks every API against `percent` right away (the caller made the transition).
  void ExpectServed(int percent, const std::string& when) {
    SCOPED_TRACE(when);
    const core::Json strategy = ManagedStrategyInClientApi();
    ASSERT_TRUE(strategy.is_object()) << "no managed strategy in /api/client/features";
    EXPECT_EQ(strategy.at("name"), "flexibleRollout");
    const core::Json& params = strategy.at("parameters");
    EXPECT_EQ(params.at("rollout"), std::to_string(percent));
    EXPECT_EQ(params.at("groupId"), kFeature);
    EXPECT_EQ(params.at("stickiness"), "userId");
    const double ofrep = OfrepPercent();
    const double frontend = FrontendPercent();
    EXPECT_NEAR(ofrep, percent, kTolerance) << "OFREP";
    EXPECT_NEAR(frontend, percent, kTolerance) << "frontend API";
    std::cout << "[release plan serving] " << when << ": OFREP " << ofrep << "%, frontend "
              << frontend << "% of " << kIds << " ids" << std::endl;
  }

  // After a transition the server's runner may have made (not this thread): its republish
  // follows its commit, so allow it a second before checking.
  void AwaitClientApiRollout(int percent) {
    for (int i = 0; i < 100; ++i) {
      const core::Json strategy = ManagedStrategyInClientApi();
      if (strategy.is_object() &&
          strategy["parameters"].value("rollout", "") == std::to_string(percent)) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void ExpectServedAfter(bool made_here, int percent, const std::string& when) {
    if (!made_here) {
      std::cout << "[release plan serving] " << when << ": made by the server's runner"
                << std::endl;
      AwaitClientApiRollout(percent);
    }
    ExpectServed(percent, when);
  }

  TestServer ts_;
  std::string client_secret_;
  std::string frontend_secret_;
  std::vector<std::string> ids_;
};

TEST_F(ReleasePlanServingTest, EachMilestoneIsServedRightAfterItsTransition) {
  CreatePlan();
  // Draft: no managed strategy yet.
  EXPECT_TRUE(ManagedStrategyInClientApi().is_null());

  auto started = plans().Act(kAlice, kPlan, rollouts::Action::kStart);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_EQ(started->runtime.state, rollouts::PlanState::kRunning);
  EXPECT_EQ(started->runtime.milestone, 0u);
  ExpectServed(10, "started at 10%");

  // Not yet due: nothing changes.
  AdvanceAndTick(std::chrono::seconds(59));
  EXPECT_EQ(Plan().runtime.milestone, 0u);
  EXPECT_EQ(ManagedStrategyInClientApi()["parameters"]["rollout"], "10");

  bool here = AdvanceAndTick(std::chrono::seconds(1));
  rollouts::ReleasePlan plan = Plan();
  EXPECT_EQ(plan.runtime.state, rollouts::PlanState::kRunning);
  EXPECT_EQ(plan.runtime.milestone, 1u);
  ExpectServedAfter(here, 50, "advanced to 50%");

  here = AdvanceAndTick(std::chrono::seconds(60));
  plan = Plan();
  EXPECT_EQ(plan.runtime.state, rollouts::PlanState::kCompleted);
  EXPECT_EQ(plan.runtime.milestone, 2u);
  ExpectServedAfter(here, 100, "completed at 100%");

  // The history holds each milestone once, in order.
  std::vector<int> rollouts_seen;
  for (const auto& t : plan.runtime.history) rollouts_seen.push_back(t.to.rollout);
  EXPECT_EQ(rollouts_seen, (std::vector<int>{10, 50, 100}));
  // Completed is terminal: later ticks change nothing.
  AdvanceAndTick(std::chrono::seconds(600));
  EXPECT_EQ(Plan().runtime.history.size(), 3u);
}

TEST_F(ReleasePlanServingTest, RollbackServesZeroPercent) {
  CreatePlan();
  ASSERT_TRUE(plans().Act(kAlice, kPlan, rollouts::Action::kStart).ok());
  const bool here = AdvanceAndTick(std::chrono::seconds(60));
  ASSERT_EQ(Plan().runtime.milestone, 1u);
  ExpectServedAfter(here, 50, "advanced to 50%");

  auto rolled_back = plans().Act(kAlice, kPlan, rollouts::Action::kRollback);
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.status().ToString();
  EXPECT_EQ(rolled_back->runtime.state, rollouts::PlanState::kRolledBack);
  ExpectServed(0, "rolled back");
  // The one user the feature's other strategy targets still gets it.
  auto res = ts_.Client()->Get("/api/frontend?userId=vip", {{"Authorization", frontend_secret_}});
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find(kFeature), std::string::npos) << res->body;

  // Rolled back is terminal: the schedule no longer moves it.
  AdvanceAndTick(std::chrono::seconds(600));
  EXPECT_EQ(Plan().runtime.state, rollouts::PlanState::kRolledBack);
  EXPECT_EQ(ManagedStrategyInClientApi()["parameters"]["rollout"], "0");
}

TEST_F(ReleasePlanServingTest, PauseHoldsTheRolloutAndResumeContinues) {
  CreatePlan();
  ASSERT_TRUE(plans().Act(kAlice, kPlan, rollouts::Action::kStart).ok());
  auto paused = plans().Act(kAlice, kPlan, rollouts::Action::kPause);
  ASSERT_TRUE(paused.ok()) << paused.status().ToString();
  AdvanceAndTick(std::chrono::seconds(600));
  EXPECT_EQ(Plan().runtime.state, rollouts::PlanState::kPaused);
  EXPECT_EQ(Plan().runtime.milestone, 0u);
  ExpectServed(10, "paused at 10%");

  // A direct edit of the managed strategy is refused while the plan is paused.
  auto edit = ts_.Client()->Put("/api/v1/flags/checkout-v2/environments/production/strategies",
                                TestServer::Admin(), R"({"strategies": [{"name": "default"}]})",
                                "application/json");
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->status, 409) << edit->body;
  EXPECT_NE(edit->body.find(kPlan), std::string::npos) << edit->body;

  ASSERT_TRUE(plans().Act(kAlice, kPlan, rollouts::Action::kResume).ok());
  const bool here = AdvanceAndTick(std::chrono::seconds(60));
  EXPECT_EQ(Plan().runtime.milestone, 1u);
  ExpectServedAfter(here, 50, "resumed, then advanced to 50%");
}

}  // namespace
}  // namespace gov::api::testing
