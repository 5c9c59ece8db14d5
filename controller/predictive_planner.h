#pragma once

// The predictive planner: turns a target's load history into the replica count that prediction
// proposes for the time new replicas would be ready, or says why it proposes nothing. Pure: no
// I/O and no clock (time is the `now` argument); the planner object only caches the fitted model
// so that it is not refitted at every sync.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controller/predictive_spec.h"
#include "controller/target_spec.h"
#include "core/clock.h"
#include "predictors/model_spec.h"
#include "predictors/predict.h"
#include "predictors/series.h"

namespace gov::controller {

// The total load behind one reading of a metric: Utilization and AverageValue readings are
// per-replica averages, so the total is value x ready replicas; a Value reading is the total
// itself. nullopt for a non-finite value or (per-replica types) no ready replica.
std::optional<double> TotalLoad(MetricType type, double value, int32_t ready_replicas);

// Why the planner proposes nothing. The predictors' reasons (FallbackReason) come first; the
// planner adds its own.
enum class PlanFallback : uint8_t {
  kNone,           // a proposal was made
  kPredictor,      // the predictor fell back: see PredictivePlan::predictor_fallback
  kPoorSkill,      // its error at the scheduling horizon is too large against persistence's
  kNoHistory,      // no usable load history (empty, or no observed value)
  kUnknownMetric,  // predictive.metric is not one of the target's metrics
};
// Wire names: "none", "predictor", "poorSkill", "noHistory", "unknownMetric".
std::string_view PlanFallbackName(PlanFallback fallback);

// The planner's output for one sync (also the input Decide takes in Observation::plan).
struct PredictivePlan {
  // The replicas prediction asks for (after the maxReplicas rule); nullopt: no proposal, the
  // decision is reactive only (see fallback / message).
  std::optional<int32_t> replicas;
  // Whether the forecast passed the skill gate at the scheduling horizon (then `replicas` is
  // set unless the target has no matching metric).
  bool skilled = false;
  std::string metric;  // the forecast metric (predictive.metric)
  // The time the count provisions for (now + schedulingBufferSeconds) and the total load
  // forecast for it: the point forecast and the forecast at `quantile`.
  std::optional<core::TimePoint> provision_for;
  std::optional<double> forecast_load;
  std::optional<double> forecast_load_quantile;
  // The forecast of the history's next step (one step after its last value), for accuracy.
  std::optional<double> next_step_forecast;
  double quantile = kDefaultPredictiveQuantile;
  // The replicas before the maxReplicas rule (ceil(forecast at quantile / target per replica)).
  std::optional<int32_t> unbounded_replicas;
  bool capped = false;                         // the maxReplicas rule lowered the count
  std::optional<predictors::ModelSpec> model;  // the model that forecast (when one was fitted)
  // The model's mean absolute error at the scheduling horizon over persistence's ("the load
  // stays as it is", what reactive scaling assumes), measured in the fit's backtest.
  std::optional<double> skill_ratio;
  PlanFallback fallback = PlanFallback::kNone;
  predictors::FallbackReason predictor_fallback = predictors::FallbackReason::kNone;
  std::string message;  // one human sentence: what was forecast and proposed, or why not
};

// The replicas for a total load forecast `load` under `spec`'s predictive block: ceil(load /
// target per replica), where the target per replica is the forecast metric's target (for
// Utilization a percent of one replica's reading, in the readings' units: a per-replica value of
// `target`% means load/replicas = target). Above maxReplicas, `honor` caps at maxReplicas and
// `increase` at floor(maxReplicas x (1 + maxCapacityBufferPercent / 100)). At least minReplicas.
// Sets plan.replicas, unbounded_replicas and capped.
void SetPlannedReplicas(const TargetSpec& spec, const MetricSpec& metric, double load,
                        PredictivePlan& plan);

// `plan` (a plan made for a target with the same predictive block and history) redone for
// `spec`'s metric target and replica bounds: the forecast is kept, the replicas and the message
// are recomputed. Forecasts do not depend on the target, so a simulator sweeping targets or
// policies forecasts once and calls this per run.
PredictivePlan PlanForTarget(const TargetSpec& spec, PredictivePlan plan);

struct PlannerOptions {
  // Refit (choose the model and its parameters) when the history has grown by this much since
  // the last fit, or when the series' start or step changed. Between fits the model's state is
  // updated with the new values and forecasts use the fixed parameters.
  std::chrono::seconds refit_every{6 * 3600};
  // While the latest fit fell back (too short a history, a regime shift, no skill), refit this
  // often instead, so prediction resumes soon after the history allows it.
  std::chrono::seconds refit_while_falling_back{3600};
  // Fit on at most this much recent history.
  std::chrono::seconds max_fit_history{28 * 86400};
  // The forecast counts as skilled at the scheduling horizon when its skill ratio
  // (PredictivePlan::skill_ratio) is at most this; otherwise the planner proposes nothing
  // (kPoorSkill). The predictor has already required the model to beat persistence and
  // seasonal naive over the whole horizon (MASE, by 2%); this gate removes forecasts clearly
  // worse than persistence at the one horizon provisioning uses. It is deliberately loose:
  // under the max rule a trusted forecast only adds a floor under reactive's count, and in
  // backtests a strict gate (ratio <= 0.9 or 1.0) switched prediction on and off from fit to
  // fit and did worse at equal cost on bursty traces than either always or never.
  double max_skill_ratio = 1.5;
};

// One target's planner. Not thread-safe; one per target. Cheap to call at every sync: it fits
// at the first call and on PlannerOptions::refit_every, and otherwise only advances the fitted
// model's state over the values added since the previous call.
class PredictivePlanner {
 public:
  explicit PredictivePlanner(PlannerOptions options = {});
  ~PredictivePlanner();
  PredictivePlanner(PredictivePlanner&&) noexcept;
  PredictivePlanner& operator=(PredictivePlanner&&) noexcept;

  // The plan at `now` for `spec` (which must have a `predictive` block; without one the plan
  // is a kUnknownMetric fallback). `history` is the forecast metric's total load (TotalLoad of
  // each reading), regular with gaps (predictors::ResampleToRegular), holding only readings
  // taken at or before `now`; successive calls should pass the same series extended at its end.
  // The forecast is for now + schedulingBufferSeconds, at predictive.quantile.
  PredictivePlan Plan(const TargetSpec& spec, const predictors::Series& history,
                      core::TimePoint now);

  // The latest fit's prediction (model choice, reason, parameters, accuracy, fallback), if any
  // fit ran. Its `forecast` is left empty: forecasts are made per sync (Plan).
  const predictors::Prediction* LastFit() const;
  // How many fits ran so far.
  std::size_t FitCount() const;

 private:
  struct Impl;
  PlannerOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gov::controller
