#include "rollouts/planner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace gov::rollouts {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

PrometheusGuardrail Above(double threshold, seconds for_duration) {
  PrometheusGuardrail g;
  g.query = "q";
  g.threshold = threshold;
  g.for_duration = for_duration;
  return g;
}

// 1% for 10 min, 10% for 1 h (and 1,000 exposures), 50% until advanced by hand, 100%.
ReleasePlanSpec Spec(OnBreach on_breach = OnBreach::kRollback) {
  ReleasePlanSpec s;
  s.name = "checkout-v2-prod";
  s.feature = "checkout-v2";
  s.environment = "production";
  s.milestones = {{.rollout = 1, .advance_after = minutes(10)},
                  {.rollout = 10, .advance_after = hours(1), .min_exposures = 1000},
                  {.rollout = 50},
                  {.rollout = 100}};
  s.guardrails = {{"p99", Above(1.0, minutes(5))}, {"errors", Above(0.05, minutes(2))}};
  s.on_breach = on_breach;
  return s;
}

// A plan on a fake clock, driven like the runner drives it.
class PlanHarness {
 public:
  explicit PlanHarness(ReleasePlanSpec spec) : spec_(std::move(spec)), rt_(NewRuntime(spec_)) {}

  StepResult Act(Action action) {
    core::StatusOr<StepResult> r = ApplyAction(spec_, rt_, action, "alice", clock_.Now());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) rt_ = r->runtime;
    return r.ok() ? *r : StepResult{};
  }
  StepResult Tick(const Observations& obs = {}) {
    StepResult r = Step(spec_, rt_, obs, clock_.Now());
    rt_ = r.runtime;
    return r;
  }
  // Observes `value` for `guardrail` now.
  StepResult Observe(const std::string& guardrail, double value) {
    Observations obs;
    obs.prometheus[guardrail] = {.at = clock_.Now(), .value = value};
    return Tick(obs);
  }
  StepResult ObserveError(const std::string& guardrail) {
    Observations obs;
    obs.prometheus[guardrail] = {.at = clock_.Now(), .error = "connection refused"};
    return Tick(obs);
  }

  core::FakeClock clock_;
  ReleasePlanSpec spec_;
  PlanRuntime rt_;
};

Position At(PlanState state, size_t milestone, int rollout) { return {state, milestone, rollout}; }

TEST(RolloutsPlanner, AdvancesOnScheduleAndCompletesAtTheLastMilestone) {
  PlanHarness h(Spec());
  const core::TimePoint t0 = h.clock_.Now();
  StepResult r = h.Act(Action::kStart);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kStarted);
  EXPECT_EQ(r.transition->from, At(PlanState::kDraft, 0, 0));
  EXPECT_EQ(r.transition->to, At(PlanState::kRunning, 0, 1));
  EXPECT_EQ(r.next_transition_at, t0 + minutes(10));

  h.clock_.Advance(minutes(10) - seconds(1));
  r = h.Tick();
  EXPECT_FALSE(r.transition);
  EXPECT_EQ(r.next_transition_at, t0 + minutes(10));

  h.clock_.Advance(seconds(1));
  r = h.Tick();
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kAdvanced);
  EXPECT_EQ(r.transition->to, At(PlanState::kRunning, 1, 10));
  EXPECT_EQ(r.transition->cause.kind, CauseKind::kSchedule);
  EXPECT_EQ(r.transition->cause.message, "advanceAfterSeconds 600 elapsed");
  EXPECT_EQ(h.rt_.milestone_started_at, h.clock_.Now());
  EXPECT_EQ(r.next_transition_at, h.clock_.Now() + hours(1));

  // minExposures holds the advance after the hour until 1,000 units were exposed.
  h.clock_.Advance(hours(1));
  Observations obs;
  obs.exposures = ExposureCounts{412, 3708};
  r = h.Tick(obs);
  EXPECT_FALSE(r.transition);
  EXPECT_FALSE(r.next_transition_at);
  EXPECT_EQ(r.hold, "minExposures: 412 of 1000 units exposed");
  h.clock_.Advance(hours(5));
  obs.exposures = ExposureCounts{1000, 9000};
  r = h.Tick(obs);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->to, At(PlanState::kRunning, 2, 50));
  EXPECT_FALSE(r.next_transition_at);  // manual only

  // A milestone with neither advanceAfterSeconds nor advanceAt waits for a person.
  h.clock_.Advance(hours(24 * 30));
  EXPECT_FALSE(h.Tick().transition);
  r = h.Act(Action::kAdvance);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kCompleted);
  EXPECT_EQ(r.transition->to, At(PlanState::kCompleted, 3, 100));
  EXPECT_EQ(r.transition->cause.kind, CauseKind::kManual);
  EXPECT_EQ(r.transition->cause.actor, "alice");
  EXPECT_EQ(h.rt_.history.size(), 4u);

  // A completed plan stays completed.
  h.clock_.Advance(hours(1));
  EXPECT_FALSE(h.Tick().transition);
}

