#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "controller/target_spec.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "predictors/predict.h"
#include "predictors/series.h"

namespace gov::controller {

inline constexpr std::chrono::hours kCapacityHorizon{7 * 24};

struct CapacityOptions {
  // Overrides the target's predictive.pricePerReplicaHour; neither: no cost is reported.
  std::optional<double> price_per_replica_hour;
  std::chrono::seconds horizon = kCapacityHorizon;
};

// The capacity a target needs over the coming week, from its load forecast.
//
// Each forecast step needs ceil(load at predictive.quantile / the metric's target per replica)
// replicas, at least minReplicas and at most maxReplicas (above it as maxCapacityBreach allows),
// exactly as the predictive planner provisions (SetPlannedReplicas). Replica-hours are the sum
// over steps of that count × the step in hours; cost is replica-hours × price. Requests take the
// forecast metric as a per-second rate (requests per second, for Value and AverageValue metrics):
// requests = sum over steps of the point forecast × the step in seconds; they are not reported
// for Utilization metrics, whose load is a percentage, not a rate. When no model beats seasonal
// naive (the predictive planner then scales reactively), the report plans with seasonal
// naive's forecast, and its reason says so.
struct CapacityReport {
  std::string target;
  std::string metric;
  MetricType metric_type = MetricType::kValue;
  double quantile = 0;
  std::chrono::seconds step{0};
  std::chrono::seconds horizon{0};
  predictors::Prediction prediction;  // the model and its accuracy, or why there is no forecast
  std::optional<double> price_per_replica_hour;
  // The rest is set only when there is a forecast.
  std::optional<core::TimePoint> from;  // the first forecast step
  std::optional<core::TimePoint> to;    // the end of the last one
  std::optional<double> peak_load;      // the highest point forecast
  std::optional<core::TimePoint> peak_at;
  std::optional<double> peak_load_at_quantile;  // the highest forecast at the quantile
  std::optional<int32_t> replicas_at_peak;      // for peak_load_at_quantile, within the bounds
  std::optional<int32_t> replicas_at_peak_unbounded;  // without the maxReplicas rule
  bool exceeds_max_replicas = false;                  // some step needs more than the bounds allow
  std::optional<double> replica_hours;
  std::optional<double> cost;
  std::optional<double> requests;
  std::optional<double> requests_per_replica_hour;
  std::optional<double> cost_per_1000_requests;
};

// The report for `spec` from its load history (regular, gaps allowed). Pure.
// kFailedPrecondition when `spec` has no `predictive` block; kInvalidArgument
// ("pricePerReplicaHour") for a negative or non-finite price. No forecast (too short a history,
// a fallback) is a report with the prediction's reason, not an error.
core::StatusOr<CapacityReport> BuildCapacityReport(const TargetSpec& spec,
                                                   const predictors::Series& history,
                                                   const CapacityOptions& options = {});

// {"target", "metric", "quantile", "stepSeconds", "horizonSeconds", "model", "reason",
//  "fallback", "accuracy", "from", "to", "peak": {"load", "at", "loadAtQuantile", "replicas",
//  "replicasUnbounded"} | null, "exceedsMaxReplicas", "replicaHours", "pricePerReplicaHour",
//  "cost", "requests", "requestsPerReplicaHour", "costPer1000Requests"}; absent values are null.
core::Json CapacityReportToJson(const CapacityReport& report);

// The report as a few lines for people.
std::string CapacityReportText(const CapacityReport& report);

}  // namespace gov::controller
