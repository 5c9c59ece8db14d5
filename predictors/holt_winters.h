#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "core/status.h"
#include "predictors/model_spec.h"

namespace gov::predictors {

// Holt-Winters exponential smoothing in the error-correction form of Hyndman & Athanasopoulos,
// "Forecasting: Principles and Practice" (3rd ed.), section 8.3, with the same recursions and
// parameter region as statsmodels' ExponentialSmoothing (holtwinters/_smoothers.py):
//
//   forecast  f_t = (l + phi*b) + s           additive seasonality
//             f_t = (l + phi*b) * s           multiplicative seasonality
//   level     l'  = alpha*(y - s) + (1-alpha)*(l + phi*b)        (y / s when multiplicative)
//   trend     b'  = beta*(l' - l) + (1-beta)*phi*b
//   season    s'  = gamma*(y - l - phi*b) + (1-gamma)*s          (y / (l + phi*b) when mult.)
//
// with 0 <= beta <= alpha and 0 <= gamma <= 1 - alpha. phi is 1 for an undamped trend; without
// a trend beta = b = 0. A gap (NaN) advances the state on its own forecast (a zero error).
struct HoltWintersConfig {
  std::size_t period = 0;  // steps per season, >= 2
  Seasonality seasonality = Seasonality::kAdditive;
  Trend trend = Trend::kNone;
  double phi_min = 0.8;  // bounds of the damping parameter when trend == kDamped
  double phi_max = 0.98;
};

struct HoltWintersParams {
  double alpha = 0.5;
  double beta = 0;
  double gamma = 0;
  double phi = 1;
};

// The state before a step: seasonal[k] is the seasonal term of the k-th next step.
struct HoltWintersState {
  double level = 0;
  double trend = 0;
  std::vector<double> seasonal;
};

// Steps the recursions one observation at a time. Not thread-safe; cheap to copy.
class HoltWintersRunner {
 public:
  HoltWintersRunner(const HoltWintersConfig& config, const HoltWintersParams& params,
                    const HoltWintersState& initial);

  // The forecast of the next value.
  double OneStepForecast() const;
  // Takes the next value (NaN: a gap) and returns its one-step error y - forecast (NaN for a gap).
  double Observe(double y);
  // Forecasts of the next `horizon` values into out[0..horizon).
  void Forecast(std::size_t horizon, double* out) const;
  HoltWintersState State() const;

 private:
  HoltWintersConfig config_;
  HoltWintersParams params_;
  double level_ = 0;
  double trend_ = 0;
  std::vector<double> seasonal_;  // ring buffer; seasonal_[pos_] is the next step's term
  std::size_t pos_ = 0;
};

// The initial state Governor uses: level = mean of the first season, trend = (mean of the second
// season - mean of the first) / period (0 without a trend), seasonal[j] = the average over the
// first two seasons of y[j + k*period] - (or /) that season's mean, normalized to sum 0 (mean 1).
// Gaps are skipped. InvalidArgument ("series.values") without two seasons of observations, or
// for multiplicative seasonality with a value <= 0.
core::StatusOr<HoltWintersState> HoltWintersInitialState(std::span<const double> y,
                                                         const HoltWintersConfig& config);

// Sum of squared one-step errors over the observed values of y from `initial` (+inf when the
// recursion leaves the finite numbers or a multiplicative denominator reaches zero).
double HoltWintersSse(std::span<const double> y, const HoltWintersConfig& config,
                      const HoltWintersParams& params, const HoltWintersState& initial);

struct HoltWintersFit {
  HoltWintersConfig config;
  HoltWintersParams params;
  HoltWintersState initial;
  HoltWintersState final_state;  // after the last value of the fitted series
  double sse = 0;
  int evaluations = 0;  // objective evaluations the optimizer used
};

// Fits alpha, beta, gamma (and phi when damped) by minimizing the one-step SSE with NLopt's
// bounded BOBYQA, started from the two best points of a coarse design, on the reparameterization
// beta = alpha*b, gamma = (1-alpha)*g with alpha, b, g in [0, 1] that statsmodels also uses. The
// initial state is `initial`, or HoltWintersInitialState(y) when not given. Pure.
core::StatusOr<HoltWintersFit> FitHoltWinters(std::span<const double> y,
                                              const HoltWintersConfig& config,
                                              const std::optional<HoltWintersState>& initial = {});

// Forecasts of the `horizon` values after the fitted series.
std::vector<double> HoltWintersForecast(const HoltWintersFit& fit, std::size_t horizon);

}  // namespace gov::predictors
