// The control loop under a FakeClock with a fake hook on SQLite: hours of simulated time run
// in milliseconds, with no sleeps. Expected replica counts follow the controller's documented rules
// and Kubernetes' HPA (horizontal.go: stabilization windows exclude a recommendation exactly at the
// cutoff; default behavior: scale-up max(4 pods, 100%) per 15 s, scale-down window 300 s).

#include <set>

#include "tests/controller/control_loop_test_util.h"
#include "tests/controller/loop_restart_check.h"

namespace gov::controller::testing {
namespace {

using std::chrono::seconds;

class ControlLoopTest : public RestartableLoopFixture {
 protected:
  // Advances the clock and syncs as `epoch`.
  SyncSummary Step(int64_t epoch, int secs) {
    clock_.Advance(seconds(secs));
    return Sync(epoch);
  }
};

TEST_F(ControlLoopTest, ScalesUpUnderPushedLoadWithRateLimitAndCooldown) {
  Create(WebTarget());
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  SyncSummary first = Sync(epoch);
  EXPECT_EQ(first.synced, 1);
  EXPECT_EQ(first.scaled, 1);
  // No hook reading, no history: minReplicas (3) assumed. cpu ratio 2 -> ceil(2 x 3) = 6,
  // within the scale-up limit max(3 + 4, 2 x 3) = 7.
  core::Json d = Latest("web");
  EXPECT_EQ(d["replicasSource"], "minReplicas");
  EXPECT_EQ(d["currentReplicas"], 3);
  EXPECT_EQ(d["replicas"], 6);
  EXPECT_EQ(d["reason"], "DesiredWithinRange");
  EXPECT_EQ(d["actuation"]["status"], "applied");
  EXPECT_EQ(d["epoch"], epoch);
  ASSERT_EQ(Platform("web")->requests.size(), 1u);
  const ScaleRequest r = Platform("web")->requests[0];  // a copy: the list grows
  EXPECT_EQ(r.from_replicas, 3);
  EXPECT_EQ(r.to_replicas, 6);
  EXPECT_EQ(r.epoch, epoch);
  EXPECT_EQ(r.decision_id, d["id"]);
  EXPECT_EQ(r.reason, "DesiredWithinRange");

  // Scale-up cooldown 60 s: held at 6 while 45, 30, 15 seconds are left.
  for (int left : {45, 30, 15}) {
    Push("web", {{"cpu", 140}, {"rps", 1000}});
    Step(epoch, 15);
    core::Json held = Latest("web");
    EXPECT_EQ(held["currentReplicas"], 6);
    EXPECT_EQ(held["replicasSource"], "lastDecision");
    EXPECT_EQ(held["replicas"], 6);
    EXPECT_EQ(held["reason"], "Cooldown");
    EXPECT_EQ(held["actuation"]["status"], "none");
    bool found = false;
    for (const core::Json& limit : held["decision"]["limits"]) {
      if (limit["kind"] == "Cooldown") {
        EXPECT_EQ(limit["secondsLeft"], left);
        EXPECT_EQ(limit["direction"], "up");
        found = true;
      }
    }
    EXPECT_TRUE(found) << held.dump();
  }
  // 60 s after the scale-up: ceil(2 x 6) = 12, within max(6 + 4, 12).
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Step(epoch, 15);
  EXPECT_EQ(Latest("web")["replicas"], 12);
  ASSERT_EQ(Platform("web")->requests.size(), 2u);
  EXPECT_EQ(Platform("web")->requests[1].from_replicas, 6);
  EXPECT_EQ(Platform("web")->requests[1].to_replicas, 12);
  EXPECT_NE(Platform("web")->requests[1].decision_id, r.decision_id);
  EXPECT_EQ(Decisions("web").size(), 5u);
  auto state = State("web");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->replicas, 12);
  EXPECT_EQ(state->epoch, epoch);
}

TEST_F(ControlLoopTest, ScalesDownAfterTheStabilizationWindowThenWaitsOutTheCooldown) {
  core::Json target = WebTarget();
  target["cooldown"]["scaleDownSeconds"] = 400;
  Create(target);
  auto platform = Platform("web");
  platform->readable = true;
  platform->replicas = 12;
  const int64_t epoch = Lead();
  // cpu 35 of 70 and rps 500 of 1000 at 12 replicas: both propose ceil(0.5 x 12) = 6. The
  // scale-down window (300 s) holds the highest recommendation, starting with the seed {12}.
  for (int t = 0; t < 300; t += 15) {
    Push("web", {{"cpu", 35}, {"rps", 500}});
    if (t > 0) clock_.Advance(seconds(15));
    Sync(epoch);
    core::Json d = Latest("web");
    ASSERT_EQ(d["replicas"], 12) << "t=" << t;
    EXPECT_EQ(d["replicasSource"], "hook");
    EXPECT_EQ(d["reason"], "ScaleDownStabilized") << "t=" << t;
  }
  // At t = 300 the seed sits exactly on the cutoff and drops out: 12 -> 6 (100% per 15 s).
  Push("web", {{"cpu", 35}, {"rps", 500}});
  Step(epoch, 15);
  EXPECT_EQ(Latest("web")["replicas"], 6);
  EXPECT_EQ(platform->replicas, 6);
  // Lighter load: cpu 14 at 6 replicas proposes ceil(0.2 x 6) = 2, clamped to 3. The window
  // holds 6 until t = 600; then the 400 s cooldown (since the scale-down at 300) holds.
  for (int t = 315; t <= 690; t += 15) {
    Push("web", {{"cpu", 14}, {"rps", 200}});
    Step(epoch, 15);
    core::Json d = Latest("web");
    ASSERT_EQ(d["replicas"], 6) << "t=" << t;
    if (t >= 600) {
      EXPECT_EQ(d["reason"], "Cooldown") << "t=" << t;
      EXPECT_EQ(d["decision"]["limits"].back()["secondsLeft"], 700 - t);
    } else {
      EXPECT_EQ(d["reason"], "ScaleDownStabilized") << "t=" << t;
    }
  }
  Push("web", {{"cpu", 14}, {"rps", 200}});
  Step(epoch, 15);  // t = 705: 405 s since the scale-down
  core::Json down = Latest("web");
  EXPECT_EQ(down["replicas"], 3);
  EXPECT_EQ(down["reason"], "TooFewReplicas");
  EXPECT_EQ(platform->replicas, 3);
  ASSERT_EQ(platform->requests.size(), 2u);
}

TEST_F(ControlLoopTest, DryRunDecidesExactlyAsActiveButNeverCallsTheHook) {
  Create(WebTarget("live", "active"));
  Create(WebTarget("shadow", "dryRun"));
  const int64_t epoch = Lead();
  // A load that rises, holds and falls, pushed identically to both targets.
  const std::vector<double> cpu = {140, 140, 140, 140, 160, 160, 90, 90, 40, 40, 40, 40};
  for (size_t i = 0; i < 300; ++i) {
    const double value = cpu[(i / 10) % cpu.size()];
    Push("live", {{"cpu", value}, {"rps", 800}});
    Push("shadow", {{"cpu", value}, {"rps", 800}});
    if (i > 0) clock_.Advance(seconds(15));
    Sync(epoch);
  }
  const std::vector<core::Json> live = Decisions("live");
  const std::vector<core::Json> shadow = Decisions("shadow");
  ASSERT_EQ(live.size(), 200u) << "decisionsKeptPerTarget default";
  ASSERT_EQ(shadow.size(), live.size());
  int changes = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(shadow[i]["currentReplicas"], live[i]["currentReplicas"]) << i;
    EXPECT_EQ(shadow[i]["replicas"], live[i]["replicas"]) << i;
    EXPECT_EQ(shadow[i]["reason"], live[i]["reason"]) << i;
    EXPECT_EQ(shadow[i]["decision"], live[i]["decision"]) << i;
    if (live[i]["replicas"] != live[i]["currentReplicas"]) {
      ++changes;
      EXPECT_EQ(live[i]["actuation"]["status"], "applied");
      EXPECT_EQ(shadow[i]["actuation"]["status"], "dryRun");
      EXPECT_EQ(shadow[i]["mode"], "dryRun");
    }
  }
  EXPECT_GT(changes, 2);
  EXPECT_TRUE(Platform("shadow")->requests.empty());
  EXPECT_EQ(Platform("shadow")->reads, 0);
  EXPECT_EQ(hooks_built_, 1) << "only the active target's hook is built";
  EXPECT_EQ(State("shadow")->replicas, State("live")->replicas);
  EXPECT_EQ(State("shadow")->state_json, State("live")->state_json);
}

