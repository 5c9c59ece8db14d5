#pragma once

// Guardrail evaluation, pure: each function takes a guardrail, what it saw before
// (GuardrailState) and a new observation, and returns the new state. The caller runs the
// queries and aggregations (I/O) and the planner (rollouts/planner.h) acts on the states.

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"
#include "experiments/model.h"
#include "experiments/stats/analysis.h"
#include "experiments/unit_aggregation.h"
#include "rollouts/model.h"

namespace gov::rollouts {

// ---- Prometheus -----------------------------------------------------------------------------

// One evaluation of an instant query at `at`: its value, or the error that prevented one.
struct PrometheusObservation {
  core::TimePoint at{};
  std::optional<double> value;
  std::string error;  // set when the query failed (`value` is then ignored)
};

// The state after `observation`. A value beyond the threshold (> above, < below) starts or
// continues a run: breaching, and breached once the run lasts the guardrail's forSeconds
// (at once when forSeconds is 0); a value within bounds ends the run (ok). NaN (Prometheus'
// answer for 0/0, e.g. no traffic yet) counts as within bounds: no data is no evidence of
// harm. An error is not a breach: the status is error, the run of values beyond the threshold
// is kept (not ended), and the run of errors starts or continues (see ErrorTooLong).
GuardrailState ObservePrometheus(const PrometheusGuardrail& guardrail, const GuardrailState& state,
                                 const PrometheusObservation& observation);

// True when the guardrail's query has failed without a break for its forSeconds at `now`:
// the plan pauses.
bool ErrorTooLong(const PrometheusGuardrail& guardrail, const GuardrailState& state,
                  core::TimePoint now);

// When the query is next due: the last evaluation plus the evaluation interval; the epoch
// (always due) before the first evaluation.
core::TimePoint NextEvaluationAt(const PrometheusGuardrail& guardrail, const GuardrailState& state);

// ---- Experiment metric ----------------------------------------------------------------------

// The sequential test's settings: always-valid two-sided confidence sequences at 1 - alpha.
struct MetricTestOptions {
  double alpha = 0.05;
  double tuning_parameter = experiments::stats::kDefaultSequentialTuningParameter;
};

// The metric's sufficient statistics for the units the managed strategy exposed (treatment)
// and for the other units evaluated (control), as the experiments aggregator keeps them.
struct MetricSample {
  experiments::MetricDefinition metric;  // its type and direction matter
  experiments::SufficientStats exposed;
  experiments::SufficientStats rest;
};

// The bound the relative effect must not cross: -maxRelativeDrop, or +maxRelativeDrop for a
// lower-is-better metric (a rise is the harm).
double MetricThreshold(const MetricGuardrail& guardrail,
                       experiments::Direction direction = experiments::Direction::kHigherIsBetter);

// The state after comparing the exposed units with the rest at `now` (relative effect,
// asymptotic confidence sequence). breached: the whole sequence lies on the bad side of the
// threshold; breaching: the estimate does, the sequence not yet; ok otherwise; error when the
// statistics are degenerate (too few units, zero variance, zero control mean): the message
// says why, and it never pauses the plan (little data is normal early in a release).
// `since` is when the current status began.
GuardrailState EvaluateMetric(const MetricGuardrail& guardrail, const GuardrailState& state,
                              const MetricSample& sample, core::TimePoint now,
                              const MetricTestOptions& options = {});

// ---- Sample-ratio mismatch ------------------------------------------------------------------

// Units evaluated for the feature during the current milestone: those the managed strategy
// exposed and the others.
struct ExposureCounts {
  int64_t exposed = 0;
  int64_t unexposed = 0;
  bool operator==(const ExposureCounts&) const = default;
};

struct SampleRatioCheck {
  double p_value = 1;
  bool mismatch = false;  // p_value < experiments::stats::kSrmThreshold
  double expected_share = 0;
  double observed_share = 0;
};

// Pearson's χ² of {exposed, unexposed} against {rollout, 100 - rollout} percent. nullopt when
// the test does not apply: rollout 0 or 100, or an expected count below 5 (Cochran's rule:
// the χ² approximation needs it, and a 1% milestone's first units would otherwise mismatch).
std::optional<SampleRatioCheck> CheckSampleRatio(int rollout_percent, const ExposureCounts& counts);

}  // namespace gov::rollouts
