#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_util.h"
#include "core/status.h"
#include "predictors/model_spec.h"

namespace gov::controller {

// Whether forecasts only are recorded, or also set the replica count (AWS predictive
// scaling's ForecastOnly / ForecastAndScale).
enum class PredictiveMode { kForecastOnly, kForecastAndScale };
// "forecastOnly", "forecastAndScale".
std::string_view PredictiveModeName(PredictiveMode mode);

// What a prediction above maxReplicas does (AWS's MaxCapacityBreachBehavior): stay at
// maxReplicas, or go above it by at most maxCapacityBufferPercent.
enum class MaxCapacityBreach { kHonor, kIncrease };
// "honor", "increase".
std::string_view MaxCapacityBreachName(MaxCapacityBreach breach);

inline constexpr int64_t kDefaultHorizonSeconds = 3600;
inline constexpr int64_t kDefaultSchedulingBufferSeconds = 300;
inline constexpr double kDefaultPredictiveQuantile = 0.9;
inline constexpr double kDefaultMaxCapacityBufferPercent = 10;

// A target's `predictive` block: forecast one of its metrics and provision ahead of it.
struct PredictiveSpec {
  PredictiveMode mode = PredictiveMode::kForecastOnly;
  std::string metric;                          // one of the target's metric names
  std::optional<predictors::ModelKind> model;  // nullopt: `auto`
  int64_t horizon_seconds = kDefaultHorizonSeconds;
  // Provision for the load expected this far ahead (the replicas' start-up time).
  int64_t scheduling_buffer_seconds = kDefaultSchedulingBufferSeconds;
  double quantile = kDefaultPredictiveQuantile;  // of the forecast load to provision for
  MaxCapacityBreach max_capacity_breach = MaxCapacityBreach::kHonor;
  double max_capacity_buffer_percent = kDefaultMaxCapacityBufferPercent;
  // What one replica costs per hour, in the user's currency, for capacity reports (`governor
  // capacity`, GET /api/v1/targets/{name}/capacity); nullopt: no cost is reported.
  std::optional<double> price_per_replica_hour;
  bool operator==(const PredictiveSpec&) const = default;
};

// A target's `simulation` block: how `governor backtest` models the platform. `serve` and
// `check-config` accept and ignore it.
struct SimulationSpec {
  double capacity_per_replica = 0;          // > 0: load one replica serves at 100% utilization
  int64_t startup_seconds = 0;              // a requested replica is ready this long after
  std::optional<int64_t> sync_seconds;      // nullopt: the target's syncPeriodSeconds
  std::optional<int32_t> initial_replicas;  // nullopt: minReplicas
  bool operator==(const SimulationSpec&) const = default;
};

// Parses `predictive` at `path` ("targets[0].predictive"). `metric` is required when the
// target has more than one metric, else it defaults to the only one (`metric_names` lists
// them; an empty list skips the check). Rules: mode forecastOnly|forecastAndScale (required);
// model auto|seasonalNaive|holtWinters|fourier; horizonSeconds 60..172800 (48 h);
// schedulingBufferSeconds 0..3600; quantile in (0, 1); maxCapacityBreach honor|increase;
// maxCapacityBufferPercent 0..100; pricePerReplicaHour a finite number >= 0; unknown fields are
// rejected.
core::StatusOr<PredictiveSpec> ParsePredictiveSpec(const core::Json& json, std::string_view path,
                                                   const std::vector<std::string>& metric_names);
core::Json PredictiveSpecToJson(const PredictiveSpec& spec);

// Parses `simulation` at `path`: capacityPerReplica > 0 (required), startupSeconds 0..86400,
// syncSeconds 1..3600, initialReplicas >= 1; unknown fields are rejected.
core::StatusOr<SimulationSpec> ParseSimulationSpec(const core::Json& json, std::string_view path);
core::Json SimulationSpecToJson(const SimulationSpec& spec);

}  // namespace gov::controller
