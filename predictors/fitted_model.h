#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/status.h"
#include "predictors/predict.h"
#include "predictors/series.h"

namespace gov::predictors {

// Predict's model choice kept for later use: fit once (model choice and parameters, which costs
// milliseconds), then forecast cheaply from the same series as it grows, with the parameters
// fixed and the model's state updated with the new values. Pure; not thread-safe (forecasting
// advances a cached state); movable.
class FittedModel {
 public:
  // Runs Predict(series, options) and keeps its chosen model. A fallback is not an error: see
  // prediction().FallBackToReactive(); such a model cannot forecast.
  static core::StatusOr<FittedModel> Fit(const Series& series, const PredictOptions& options);

  FittedModel(FittedModel&&) noexcept;
  FittedModel& operator=(FittedModel&&) noexcept;
  ~FittedModel();

  // The fit's prediction: choice, accuracy, fallback, and the forecast from the fitted end.
  const Prediction& prediction() const { return prediction_; }
  bool usable() const { return !prediction_.FallBackToReactive(); }
  // The fitted series' start and length.
  core::TimePoint start() const { return start_; }
  std::size_t fitted_steps() const { return fitted_steps_; }

  // Backtest horizons scored (min(horizonSteps, backtest window)); 0 when not usable.
  std::size_t backtest_horizon() const { return errors_horizon_; }
  // Mean absolute backtest error at horizon h (1-based, <= backtest_horizon()) of the model and
  // of persistence ("the latest value stays") over the same points; NaN without points.
  double BacktestMae(std::size_t h) const;
  double PersistenceMae(std::size_t h) const;
  // Mean pinball (quantile) loss at horizon h of the forecast shifted by the q-quantile of its
  // own backtest errors at h: how well "point + empirical q band" provisions at quantile q,
  // for the model and for persistence (what reactive scaling with headroom does). NaN without
  // points; q in (0, 1).
  double BacktestPinball(std::size_t h, double q) const;
  double PersistencePinball(std::size_t h, double q) const;

  // Forecast of the `horizon` steps after `series`, with bands at the fitted quantiles. `series`
  // has the fitted step and a start at or before the fitted start (a whole number of steps), and
  // extends at least to the fitted end; its values after the fitted end are taken as they are
  // (outliers are removed only from the fitted part). Successive calls with the series grown at
  // its end cost O(new values + horizon). FailedPrecondition when not usable; InvalidArgument
  // ("series") for a series that does not cover the fitted one.
  core::StatusOr<Forecast> ForecastFrom(const Series& series, std::size_t horizon);

  struct Chosen;  // the fitted candidate and its backtest errors (predict.cc)

 private:
  FittedModel();

  Prediction prediction_;
  core::TimePoint start_{};
  std::chrono::seconds step_{0};
  std::size_t fitted_steps_ = 0;
  std::size_t errors_horizon_ = 0;
  std::unique_ptr<Chosen> chosen_;
  std::vector<double> values_;  // cleaned fitted values, then the values seen since
  std::vector<double> point_;   // scratch
  bool non_negative_ = true;    // no value seen is negative: forecasts are clamped at 0
};

}  // namespace gov::predictors
