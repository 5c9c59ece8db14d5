#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/status.h"
#include "predictors/model_spec.h"

namespace gov::predictors {

// Regression of the load on a linear trend and Fourier terms of the daily and weekly seasons
// (Hyndman & Athanasopoulos, FPP3 section 7.4 "Fourier series"), fitted by ridge least squares on
// the observed values only (gaps are skipped rows), followed by an AR(1) correction of the
// residual so short horizons start from the latest deviation:
//
//   y_t = c + d*t + sum_k [a_k sin(2 pi k t / m_d) + b_k cos(...)] + (weekly terms) + r_t
//   forecast(o + h) = regression(o + h) + rho^(h + lag) * r_last,  rho in [0, 0.99]
//
// where r_last is the residual of the latest observation, `lag` steps before the origin o.
struct FourierConfig {
  std::size_t daily_period = 0;   // steps per day, >= 2 (0: no daily terms)
  std::size_t weekly_period = 0;  // steps per week (0: no weekly terms)
  std::size_t daily_harmonics = 10;
  std::size_t weekly_harmonics = 6;
  double ridge = 1e-3;  // penalty per row on every coefficient but the intercept

  bool operator==(const FourierConfig&) const = default;
};

// What a fit summed over its series, kept for a refit on the same values extended at their end
// (as a backtest's fit is brought up to date with the whole history): that refit computes the
// features of the new steps only and continues the sums, with the same result as a fit from
// scratch. Opaque to callers.
struct FourierSums {
  FourierConfig config;
  std::size_t width = 0;          // row width (coefficients, padded)
  std::vector<double> y;          // the values summed
  std::vector<double> x;          // their feature rows
  std::vector<std::size_t> rows;  // the observed steps
  std::vector<double> lower;      // lower triangle of X'X, by column
  std::vector<double> xty;        // X'y
};

class FourierModel {
 public:
  static constexpr std::size_t kMaxHarmonics = 60;  // per season
  static constexpr std::size_t kMaxCoefficients = 2 + 4 * kMaxHarmonics;

  // Fits on y[0..n) (index t is the step number). InvalidArgument ("series.values") with fewer
  // observations than twice the number of coefficients.
  // With `sums`, a fit whose values extend those of *sums (same config) continues its sums, and
  // *sums then holds this fit's.
  static core::StatusOr<FourierModel> Fit(std::span<const double> y, const FourierConfig& config,
                                          FourierSums* sums = nullptr);

  // The regression's value at step t (any t, also beyond the fitted range).
  double Regression(double t) const;
  // Forecasts of y[origin + 1 .. origin + horizon] from y[0..origin]; y may extend past the
  // fitted range (its values there feed only the residual correction).
  void ForecastFrom(std::span<const double> y, std::size_t origin, std::size_t horizon,
                    double* out) const;
  // The same with regression[t] = Regression(t) precomputed for t <= origin + horizon.
  void ForecastFrom(std::span<const double> y, std::span<const double> regression,
                    std::size_t origin, std::size_t horizon, double* out) const;
  // Regression(t) for t in [0, count).
  std::vector<double> RegressionValues(std::size_t count) const;

  double rho() const { return rho_; }
  std::size_t coefficient_count() const { return coefficients_.size(); }
  std::vector<Parameter> Parameters() const;

 private:
  void Features(double t, double* row) const;
  double Dot(const double* row) const;  // the regression's value for a row of features

  FourierConfig config_;
  std::size_t daily_terms_ = 0;   // harmonics used
  std::size_t weekly_terms_ = 0;  // harmonics used (those not equal to a daily one)
  double time_scale_ = 1;         // t is divided by this (the fitted length) for conditioning
  std::vector<double> coefficients_;
  double rho_ = 0;
  std::vector<double> fitted_regression_;  // Regression(t) for the fitted steps
};

}  // namespace gov::predictors