TEST_F(ControlLoopTest, SwitchingToActiveStartsFromTheRecordedState) {
  Create(WebTarget("web", "dryRun"));
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Sync(epoch);
  EXPECT_EQ(Latest("web")["actuation"]["status"], "dryRun");
  EXPECT_EQ(State("web")->replicas, 6);

  Replace("web", WebTarget("web", "active"));
  loop_->Invalidate();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Step(epoch, 15);
  // The dry-run scale-up at t = 0 counts: current 6 (recorded), cooldown 45 s left.
  core::Json d = Latest("web");
  EXPECT_EQ(d["mode"], "active");
  EXPECT_EQ(d["currentReplicas"], 6);
  EXPECT_EQ(d["reason"], "Cooldown");
  EXPECT_TRUE(Platform("web")->requests.empty());
  for (int i = 0; i < 3; ++i) {
    Push("web", {{"cpu", 140}, {"rps", 1000}});
    Step(epoch, 15);
  }
  ASSERT_EQ(Platform("web")->requests.size(), 1u);
  EXPECT_EQ(Platform("web")->requests[0].from_replicas, 6);
  EXPECT_EQ(Platform("web")->requests[0].to_replicas, 12);
}

TEST_F(ControlLoopTest, AFailingHookNeverCountsAsAScaleAndTheNextSyncRetries) {
  Create(WebTarget());
  auto platform = Platform("web");
  platform->readable = true;
  platform->replicas = 3;
  platform->fail_scales = 1;
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  SyncSummary s = Sync(epoch);
  EXPECT_EQ(s.scaled, 0);
  EXPECT_EQ(s.hook_failures, 1);
  core::Json failed = Latest("web");
  EXPECT_EQ(failed["replicas"], 6);
  EXPECT_EQ(failed["actuation"]["status"], "failed");
  EXPECT_EQ(failed["actuation"]["error"], "scale: http://hook.test/scale answered 503");
  core::Json conditions = ConditionsFromRecord(failed).value();
  EXPECT_EQ(conditions[0]["type"], "AbleToScale");
  EXPECT_EQ(conditions[0]["status"], "False");
  EXPECT_EQ(conditions[0]["reason"], "FailedUpdateScale");
  // Governor still believes 3 replicas, with no scale event and no cooldown started.
  EXPECT_EQ(State("web")->replicas, 3);
  EXPECT_EQ(State("web")->desired_replicas, 6);
  EXPECT_EQ(core::ParseJson(State("web")->state_json)->at("lastScaleUp"), nullptr);

  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Step(epoch, 15);
  core::Json retried = Latest("web");
  EXPECT_EQ(retried["currentReplicas"], 3);
  EXPECT_EQ(retried["replicasSource"], "hook");
  EXPECT_EQ(retried["replicas"], 6);
  EXPECT_EQ(retried["actuation"]["status"], "applied");
  ASSERT_EQ(platform->requests.size(), 2u);
  EXPECT_EQ(platform->requests[1].from_replicas, 3);
  EXPECT_NE(platform->requests[1].decision_id, platform->requests[0].decision_id);
  EXPECT_EQ(platform->replicas, 6);
}