TEST(RolloutsPlanner, AdvanceAtAndCompletionByTime) {
  ReleasePlanSpec spec = Spec();
  core::FakeClock clock;
  spec.milestones = {{.rollout = 20, .advance_at = clock.Now() + hours(2)}, {.rollout = 100}};
  PlanHarness h(spec);
  h.Act(Action::kStart);
  h.clock_.Advance(hours(2) - seconds(1));
  EXPECT_FALSE(h.Tick().transition);
  h.clock_.Advance(seconds(1));
  StepResult r = h.Tick();
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kCompleted);
  EXPECT_EQ(r.transition->to, At(PlanState::kCompleted, 1, 100));
  EXPECT_EQ(r.transition->cause.kind, CauseKind::kSchedule);
  EXPECT_EQ(r.transition->cause.since, clock.Now() + hours(2));
}

TEST(RolloutsPlanner, ASingleMilestonePlanCompletesWhenStarted) {
  ReleasePlanSpec spec = Spec();
  spec.milestones = {{.rollout = 100}};
  PlanHarness h(spec);
  StepResult r = h.Act(Action::kStart);
  EXPECT_EQ(r.transition->event, PlanEvent::kCompleted);
  EXPECT_EQ(r.transition->to, At(PlanState::kCompleted, 0, 100));
}

// Drives p99 above 1 s from `h`'s current time until breached (5 minutes).
StepResult BreachP99(PlanHarness& h) {
  StepResult r = h.Observe("p99", 1.4);
  EXPECT_FALSE(r.transition);
  EXPECT_EQ(h.rt_.guardrails[0].status, GuardrailStatus::kBreaching);
  h.clock_.Advance(minutes(5));
  return h.Observe("p99", 1.6);
}

TEST(RolloutsPlanner, BreachRollsBack) {
  PlanHarness h(Spec(OnBreach::kRollback));
  h.Act(Action::kStart);
  h.clock_.Advance(minutes(10));
  h.Tick();  // 10%
  h.clock_.Advance(minutes(1));
  const core::TimePoint breach_start = h.clock_.Now();
  StepResult r = BreachP99(h);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kRolledBack);
  EXPECT_EQ(r.transition->from, At(PlanState::kRunning, 1, 10));
  EXPECT_EQ(r.transition->to, At(PlanState::kRolledBack, 1, 0));
  const Cause& c = r.transition->cause;
  EXPECT_EQ(c.kind, CauseKind::kGuardrail);
  EXPECT_EQ(c.guardrail, "p99");
  EXPECT_EQ(c.value, 1.6);
  EXPECT_EQ(c.threshold, 1.0);
  EXPECT_EQ(c.since, breach_start);
  EXPECT_FALSE(r.next_transition_at);
  EXPECT_FALSE(r.next_evaluation_at);
  // Terminal: nothing moves it any more.
  h.clock_.Advance(hours(2));
  EXPECT_FALSE(h.Tick().transition);
  EXPECT_EQ(CurrentRollout(h.spec_, h.rt_), 0);
}

