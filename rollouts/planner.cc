#include "rollouts/planner.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <variant>

#include "core/time_format.h"
#include "experiments/stats/srm.h"

namespace gov::rollouts {

namespace {

std::string Number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

std::string Percent(double fraction) { return Number(fraction * 100) + "%"; }

bool IsLast(const ReleasePlanSpec& spec, size_t milestone) {
  return milestone + 1 >= spec.milestones.size();
}

void ResetGuardrails(const ReleasePlanSpec& spec, PlanRuntime& runtime) {
  runtime.guardrails.clear();
  for (const Guardrail& g : spec.guardrails) {
    runtime.guardrails.push_back(NewGuardrailState(g.name));
  }
}

// Moves `runtime` to `state` at `milestone`, records the transition and returns it.
Transition Move(const ReleasePlanSpec& spec, PlanRuntime& runtime, PlanEvent event, PlanState state,
                size_t milestone, Cause cause, core::TimePoint now) {
  Transition t;
  t.at = now;
  t.event = event;
  t.from = CurrentPosition(spec, runtime);
  const bool new_window = event == PlanEvent::kStarted || event == PlanEvent::kResumed ||
                          event == PlanEvent::kSteppedBack;
  if (milestone != runtime.milestone || new_window) runtime.milestone_started_at = now;
  runtime.state = state;
  runtime.milestone = milestone;
  if (new_window) ResetGuardrails(spec, runtime);
  t.to = CurrentPosition(spec, runtime);
  t.cause = std::move(cause);
  runtime.history.push_back(t);
  return t;
}

// The next milestone, completing the plan when it is the last.
Transition Advance(const ReleasePlanSpec& spec, PlanRuntime& runtime, Cause cause,
                   core::TimePoint now) {
  const size_t next = runtime.milestone + 1;
  if (IsLast(spec, next)) {
    return Move(spec, runtime, PlanEvent::kCompleted, PlanState::kCompleted, next, std::move(cause),
                now);
  }
  return Move(spec, runtime, PlanEvent::kAdvanced, PlanState::kRunning, next, std::move(cause),
              now);
}

Transition Breach(const ReleasePlanSpec& spec, PlanRuntime& runtime, Cause cause,
                  core::TimePoint now) {
  switch (spec.on_breach) {
    case OnBreach::kPause:
      return Move(spec, runtime, PlanEvent::kPaused, PlanState::kPaused, runtime.milestone,
                  std::move(cause), now);
    case OnBreach::kPreviousMilestone:
      if (runtime.milestone > 0) {
        return Move(spec, runtime, PlanEvent::kSteppedBack, PlanState::kRunning,
                    runtime.milestone - 1, std::move(cause), now);
      }
      break;
    case OnBreach::kRollback:
      break;
  }
  return Move(spec, runtime, PlanEvent::kRolledBack, PlanState::kRolledBack, runtime.milestone,
              std::move(cause), now);
}

Cause GuardrailCause(const Guardrail& g, const GuardrailState& s,
                     const std::optional<experiments::Direction>& direction) {
  Cause c;
  c.kind = CauseKind::kGuardrail;
  c.guardrail = g.name;
  c.value = s.value;
  c.since = s.since;
  if (const auto* p = std::get_if<PrometheusGuardrail>(&g.check)) {
    c.threshold = p->threshold;
    c.message = g.name + " = " + (s.value ? Number(*s.value) : "?") + ", " +
                std::string(NameOf(kComparisonNames, p->comparison)) + " " + Number(p->threshold) +
                " for " + std::to_string(p->for_duration.count()) + " s";
  } else {
    const auto& m = std::get<MetricGuardrail>(g.check);
    const double threshold =
        MetricThreshold(m, direction.value_or(experiments::Direction::kHigherIsBetter));
    c.threshold = threshold;
    c.message = m.metric + ": relative effect " + (s.value ? Percent(*s.value) : "?") +
                ", confidence sequence [" + (s.ci_low ? Percent(*s.ci_low) : "?") + ", " +
                (s.ci_high ? Percent(*s.ci_high) : "?") + "] lies beyond " + Percent(threshold);
  }
  return c;
}

}  // namespace

std::vector<GuardrailState> AlignGuardrails(const ReleasePlanSpec& spec,
                                            const std::vector<GuardrailState>& states) {
  std::vector<GuardrailState> out;
  out.reserve(spec.guardrails.size());
  for (const Guardrail& g : spec.guardrails) {
    auto it = std::find_if(states.begin(), states.end(),
                           [&](const GuardrailState& s) { return s.name == g.name; });
    out.push_back(it != states.end() ? *it : NewGuardrailState(g.name));
  }
  return out;
}

std::optional<core::TimePoint> ScheduledAdvanceAt(const ReleasePlanSpec& spec,
                                                  const PlanRuntime& runtime) {
  if (runtime.state != PlanState::kRunning || runtime.milestone >= spec.milestones.size() ||
      IsLast(spec, runtime.milestone)) {
    return std::nullopt;
  }
  const Milestone& m = spec.milestones[runtime.milestone];
  if (m.advance_at) return m.advance_at;
  if (m.advance_after && runtime.milestone_started_at) {
    return *runtime.milestone_started_at + *m.advance_after;
  }
  return std::nullopt;
}

StepResult Step(const ReleasePlanSpec& spec, const PlanRuntime& runtime, const Observations& obs,
                core::TimePoint now) {
  StepResult out;
  out.runtime = runtime;
  PlanRuntime& rt = out.runtime;
  rt.guardrails = AlignGuardrails(spec, rt.guardrails);

  // Record the observations; remember each metric guardrail's direction for its cause.
  std::vector<std::optional<experiments::Direction>> directions(spec.guardrails.size());
  for (size_t i = 0; i < spec.guardrails.size(); ++i) {
    const Guardrail& g = spec.guardrails[i];
    if (const auto* p = std::get_if<PrometheusGuardrail>(&g.check)) {
      if (auto it = obs.prometheus.find(g.name); it != obs.prometheus.end()) {
        rt.guardrails[i] = ObservePrometheus(*p, rt.guardrails[i], it->second);
      }
    } else if (auto it = obs.metrics.find(g.name); it != obs.metrics.end()) {
      directions[i] = it->second.metric.direction;
      rt.guardrails[i] = EvaluateMetric(std::get<MetricGuardrail>(g.check), rt.guardrails[i],
                                        it->second, now, obs.metric_test);
    }
  }
  if (rt.state != PlanState::kRunning || rt.milestone >= spec.milestones.size()) return out;

  // 1. A breached guardrail.
  for (size_t i = 0; i < spec.guardrails.size(); ++i) {
    if (rt.guardrails[i].status != GuardrailStatus::kBreached) continue;
    Cause cause = GuardrailCause(spec.guardrails[i], rt.guardrails[i], directions[i]);
    out.transition = Breach(spec, rt, std::move(cause), now);
    break;
  }
  // 2. A Prometheus guardrail failing for too long.
  for (size_t i = 0; !out.transition && i < spec.guardrails.size(); ++i) {
    const auto* p = std::get_if<PrometheusGuardrail>(&spec.guardrails[i].check);
    if (!p || !ErrorTooLong(*p, rt.guardrails[i], now)) continue;
    Cause cause;
    cause.kind = CauseKind::kGuardrailError;
    cause.guardrail = spec.guardrails[i].name;
    cause.since = rt.guardrails[i].error_since;
    cause.message = "the query failed for " + std::to_string(p->for_duration.count()) +
                    " s: " + rt.guardrails[i].error.value_or("");
    out.transition =
        Move(spec, rt, PlanEvent::kPaused, PlanState::kPaused, rt.milestone, std::move(cause), now);
  }
  // 3. A sample-ratio mismatch.
  if (!out.transition && obs.exposures) {
    const int rollout = CurrentRollout(spec, rt);
    if (std::optional<SampleRatioCheck> srm = CheckSampleRatio(rollout, *obs.exposures);
        srm && srm->mismatch) {
      Cause cause;
      cause.kind = CauseKind::kSampleRatioMismatch;
      cause.value = srm->p_value;
      cause.threshold = experiments::stats::kSrmThreshold;
      cause.since = rt.milestone_started_at;
      cause.message = std::to_string(obs.exposures->exposed) + " of " +
                      std::to_string(obs.exposures->exposed + obs.exposures->unexposed) +
                      " units exposed (" + Percent(srm->observed_share) + "), expected " +
                      std::to_string(rollout) + "%";
      out.transition = Move(spec, rt, PlanEvent::kPaused, PlanState::kPaused, rt.milestone,
                            std::move(cause), now);
    }
  }
  // 4. A due advance.
  if (!out.transition) {
    if (std::optional<core::TimePoint> due = ScheduledAdvanceAt(spec, rt)) {
      const Milestone& m = spec.milestones[rt.milestone];
      const int64_t exposed = obs.exposures ? obs.exposures->exposed : 0;
      if (now < *due) {
        out.next_transition_at = due;
      } else if (m.min_exposures && exposed < *m.min_exposures) {
        out.hold = "minExposures: " + std::to_string(exposed) + " of " +
                   std::to_string(*m.min_exposures) + " units exposed";
      } else {
        Cause cause;
        cause.kind = CauseKind::kSchedule;
        cause.since = due;
        cause.message = m.advance_at ? "advanceAt " + core::FormatRfc3339(*m.advance_at) + " passed"
                                     : "advanceAfterSeconds " +
                                           std::to_string(m.advance_after->count()) + " elapsed";
        out.transition = Advance(spec, rt, std::move(cause), now);
      }
    }
  }
  if (out.transition) out.next_transition_at = ScheduledAdvanceAt(spec, rt);
  if (rt.state == PlanState::kRunning) {
    for (size_t i = 0; i < spec.guardrails.size(); ++i) {
      const auto* p = std::get_if<PrometheusGuardrail>(&spec.guardrails[i].check);
      if (!p) continue;
      const core::TimePoint next = NextEvaluationAt(*p, rt.guardrails[i]);
      if (!out.next_evaluation_at || next < *out.next_evaluation_at) out.next_evaluation_at = next;
    }
  }
  return out;
}

core::StatusOr<StepResult> ApplyAction(const ReleasePlanSpec& spec, const PlanRuntime& runtime,
                                       Action action, const std::string& actor,
                                       core::TimePoint now) {
  const auto refuse = [&](std::string_view allowed) {
    return core::FailedPrecondition("cannot " + std::string(NameOf(kActionNames, action)) +
                                    " a plan that is " +
                                    std::string(NameOf(kPlanStateNames, runtime.state)) +
                                    " (only " + std::string(allowed) + ")");
  };
  if (spec.milestones.empty()) return core::FailedPrecondition("the plan has no milestones");
  StepResult out;
  out.runtime = runtime;
  PlanRuntime& rt = out.runtime;
  rt.guardrails = AlignGuardrails(spec, rt.guardrails);
  Cause cause;
  cause.kind = CauseKind::kManual;
  cause.actor = actor;
  cause.message = std::string(NameOf(kActionNames, action)) + " by " + actor;
  switch (action) {
    case Action::kStart:
      if (rt.state != PlanState::kDraft) return refuse("a draft can start");
      out.transition =
          IsLast(spec, 0)
              ? Move(spec, rt, PlanEvent::kCompleted, PlanState::kCompleted, 0, cause, now)
              : Move(spec, rt, PlanEvent::kStarted, PlanState::kRunning, 0, cause, now);
      break;
    case Action::kPause:
      if (rt.state != PlanState::kRunning) return refuse("a running plan can pause");
      out.transition =
          Move(spec, rt, PlanEvent::kPaused, PlanState::kPaused, rt.milestone, cause, now);
      break;
    case Action::kResume:
      if (rt.state != PlanState::kPaused) return refuse("a paused plan can resume");
      out.transition =
          Move(spec, rt, PlanEvent::kResumed, PlanState::kRunning, rt.milestone, cause, now);
      break;
    case Action::kAdvance:
      if (rt.state != PlanState::kRunning) return refuse("a running plan can advance");
      out.transition = Advance(spec, rt, cause, now);
      break;
    case Action::kRollback:
      if (rt.state != PlanState::kRunning && rt.state != PlanState::kPaused) {
        return refuse("a running or paused plan can roll back");
      }
      out.transition =
          Move(spec, rt, PlanEvent::kRolledBack, PlanState::kRolledBack, rt.milestone, cause, now);
      break;
  }
  out.next_transition_at = ScheduledAdvanceAt(spec, rt);
  return out;
}

}  // namespace gov::rollouts