// A hook that cannot read the platform (webhook, exec, pull): after a failed call Governor
// keeps the count the last applied decision set, starts no cooldown, and retries at once.
TEST_F(ControlLoopTest, AFailingHookThatCannotReadRetriesFromTheLastAppliedCount) {
  Create(WebTarget());
  auto platform = Platform("web");  // not readable
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Sync(epoch);  // 3 -> 6, applied
  for (int i = 0; i < 3; ++i) {
    Push("web", {{"cpu", 140}, {"rps", 1000}});
    Step(epoch, 15);  // cooldown
  }
  platform->fail_scales = 1;
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  SyncSummary s = Step(epoch, 15);  // t = 60: 6 -> 12 fails
  EXPECT_EQ(s.hook_failures, 1);
  EXPECT_EQ(s.scaled, 0);
  core::Json failed = Latest("web");
  EXPECT_EQ(failed["replicas"], 12);
  EXPECT_EQ(failed["actuation"]["status"], "failed");
  EXPECT_EQ(State("web")->replicas, 6);
  EXPECT_EQ(State("web")->desired_replicas, 12);

  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Step(epoch, 15);  // t = 75: no cooldown from the failed call
  core::Json retried = Latest("web");
  EXPECT_EQ(retried["replicasSource"], "lastDecision");
  EXPECT_EQ(retried["currentReplicas"], 6);
  EXPECT_EQ(retried["replicas"], 12);
  EXPECT_EQ(retried["actuation"]["status"], "applied");
  ASSERT_EQ(platform->requests.size(), 3u);
  EXPECT_EQ(platform->requests[2].from_replicas, 6);
  EXPECT_EQ(platform->requests[2].to_replicas, 12);
  EXPECT_EQ(State("web")->replicas, 12);
}