TEST(RolloutsPlanner, BreachPausesAndResumeStartsAFreshWindow) {
  PlanHarness h(Spec(OnBreach::kPause));
  h.Act(Action::kStart);
  StepResult r = BreachP99(h);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kPaused);
  EXPECT_EQ(r.transition->to, At(PlanState::kPaused, 0, 1));
  // Paused: the schedule does not advance it.
  h.clock_.Advance(hours(1));
  EXPECT_FALSE(h.Tick().transition);
  EXPECT_EQ(h.rt_.guardrails[0].status, GuardrailStatus::kBreached);

  r = h.Act(Action::kResume);
  EXPECT_EQ(r.transition->event, PlanEvent::kResumed);
  EXPECT_EQ(r.transition->to, At(PlanState::kRunning, 0, 1));
  EXPECT_EQ(h.rt_.guardrails[0], (GuardrailState{.name = "p99"}));
  EXPECT_EQ(h.rt_.milestone_started_at, h.clock_.Now());
  EXPECT_EQ(r.next_transition_at, h.clock_.Now() + minutes(10));
  // The value is still high: a new five minutes must pass before the next breach.
  h.clock_.Advance(minutes(4));
  EXPECT_FALSE(h.Observe("p99", 1.5).transition);
}

TEST(RolloutsPlanner, BreachStepsBackToThePreviousMilestone) {
  PlanHarness h(Spec(OnBreach::kPreviousMilestone));
  h.Act(Action::kStart);
  h.clock_.Advance(minutes(10));
  h.Tick();
  StepResult r = BreachP99(h);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kSteppedBack);
  EXPECT_EQ(r.transition->from, At(PlanState::kRunning, 1, 10));
  EXPECT_EQ(r.transition->to, At(PlanState::kRunning, 0, 1));
  EXPECT_EQ(h.rt_.milestone_started_at, h.clock_.Now());
  EXPECT_EQ(h.rt_.guardrails[0].status, GuardrailStatus::kOk);  // fresh window
  EXPECT_EQ(r.next_transition_at, h.clock_.Now() + minutes(10));

  // At the first milestone there is nothing to step back to: it rolls back.
  r = BreachP99(h);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kRolledBack);
  EXPECT_EQ(r.transition->to, At(PlanState::kRolledBack, 0, 0));
}

TEST(RolloutsPlanner, BreachingProgressIsKeptAcrossAnAdvance) {
  PlanHarness h(Spec(OnBreach::kPause));
  h.Act(Action::kStart);
  h.clock_.Advance(minutes(8));
  const core::TimePoint breach_start = h.clock_.Now();
  EXPECT_FALSE(h.Observe("p99", 1.4).transition);
  h.clock_.Advance(minutes(2));
  StepResult r = h.Observe("p99", 1.4);  // the schedule advances: 10%
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kAdvanced);
  h.clock_.Advance(minutes(3));
  r = h.Observe("p99", 1.4);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kPaused);
  EXPECT_EQ(r.transition->cause.since, breach_start);
}

TEST(RolloutsPlanner, AGuardrailFailingForItsDurationPauses) {
  PlanHarness h(Spec(OnBreach::kRollback));
  h.Act(Action::kStart);
  const core::TimePoint first_error = h.clock_.Now();
  EXPECT_FALSE(h.ObserveError("errors").transition);
  EXPECT_EQ(h.rt_.guardrails[1].status, GuardrailStatus::kError);
  h.clock_.Advance(minutes(2) - seconds(1));
  EXPECT_FALSE(h.ObserveError("errors").transition);
  h.clock_.Advance(seconds(1));
  StepResult r = h.ObserveError("errors");
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kPaused);  // not the breach action
  EXPECT_EQ(r.transition->cause.kind, CauseKind::kGuardrailError);
  EXPECT_EQ(r.transition->cause.guardrail, "errors");
  EXPECT_EQ(r.transition->cause.since, first_error);
  EXPECT_EQ(r.transition->cause.message, "the query failed for 120 s: connection refused");
}

TEST(RolloutsPlanner, ASampleRatioMismatchPauses) {
  PlanHarness h(Spec(OnBreach::kRollback));
  h.Act(Action::kStart);
  h.clock_.Advance(minutes(10));
  h.Tick();  // 10%
  Observations obs;
  obs.exposures = ExposureCounts{1'000, 9'000};
  EXPECT_FALSE(h.Tick(obs).transition);
  obs.exposures = ExposureCounts{1'200, 8'800};
  StepResult r = h.Tick(obs);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kPaused);
  EXPECT_EQ(r.transition->to, At(PlanState::kPaused, 1, 10));
  EXPECT_EQ(r.transition->cause.kind, CauseKind::kSampleRatioMismatch);
  EXPECT_EQ(r.transition->cause.threshold, 0.001);
  EXPECT_LT(*r.transition->cause.value, 0.001);
  EXPECT_EQ(r.transition->cause.message, "1200 of 10000 units exposed (12%), expected 10%");
}

