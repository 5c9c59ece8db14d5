#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "controller/target_spec.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "predictors/predict.h"
#include "predictors/series.h"

namespace gov::controller {

// The quantiles a forecast view shows besides the target's predictive.quantile.
inline const std::vector<double> kForecastViewQuantiles = {0.1, 0.5, 0.9};

// A target's forecast as GET /api/v1/targets/{name}/forecast shows it: the history it was
// fitted on, the model chosen and why (or why none is used), its backtest accuracy, and the
// forecast over the target's horizon with its bands.
struct ForecastView {
  std::string target;
  std::string metric;  // predictive.metric
  PredictiveMode mode = PredictiveMode::kForecastOnly;
  std::chrono::seconds step{0};  // of the history and the forecast
  std::size_t history_steps = 0;
  std::size_t history_observed = 0;  // steps holding a value
  std::optional<core::TimePoint> history_start;
  std::optional<core::TimePoint> history_end;  // the time of the last step
  // Predict's answer; without history, a kTooShort fallback saying so.
  predictors::Prediction prediction;
};

// The forecast of `history` (the target's load history, regular with gaps) over the target's
// predictive.horizonSeconds, at kForecastViewQuantiles and predictive.quantile. Pure.
// kFailedPrecondition when `spec` has no `predictive` block. A failed fit is a kFitFailed
// fallback, not an error.
core::StatusOr<ForecastView> BuildForecastView(const TargetSpec& spec,
                                               const predictors::Series& history);

// {"target", "metric", "mode", "stepSeconds", "history": {steps, observed, start, end},
//  "model", "reason", "fallback", "accuracy": {mase, smape, oneStepMase, seasonalNaiveMase,
//  persistenceMase, points} | null, "forecast": {"start", "stepSeconds", "times", "point",
//  "bands": [{"quantile", "values"}]} | null}; times are RFC 3339.
core::Json ForecastViewToJson(const ForecastView& view);

// The `accuracy` object of a prediction that chose a model, else null (shared with the
// capacity report).
core::Json PredictionAccuracyJson(const predictors::Prediction& prediction);

}  // namespace gov::controller