TEST_F(ControlLoopTest, AHookThatFailedAfterApplyingIsCorrectedByTheHooksReading) {
  Create(WebTarget());
  auto platform = Platform("web");
  platform->readable = true;
  platform->replicas = 3;
  platform->fail_scales = 1;
  platform->apply_on_failure = true;  // e.g. the response timed out after the change
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Sync(epoch);
  EXPECT_EQ(State("web")->replicas, 3);
  // The next sync reads the real count (6) and decides from it: cpu at 6 replicas is pushed
  // at 70 -> within tolerance -> no change, no second call.
  Push("web", {{"cpu", 70}, {"rps", 1000}});
  Step(epoch, 15);
  core::Json d = Latest("web");
  EXPECT_EQ(d["currentReplicas"], 6);
  EXPECT_EQ(d["replicas"], 6);
  EXPECT_EQ(platform->requests.size(), 1u);
}

TEST_F(ControlLoopTest, ARestartedLoopContinuesCooldownsAndStabilization) {
  Create(WebTarget());
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Sync(epoch);
  EXPECT_EQ(Platform("web")->requests.size(), 1u);

  Open();  // a new process: nothing cached
  const int64_t epoch2 = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Step(epoch2, 15);
  core::Json d = Latest("web");
  EXPECT_EQ(d["currentReplicas"], 6);
  EXPECT_EQ(d["reason"], "Cooldown");
  EXPECT_EQ(d["epoch"], epoch2);
  EXPECT_EQ(Platform("web")->requests.size(), 1u);
  // The stored scale-down window also survives: a drop in load right after does not scale
  // down (recommendations of 6 and 12 are in the window).
  Open();
  for (int i = 0; i < 4; ++i) {
    Push("web", {{"cpu", 140}, {"rps", 1000}});
    Step(epoch2, 15);
  }
  EXPECT_EQ(Latest("web")["replicas"], 12);
  Open();
  Push("web", {{"cpu", 35}, {"rps", 100}});
  Step(epoch2, 15);
  core::Json held = Latest("web");
  EXPECT_EQ(held["replicas"], 12);
  EXPECT_EQ(held["reason"], "ScaleDownStabilized");
}

// The whole controller as `serve` wires it, restarted on a new connection (on PostgreSQL in
// control_loop_pgtest.cc).
TEST_F(ControlLoopTest, ARestartedServiceOnTheSameDatabaseContinuesCooldownAndStabilization) {
  ExpectARestartedServiceContinuesCooldownAndStabilization(*this);
}