TEST(RolloutsPlanner, AMetricGuardrailBreachRollsBack) {
  ReleasePlanSpec spec = Spec(OnBreach::kRollback);
  spec.guardrails.push_back({"conversion", MetricGuardrail{"purchase", 0.02}});
  PlanHarness h(spec);
  h.Act(Action::kStart);
  MetricSample sample;
  sample.metric.name = "purchase";
  sample.metric.type = experiments::MetricType::kProportion;
  sample.exposed = {.n = 10'000, .sum = 500, .sum_squares = 500};
  sample.rest = {.n = 10'000, .sum = 1'000, .sum_squares = 1'000};
  Observations obs;
  obs.metrics["conversion"] = sample;
  StepResult r = h.Tick(obs);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->event, PlanEvent::kRolledBack);
  EXPECT_EQ(r.transition->cause.guardrail, "conversion");
  EXPECT_NEAR(*r.transition->cause.value, -0.5, 1e-12);
  EXPECT_EQ(r.transition->cause.threshold, -0.02);
  EXPECT_NE(r.transition->cause.message.find("lies beyond -2%"), std::string::npos)
      << r.transition->cause.message;
}

TEST(RolloutsPlanner, TheFirstBreachedGuardrailInSpecOrderIsTheCause) {
  PlanHarness h(Spec(OnBreach::kPause));
  h.Act(Action::kStart);
  h.spec_.guardrails[0] = {"p99", Above(1.0, seconds(0))};
  h.spec_.guardrails[1] = {"errors", Above(0.05, seconds(0))};
  Observations obs;
  obs.prometheus["errors"] = {.at = h.clock_.Now(), .value = 0.5};
  obs.prometheus["p99"] = {.at = h.clock_.Now(), .value = 2.0};
  StepResult r = h.Tick(obs);
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->cause.guardrail, "p99");
}

TEST(RolloutsPlanner, NextEvaluationIsTheEarliestDueQuery) {
  PlanHarness h(Spec());
  h.spec_.guardrails[1] = {"errors", Above(0.05, minutes(2))};
  std::get<PrometheusGuardrail>(h.spec_.guardrails[1].check).evaluation_interval = seconds(5);
  h.Act(Action::kStart);
  Observations obs;
  obs.prometheus["p99"] = {.at = h.clock_.Now(), .value = 0.1};
  StepResult r = h.Tick(obs);
  EXPECT_EQ(r.next_evaluation_at, core::TimePoint{});  // errors never evaluated: due now
  obs.prometheus["errors"] = {.at = h.clock_.Now(), .value = 0.0};
  r = h.Tick(obs);
  EXPECT_EQ(r.next_evaluation_at, h.clock_.Now() + seconds(5));
}

TEST(RolloutsPlanner, StatesOutsideRunningOnlyRecordObservations) {
  PlanHarness h(Spec());
  StepResult r = h.Observe("p99", 5.0);  // a draft
  EXPECT_FALSE(r.transition);
  EXPECT_EQ(h.rt_.state, PlanState::kDraft);
  EXPECT_EQ(h.rt_.guardrails[0].status, GuardrailStatus::kBreaching);
}

TEST(RolloutsPlanner, AlignsGuardrailStatesWithTheSpec) {
  const ReleasePlanSpec spec = Spec();
  const std::vector<GuardrailState> stored = {
      {.name = "gone", .status = GuardrailStatus::kBreached},
      {.name = "errors", .status = GuardrailStatus::kError}};
  const std::vector<GuardrailState> aligned = AlignGuardrails(spec, stored);
  ASSERT_EQ(aligned.size(), 2u);
  EXPECT_EQ(aligned[0], (GuardrailState{.name = "p99"}));
  EXPECT_EQ(aligned[1].status, GuardrailStatus::kError);
}

