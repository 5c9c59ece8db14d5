#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace gov::predictors {

// Seasonal naive: the forecast of a step is the value one season (`period` steps) earlier,
// y[o + h - period * ceil(h / period)] for origin o. When that value is a gap, the same phase up
// to three seasons further back; when all are gaps, the latest observed value (NaN if none).
// Forecasts of y[origin + 1 .. origin + horizon] from y[0..origin] go to out[0..horizon).
void SeasonalNaiveForecastFrom(std::span<const double> y, std::size_t period, std::size_t origin,
                               std::size_t horizon, double* out);

// Forecasts of the `horizon` values after y.
std::vector<double> SeasonalNaiveForecast(std::span<const double> y, std::size_t period,
                                          std::size_t horizon);

// Mean of |y[t] - y[t - period]| over pairs where both are observed: the in-sample error of
// seasonal naive that scales MASE (Hyndman & Koehler 2006). NaN when there is no pair.
double SeasonalNaiveScale(std::span<const double> y, std::size_t period);

}  // namespace gov::predictors