TEST_F(ControlLoopTest, ANewTargetSyncsOnItsFirstRunAndAtItsOwnPeriod) {
  Create(WebTarget("fast"));
  core::Json slow = WebTarget("slow");
  slow["syncPeriodSeconds"] = 60;
  Create(slow);
  const int64_t epoch = Lead();
  int fast_syncs = 0, slow_syncs = 0;
  for (int t = 0; t < 600; t += 5) {
    if (t > 0) clock_.Advance(seconds(5));
    Sync(epoch);
  }
  fast_syncs = static_cast<int>(Decisions("fast").size());
  slow_syncs = static_cast<int>(Decisions("slow").size());
  EXPECT_EQ(fast_syncs, 40);  // t = 0, 15, ..., 585
  EXPECT_EQ(slow_syncs, 10);  // t = 0, 60, ..., 540
  ASSERT_TRUE(loop_->NextDue().has_value());
  EXPECT_EQ(*loop_->NextDue(), core::FromUnixSeconds(1'700'000'000 + 600));
}

TEST_F(ControlLoopTest, TargetChangesReachTheLoopAfterInvalidate) {
  Create(WebTarget("a"));
  const int64_t epoch = Lead();
  Sync(epoch);
  Create(WebTarget("b"));
  loop_->Invalidate();
  clock_.Advance(seconds(1));
  EXPECT_EQ(Sync(epoch).synced, 1) << "b is new, a is not due";
  ASSERT_TRUE(service().Delete({"test", "r"}, "a", std::nullopt).ok());
  loop_->Invalidate();
  clock_.Advance(seconds(30));
  EXPECT_EQ(Sync(epoch).synced, 1) << "only b";
}

TEST_F(ControlLoopTest, AHookThatCannotBeBuiltFailsTheActuationAndIsRetried) {
  int builds = 0;
  loop_ = std::make_unique<ControlLoop>(
      db(), clock_, *router_,
      [&](const TargetSpec& spec) -> core::StatusOr<std::unique_ptr<Hook>> {
        if (++builds == 1)
          return core::InvalidArgument("GOV_SECRET is not set", "hook.webhook.secretEnv");
        return std::unique_ptr<Hook>(std::make_unique<FakeHook>(Platform(spec.name)));
      },
      nullptr, ControlLoopOptions{.id_seed = 7});
  Create(WebTarget());
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  EXPECT_EQ(Sync(epoch).hook_failures, 1);
  core::Json failed = Latest("web");
  EXPECT_EQ(failed["actuation"]["status"], "failed");
  EXPECT_EQ(failed["actuation"]["error"], "hook configuration: GOV_SECRET is not set");
  EXPECT_EQ(State("web")->replicas, 3);
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Step(epoch, 15);
  EXPECT_EQ(Latest("web")["actuation"]["status"], "applied");
  EXPECT_EQ(builds, 2);
  ASSERT_EQ(Platform("web")->requests.size(), 1u);
  EXPECT_EQ(Platform("web")->requests[0].to_replicas, 6);
}

TEST_F(ControlLoopTest, FailedGetScaleDecidesNothingAndTheNextSyncReadsAgain) {
  Create(WebTarget());
  auto platform = Platform("web");
  platform->readable = true;
  platform->replicas = 4;
  platform->fail_reads = 1;
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  SyncSummary s = Sync(epoch);
  EXPECT_EQ(s.hook_failures, 1);
  core::Json d = Latest("web");
  EXPECT_EQ(d["reason"], "FailedGetScale");
  EXPECT_EQ(d["actuation"]["error"], "read replicas: platform API down");
  EXPECT_TRUE(platform->requests.empty());
  EXPECT_EQ(ConditionsFromRecord(d).value()[0]["reason"], "FailedGetScale");
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  Step(epoch, 15);
  EXPECT_EQ(Latest("web")["currentReplicas"], 4);
  EXPECT_EQ(Latest("web")["replicas"], 8);  // ceil(2 x 4), within max(4 + 4, 8)
}

TEST_F(ControlLoopTest, StalePushedMetricsAreMissingAndNeverScaleDown) {
  Create(WebTarget());
  auto platform = Platform("web");
  platform->readable = true;
  platform->replicas = 10;
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 10}, {"rps", 100}});
  Sync(epoch);
  // t = 30: the samples are exactly 2 x 15 s old and still count.
  Step(epoch, 30);
  EXPECT_EQ(Latest("web")["metrics"][0]["value"], 10.0);
  // t = 45: older than 2 x syncPeriodSeconds -> missing; never a scale-down on missing data.
  Step(epoch, 15);
  core::Json d = Latest("web");
  EXPECT_EQ(d["reason"], "MissingMetrics");
  EXPECT_EQ(d["replicas"], 10);
  EXPECT_EQ(d["metrics"][0]["value"], nullptr);
  EXPECT_EQ(d["metrics"][0]["error"], "no sample pushed in the last 30 s");
  EXPECT_EQ(ConditionsFromRecord(d).value()[1]["reason"], "FailedGetMetrics");
  // One metric missing while the other asks for a scale-up: scale up (rps 2000 at 10 -> 20).
  clock_.Advance(seconds(285));  // past the scale-down window, so only the rule decides
  Push("web", {{"rps", 2000}});
  Sync(epoch);
  core::Json up = Latest("web");
  EXPECT_EQ(up["replicas"], 20);
  EXPECT_EQ(up["metrics"][0]["value"], nullptr);
  EXPECT_TRUE(platform->requests.size() == 1u && platform->requests[0].to_replicas == 20);
}

