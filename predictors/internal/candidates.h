#pragma once

// Uniform fit/forecast interface over the model families, for the backtest in predict.cc.
// Other modules use predict.h, not this.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "predictors/model_spec.h"

namespace gov::predictors::internal {

class Candidate {
 public:
  virtual ~Candidate() = default;
  virtual const ModelSpec& spec() const = 0;
  // Fits on y (gaps and removed outliers are NaN).
  virtual core::Status Fit(std::span<const double> y) = 0;
  // Brings the fit up to date with all of y (a longer series than Fit saw) before forecasting
  // from its end. Fourier refits, its regression being global; Holt-Winters keeps the
  // parameters it was fitted (and backtested) with, its state runs through y in ForecastFrom.
  virtual core::Status Refresh(std::span<const double> y) = 0;
  // With the fitted parameters, out[i * horizon + h - 1] = forecast of y[origins[i] + h] from
  // y[0..origins[i]]. Origins ascend; y may extend past the fitted values.
  virtual void ForecastFrom(std::span<const double> y, std::span<const std::size_t> origins,
                            std::size_t horizon, std::vector<double>* out) const = 0;
  virtual std::vector<Parameter> Parameters() const = 0;
  // out[h - 1] = forecast of y[n - 1 + h] from all of y (n = y.size() >= 1), as ForecastFrom
  // with the single origin n - 1. Calls with the same y grown at its end reuse the work of the
  // previous call (Holt-Winters' state, Fourier's regression values); any other y starts over.
  virtual void ForecastLatest(std::span<const double> y, std::size_t horizon,
                              std::vector<double>* out);
};

// Seasons in steps; 0 when the family's season does not fit the step.
struct Periods {
  std::size_t daily = 0;
  std::size_t weekly = 0;
};

std::unique_ptr<Candidate> MakeCandidate(const ModelSpec& spec, const Periods& periods);

}  // namespace gov::predictors::internal
