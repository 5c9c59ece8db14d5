#pragma once

// The backtest simulator: replays a load trace through the same Decide and predictive planner
// the live controller runs, on a modelled platform where requested replicas become ready after
// a start-up delay. Pure: no I/O, no clock.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/predictive_planner.h"
#include "controller/target_spec.h"
#include "core/clock.h"
#include "core/status.h"
#include "predictors/series.h"

namespace gov::controller {

// How the simulated target is scaled.
enum class SimPolicy : uint8_t {
  kReactive,    // HPA rules alone (the target without its predictive block)
  kPredictive,  // prediction + reactive (the target's predictive block, or defaults)
  kOracle,      // perfect foresight with the same start-up delay
};
// "reactive", "predictive", "oracle".
std::string_view SimPolicyName(SimPolicy policy);
// The policy named `name`; InvalidArgument otherwise.
core::StatusOr<SimPolicy> ParseSimPolicy(std::string_view name);

// The simulated platform and target, resolved from a target spec with a `simulation` block.
// The simulated metric is predictive.metric (or the target's only/first metric); the other
// metrics are dropped, since the trace holds one load.
struct SimulationSetup {
  TargetSpec spec;  // one metric; predictive block kept as configured (or nullopt)
  double capacity_per_replica = 0;
  std::chrono::seconds startup{0};
  std::chrono::seconds sync{0};
  int32_t initial_replicas = 1;
  double target_utilization = 0;  // the metric target as a share of one replica's capacity
};

// InvalidArgument naming the field ("simulation.capacityPerReplica") when the spec has no
// simulation block or capacity.
core::StatusOr<SimulationSetup> ResolveSimulation(const TargetSpec& spec);

// The metric target for utilization `utilization` (a share of capacity): 100 x u for
// Utilization, u x capacityPerReplica for AverageValue and Value (for Value this is the
// planner's target per replica; the reactive Value rule reads the total against it as HPA does).
double MetricTargetFor(MetricType type, double utilization, double capacity_per_replica);

// The reading a live target would report for `load` with `ready` replicas: Utilization sees
// 100 x load / (ready x capacity), AverageValue load / ready, Value the load itself.
std::optional<double> SimulatedReading(MetricType type, double load, int32_t ready,
                                       double capacity_per_replica);

// The forecasts of one trace, made once and shared by every policy and target of a sweep (they
// depend on the trace and the predictive block only): one plan per sync, using the readings
// up to and including that sync's (the reading the reactive rules see too), never a later one.
struct TraceForecasts {
  std::vector<core::TimePoint> sync_times;
  std::vector<PredictivePlan> plans;  // per sync
  // Accuracy of the one-step-ahead forecasts made at the syncs, over the trace steps that had a
  // fitted model's forecast and an observed actual.
  std::string model;  // the model that forecast most often ("" when none)
  double mase = 0;
  double smape = 0;
  double seasonal_naive_mase = 0;  // seasonal naive (the better of daily and weekly), same points
  std::size_t points = 0;
  std::size_t fits = 0;           // how many times the planner fitted
  std::size_t skilled_syncs = 0;  // syncs with a trusted proposal
  // Syncs without a proposal by reason: PlanFallbackName, or for kPredictor the predictor's
  // FallbackReasonName.
  std::map<std::string, std::size_t> fallbacks;
};

core::StatusOr<TraceForecasts> ForecastTrace(const SimulationSetup& setup,
                                             const predictors::Series& load,
                                             const PlannerOptions& options = {});

struct SimulationResult {
  SimPolicy policy = SimPolicy::kReactive;
  double target_utilization = 0;
  double under_provisioned_percent = 0;  // share of observed steps with load > ready capacity
  double replica_hours = 0;              // requested replicas (ready or starting) over time
  int64_t scaling_actions = 0;           // syncs that changed the replica count
  // SPEC RG elasticity metrics (Herbst et al., "Ready for Rain?"), percent: with demand
  // d = ceil(load / capacity) and supply s = ready replicas at each observed step, θU and θO
  // average max(d - s, 0) / max(d, 1) and max(s - d, 0) / max(d, 1); τU and τO are the shares
  // of steps with s < d and s > d.
  double theta_u = 0, theta_o = 0, tau_u = 0, tau_o = 0;
  int64_t predicted_syncs = 0;     // syncs whose desired count came from prediction
  std::vector<int32_t> ready;      // ready replicas at each trace step
  std::vector<int32_t> requested;  // requested replicas at each trace step
};

// Runs `policy` over `load` (a regular series; gaps are missing readings and are not scored).
// `utilization` overrides the metric target (a share of capacity, e.g. 0.7), for sweeps.
// kPredictive needs `forecasts` from ForecastTrace on the same setup and load.
core::StatusOr<SimulationResult> Simulate(const SimulationSetup& setup,
                                          const predictors::Series& load, SimPolicy policy,
                                          std::optional<double> utilization,
                                          const TraceForecasts* forecasts);

}  // namespace gov::controller