TEST_F(ControlLoopTest, PerInstanceSamplesAreAveraged) {
  Create(WebTarget());
  Platform("web")->readable = true;
  Platform("web")->replicas = 4;
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 100}, {"rps", 1000}}, "pod-1");
  Push("web", {{"cpu", 60}, {"rps", 1000}}, "pod-2");
  Push("web", {{"cpu", 50}, {"rps", 1000}}, "pod-3");
  Push("web", {{"cpu", 70}, {"rps", 1000}}, "pod-4");
  Sync(epoch);
  core::Json d = Latest("web");
  EXPECT_EQ(d["metrics"][0]["value"], 70.0);
  EXPECT_EQ(d["metrics"][0]["instances"], 4);
  EXPECT_EQ(d["replicas"], 4);
}

// Found by the README walkthrough: a push landing while the sync waited on Prometheus replaced
// the instance's sample with one newer than the sync's `now`, and the metric read as missing.
TEST_F(ControlLoopTest, ASampleNewerThanTheSyncStillCounts) {
  Create(WebTarget());
  const int64_t epoch = Lead();
  const double ahead = core::ToUnixSeconds(clock_.Now()) + 0.5;
  auto pushed = service().PushMetrics(
      "web", {{"samples",
               {{{"metric", "cpu"}, {"value", 140}, {"timestamp", ahead}},
                {{"metric", "rps"}, {"value", 1000}, {"timestamp", ahead}}}}});
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  Sync(epoch);
  EXPECT_EQ(Latest("web")["metrics"][0]["value"], 140.0);
  EXPECT_EQ(Latest("web")["replicas"], 6);
}

TEST_F(ControlLoopTest, PrometheusMetricsAreQueriedAndTheirErrorsRecorded) {
  core::Json target = WebTarget();
  target["metrics"][0]["source"] = {{"prometheus", {{"query", "avg(cpu)"}}}};
  Create(target);
  prometheus_.values["avg(cpu)"] = 105;  // ratio 1.5 at 3 -> ceil(4.5) = 5
  const int64_t epoch = Lead();
  Push("web", {{"rps", 1000}});
  Sync(epoch);
  core::Json d = Latest("web");
  EXPECT_EQ(d["metrics"][0]["source"], "prometheus");
  EXPECT_EQ(d["metrics"][0]["value"], 105.0);
  EXPECT_EQ(d["replicas"], 5);
  prometheus_.values.clear();
  Push("web", {{"rps", 1000}});
  Step(epoch, 15);
  EXPECT_EQ(Latest("web")["metrics"][0]["error"], "prometheus: the query returned no series");
}

