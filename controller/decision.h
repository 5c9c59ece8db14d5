#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "controller/behavior.h"
#include "controller/behavior_limits.h"
#include "controller/decision_reason.h"
#include "controller/predictive_planner.h"
#include "controller/target_spec.h"
#include "core/clock.h"

namespace gov::controller {

// The latest value of one of the target's metrics, as the metric source reported it.
struct MetricReading {
  std::string name;             // matches a MetricSpec name
  std::optional<double> value;  // nullopt (or NaN/inf): missing
  // When the value was sampled; older than metric_max_age_seconds at `now` counts as missing.
  std::optional<core::TimePoint> sampled_at;
};

// What the loop observed at this sync.
struct Observation {
  int32_t current_replicas = 0;
  // Replicas whose readings make up the Utilization/AverageValue averages; defaults to
  // current_replicas.
  std::optional<int32_t> ready_replicas;
  std::vector<MetricReading> metrics;
  // When set, the metric step is skipped and this is the desired count (`governor decide`,
  // replays, tests).
  std::optional<int32_t> desired_replicas;
  // The predictive planner's output for this sync (targets with a `predictive` block). With
  // mode forecastAndScale its proposal raises the desired count (never lowers it); with
  // forecastOnly it is recorded in the decision only.
  std::optional<PredictivePlan> plan;
};

// What earlier decisions left behind; the caller persists it (see Decision and PruneState).
struct TargetState {
  // nullopt: no history known, as after a controller restart; like the HPA, Decide then seeds
  // it with {current replicas, now}, which blocks a scale-down for the scale-down window.
  // An empty vector means "known to be empty".
  std::optional<std::vector<Recommendation>> recommendations;
  std::vector<ScaleEvent> scale_up_events;
  std::vector<ScaleEvent> scale_down_events;
  std::optional<core::TimePoint> last_scale_up;
  std::optional<core::TimePoint> last_scale_down;
};

// One metric's proposal, as the HPA replica calculator computes it.
struct MetricProposal {
  std::string metric;
  MetricType type = MetricType::kUtilization;
  double target = 0;
  std::optional<double> current;    // the reading used, if any
  std::optional<double> ratio;      // current / target
  std::optional<int32_t> replicas;  // nullopt when missing
  bool missing = false;             // no reading, a non-finite one, or no ready replicas
  bool stale = false;               // a reading older than metric_max_age_seconds
};

// A bound that changed the outcome, for people reading why.
struct AppliedLimit {
  LimitKind kind = LimitKind::kScaleUpLimit;
  std::optional<int32_t> value;             // the bound, in replicas
  std::string policy;                       // e.g. "Pods 4 per 15s"; empty if none
  std::optional<int32_t> window_seconds;    // stabilization window
  std::optional<int64_t> seconds_left;      // cooldown, rounded up
  std::optional<ScaleDirection> direction;  // Cooldown
  std::vector<std::string> metrics;         // MissingMetrics
};

struct Decision {
  int32_t current_replicas = 0;
  int32_t replicas = 0;  // the count to set (== current_replicas for "no change")
  DecisionReason reason = DecisionReason::kDesiredWithinRange;
  std::string message;  // one human sentence
  std::vector<MetricProposal> proposals;
  std::optional<int32_t> desired_replicas;  // max of the proposals (or the given desired)
                                            // and, in forecastAndScale, the prediction's
  DesiredSource desired_source = DesiredSource::kMetrics;
  // The desired count before prediction (the metrics' maximum, or the given count).
  std::optional<int32_t> reactive_replicas;
  // The plan the decision saw (Observation::plan), and whether it set the desired count
  // (forecastAndScale, its proposal above the reactive one) or would have (forecastOnly).
  std::optional<PredictivePlan> plan;
  bool prediction_acted = false;
  bool prediction_would_act = false;
  std::optional<int32_t> stabilized_replicas;  // after stabilization
  std::vector<AppliedLimit> limits;
  // Append these to TargetState::recommendations (the seed, if any, then this sync's).
  std::vector<Recommendation> new_recommendations;
  // When the count changes: append to the matching event list once the change is applied,
  // and set last_scale_up / last_scale_down to its timestamp.
  std::optional<ScaleEvent> scale_up_event;
  std::optional<ScaleEvent> scale_down_event;
};

// One metric's replica proposal: HPA's replica_calculator.go with per-replica averages.
// Within tolerance of 1 → current replicas; Utilization/AverageValue → ceil(ratio × ready),
// where unready replicas count as 0 on a scale-up (and cancel it if that flips the direction
// or lands within tolerance); Value → ceil(ratio × ready). nullopt when `value` is missing or,
// for any type, when no replica is ready.
std::optional<int32_t> ProposeReplicas(MetricType type, double value, double target,
                                       int32_t current_replicas, int32_t ready_replicas,
                                       double scale_up_tolerance, double scale_down_tolerance);

// The scaling decision for one target at `now`. Pure: no I/O, no clock reads.
// Order (HPA reconcileAutoscaler + normalizeDesiredReplicasWithBehaviors): zero replicas →
// ScalingDisabled; current outside [min, max] → straight to the bound (no cooldown: it enforces
// the configuration); else per-metric proposals, their maximum, the missing-metric rule, the
// prediction (forecastAndScale: desired = max(reactive, predicted); a prediction above
// maxReplicas under maxCapacityBreach `increase` raises the bound to its buffer),
// stabilization, rate limits and clamping; then Governor's cooldown.
Decision Decide(const TargetSpec& spec, const TargetState& state, const Observation& observation,
                core::TimePoint now);

// `state` without entries no future decision can read: recommendations older than both
// stabilization windows and events older than their direction's longest policy period
// (what HPA overwrites in place). Decide gives the same result on the pruned state.
TargetState PruneState(const Behavior& behavior, const TargetState& state, core::TimePoint now);

}  // namespace gov::controller