// Every action in every state: the event it makes, or the refusal naming the state.
TEST(RolloutsPlanner, ManualActionsInEveryState) {
  struct Row {
    PlanState state;
    Action action;
    std::optional<PlanEvent> event;  // nullopt: refused
    PlanState to = PlanState::kDraft;
    int rollout = 0;
  };
  using PS = PlanState;
  using A = Action;
  using E = PlanEvent;
  const std::vector<Row> rows = {
      {PS::kDraft, A::kStart, E::kStarted, PS::kRunning, 10},
      {PS::kDraft, A::kPause, std::nullopt},
      {PS::kDraft, A::kResume, std::nullopt},
      {PS::kDraft, A::kAdvance, std::nullopt},
      {PS::kDraft, A::kRollback, std::nullopt},
      {PS::kRunning, A::kStart, std::nullopt},
      {PS::kRunning, A::kPause, E::kPaused, PS::kPaused, 10},
      {PS::kRunning, A::kResume, std::nullopt},
      {PS::kRunning, A::kAdvance, E::kAdvanced, PS::kRunning, 50},
      {PS::kRunning, A::kRollback, E::kRolledBack, PS::kRolledBack, 0},
      {PS::kPaused, A::kStart, std::nullopt},
      {PS::kPaused, A::kPause, std::nullopt},
      {PS::kPaused, A::kResume, E::kResumed, PS::kRunning, 10},
      {PS::kPaused, A::kAdvance, std::nullopt},
      {PS::kPaused, A::kRollback, E::kRolledBack, PS::kRolledBack, 0},
      {PS::kCompleted, A::kStart, std::nullopt},
      {PS::kCompleted, A::kPause, std::nullopt},
      {PS::kCompleted, A::kResume, std::nullopt},
      {PS::kCompleted, A::kAdvance, std::nullopt},
      {PS::kCompleted, A::kRollback, std::nullopt},
      {PS::kRolledBack, A::kStart, std::nullopt},
      {PS::kRolledBack, A::kPause, std::nullopt},
      {PS::kRolledBack, A::kResume, std::nullopt},
      {PS::kRolledBack, A::kAdvance, std::nullopt},
      {PS::kRolledBack, A::kRollback, std::nullopt},
  };
  ReleasePlanSpec spec = Spec();
  spec.milestones.erase(spec.milestones.begin());  // 10%, 50%, 100%
  core::FakeClock clock;
  for (const Row& row : rows) {
    PlanRuntime rt = NewRuntime(spec);
    rt.state = row.state;
    rt.milestone_started_at = clock.Now() - minutes(1);
    const std::string name = std::string(NameOf(kPlanStateNames, row.state)) + " " +
                             std::string(NameOf(kActionNames, row.action));
    core::StatusOr<StepResult> r = ApplyAction(spec, rt, row.action, "bob", clock.Now());
    if (!row.event) {
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(r.status().code(), core::StatusCode::kFailedPrecondition) << name;
      EXPECT_NE(r.status().message().find("a plan that is " +
                                          std::string(NameOf(kPlanStateNames, row.state))),
                std::string::npos)
          << name << ": " << r.status().message();
      continue;
    }
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    ASSERT_TRUE(r->transition) << name;
    EXPECT_EQ(r->transition->event, *row.event) << name;
    EXPECT_EQ(r->transition->to.state, row.to) << name;
    EXPECT_EQ(r->transition->to.rollout, row.rollout) << name;
    EXPECT_EQ(r->transition->cause.kind, CauseKind::kManual) << name;
    EXPECT_EQ(r->transition->cause.actor, "bob") << name;
    EXPECT_EQ(r->runtime.history.size(), 1u) << name;
    EXPECT_EQ(r->runtime.history.back(), *r->transition) << name;
  }
}

TEST(RolloutsPlanner, RefusalSaysWhatIsAllowed) {
  const ReleasePlanSpec spec = Spec();
  core::FakeClock clock;
  core::StatusOr<StepResult> r =
      ApplyAction(spec, NewRuntime(spec), Action::kPause, "bob", clock.Now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "cannot pause a plan that is draft (only a running plan can pause)");
}

}  // namespace
}  // namespace gov::rollouts