TEST_F(ControlLoopTest, ALoopWhoseEpochIsNoLongerCurrentWritesNothing) {
  Create(WebTarget());
  const int64_t old_epoch = Lead();
  const int64_t new_epoch = Lead();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  auto s = loop_->SyncDue(old_epoch);
  EXPECT_EQ(s.status().code(), core::StatusCode::kConflict);
  EXPECT_TRUE(Decisions("web").empty());
  EXPECT_TRUE(Platform("web")->requests.empty());
  loop_->Reset();
  EXPECT_EQ(Sync(new_epoch).scaled, 1);
}

TEST_F(ControlLoopTest, AbandonedPendingDecisionsBecomeUnknownForTheNextLeader) {
  Create(WebTarget());
  const int64_t epoch = Lead();
  // A decision left pending by a leader that died between calling the hook and recording.
  store::DecisionRecord pending;
  pending.id = "d-left";
  pending.target = "web";
  pending.at = clock_.Now();
  pending.epoch = epoch;
  pending.actuation = store::Actuation::kPending;
  pending.record_json = "{}";
  ASSERT_TRUE(store::WithTransaction(db(), store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                return store::DecisionRepository::Insert(tx, pending).status();
              }).ok());
  LeaderElector elector(db(), clock_, "next");
  auto l = elector.Check();
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->leader);
  EXPECT_TRUE(l->acquired_now);
  EXPECT_EQ(l->epoch, epoch + 1);
  core::Json d = Latest("web");
  EXPECT_EQ(d["actuation"]["status"], "unknown");
}

// Six hours of a daily-shaped load on the reference target, synced every 15 s with the clock
// moving in 5 s steps. The invariants are the rules themselves: bounds, rate limits, cooldowns.
TEST_F(ControlLoopTest, HoursOfSimulatedTimeObeyBoundsRateLimitsAndCooldowns) {
  Create(WebTarget());
  auto platform = Platform("web");
  platform->readable = true;
  platform->replicas = 3;
  const int64_t epoch = Lead();
  const core::TimePoint start = clock_.Now();
  std::optional<core::TimePoint> last_up, last_action;
  int ups = 0, downs = 0;
  size_t seen = 0;
  for (int t = 0; t <= 6 * 3600; t += 5) {
    if (t > 0) clock_.Advance(seconds(5));
    // Demand in "percent of one replica": a ramp from 100 to 2800 and back over 6 hours.
    const double phase = static_cast<double>(t) / (6 * 3600);
    const double demand = 100 + 2700 * (phase < 0.5 ? 2 * phase : 2 * (1 - phase));
    if (t % 15 == 0) {
      Push("web",
           {{"cpu", demand / platform->replicas}, {"rps", 10 * demand / platform->replicas}});
    }
    const int before = platform->replicas;
    Sync(epoch);
    ASSERT_GE(platform->replicas, 3);
    ASSERT_LE(platform->replicas, 50);
    if (platform->requests.size() == seen) continue;
    seen = platform->requests.size();
    const core::TimePoint now = clock_.Now();
    const int after = platform->replicas;
    if (after > before) {
      ++ups;
      ASSERT_LE(after - before, std::max(4, before)) << "max(4 pods, 100%) per 15 s";
      if (last_up) {
        ASSERT_GE(now - *last_up, seconds(60)) << "scale-up cooldown";
      }
      last_up = now;
    } else {
      ++downs;
      if (last_action) {
        ASSERT_GE(now - *last_action, seconds(300)) << "scale-down cooldown";
      }
    }
    last_action = now;
  }
  EXPECT_GT(ups, 5);
  EXPECT_GT(downs, 3);
  EXPECT_EQ(clock_.Now() - start, seconds(6 * 3600));
  // 1441 syncs; every 20th prunes to the newest 200 (the 1440th last), then one more.
  EXPECT_EQ(Decisions("web").size(), 201u);
  auto latest = Latest("web");
  EXPECT_EQ(latest["at"], "2023-11-15T04:13:20.000Z");
}

}  // namespace
}  // namespace gov::controller::testing
