#pragma once

// The release plan's decisions, pure: what a plan does at `now` given what its guardrails and
// exposures show (Step), and what a manual action does (ApplyAction). Each returns the new
// runtime with at most one transition and its cause; the caller persists the runtime, writes
// the managed strategy when the rollout changed (rollouts/strategy.h), audits and notifies, in
// one transaction. No I/O, no clock reads.
//
// Step, for a running plan, in order (the first that applies wins):
//   1. a guardrail breached (spec order) -> onBreach: rollback (0%, rolledBack), pause, or
//      previousMilestone (one back and keep running; at the first milestone: rollback);
//   2. a Prometheus guardrail whose query failed for its forSeconds -> pause;
//   3. a sample-ratio mismatch of the milestone's exposures -> pause;
//   4. the milestone's advance is due (advanceAfterSeconds from its start, or advanceAt) and
//      its minExposures were reached -> the next milestone; reaching the last one completes.
// Guardrail trackers start fresh (ok, no history) when the plan starts, resumes or steps back:
// each of those is a new window of evidence. They are kept across an advance, so harm that
// began at one milestone and continues at the next is still counted from its start.
// A plan in any other state only records its guardrail observations.

#include <map>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "rollouts/guardrails.h"
#include "rollouts/model.h"

namespace gov::rollouts {

// What the caller observed for one Step. Guardrails absent from the maps are not re-evaluated
// (their last state stands): the caller evaluates a Prometheus guardrail when it is due
// (NextEvaluationAt) and a metric guardrail as often as it aggregates.
struct Observations {
  std::map<std::string, PrometheusObservation> prometheus;  // by guardrail name
  std::map<std::string, MetricSample> metrics;              // by guardrail name
  // Units evaluated during the current milestone (since milestone_started_at): the exposed
  // count holds the advance for minExposures (absent: 0 exposed), both feed the
  // sample-ratio check.
  std::optional<ExposureCounts> exposures;
  MetricTestOptions metric_test;
};

struct StepResult {
  PlanRuntime runtime;                   // guardrail states updated, the transition applied
  std::optional<Transition> transition;  // also appended to runtime.history
  // When the next scheduled advance is due (nullopt: none scheduled, or held by exposures).
  std::optional<core::TimePoint> next_transition_at;
  // The earliest next evaluation of a Prometheus guardrail (running plans only).
  std::optional<core::TimePoint> next_evaluation_at;
  // Why a due advance waits, e.g. "minExposures: 412 of 1000 units exposed"; "" otherwise.
  std::string hold;
};

// The plan at `now` after `observations` (see the block above).
StepResult Step(const ReleasePlanSpec& spec, const PlanRuntime& runtime,
                const Observations& observations, core::TimePoint now);

// A manual action by `actor` at `now`: start (draft -> running at the first milestone, or
// completed when that is the last), pause (running -> paused), resume (paused -> running; the
// milestone's clock restarts, so advanceAfterSeconds counts from the resume), advance (running
// -> the next milestone, regardless of schedule and minExposures; into the last one
// completes), rollback (running or paused -> rolledBack, 0%). An action the current state does
// not allow is kFailedPrecondition naming the state, e.g. "cannot pause a plan that is draft".
core::StatusOr<StepResult> ApplyAction(const ReleasePlanSpec& spec, const PlanRuntime& runtime,
                                       Action action, const std::string& actor,
                                       core::TimePoint now);

// When the current milestone's scheduled advance is due: for a running plan whose milestone
// has advanceAfterSeconds (from its start) or advanceAt; nullopt otherwise (manual only, or
// not running).
std::optional<core::TimePoint> ScheduledAdvanceAt(const ReleasePlanSpec& spec,
                                                  const PlanRuntime& runtime);

// The runtime's guardrail states aligned with spec.guardrails (by name; a state for a
// guardrail the runtime lacks starts ok), for a runtime stored before the spec changed.
std::vector<GuardrailState> AlignGuardrails(const ReleasePlanSpec& spec,
                                            const std::vector<GuardrailState>& states);

}  // namespace gov::rollouts
