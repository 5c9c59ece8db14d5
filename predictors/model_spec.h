#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace gov::predictors {

// The model families; their wire names ("seasonalNaive", "holtWinters", "fourier") are the
// values of a target's `predictive.model`.
enum class ModelKind { kSeasonalNaive, kHoltWinters, kFourier };
std::string_view ModelKindName(ModelKind kind);
// The family named `name`, or nullopt.
std::optional<ModelKind> ParseModelKind(std::string_view name);

// The season a seasonal naive or Holt-Winters model repeats.
enum class Season { kDaily, kWeekly };
std::string_view SeasonName(Season season);

// How Holt-Winters combines the seasonal pattern with the level.
enum class Seasonality { kAdditive, kMultiplicative };
std::string_view SeasonalityName(Seasonality seasonality);

// Holt-Winters trend: none (level only), additive, or additive damped toward flat.
enum class Trend { kNone, kAdditive, kDamped };
std::string_view TrendName(Trend trend);

// One member of a family. Fields that do not apply to the family are ignored.
struct ModelSpec {
  ModelKind kind = ModelKind::kSeasonalNaive;
  Season season = Season::kDaily;                    // seasonal naive, Holt-Winters
  Seasonality seasonality = Seasonality::kAdditive;  // Holt-Winters
  Trend trend = Trend::kNone;                        // Holt-Winters

  bool operator==(const ModelSpec&) const = default;
};
// E.g. "seasonalNaive(weekly)", "holtWinters(multiplicative, damped, daily)", "fourier".
std::string ModelSpecName(const ModelSpec& spec);

// A fitted parameter, named as people read it ("alpha", "phi", "dailyHarmonics").
struct Parameter {
  std::string name;
  double value = 0;
};

// Point forecasts for the H steps after a series, with quantiles of the load at each step.
struct Forecast {
  core::TimePoint start{};  // the time of point[0]: one step after the last value
  std::chrono::seconds step{0};
  std::vector<double> point;      // H values
  std::vector<double> quantiles;  // the requested levels, ascending, e.g. 0.1, 0.5, 0.9
  // bands[q][h]: the quantiles[q] quantile of the load at step h.
  std::vector<std::vector<double>> bands;

  // The band for `quantile` (exact match), or nullptr.
  const std::vector<double>* Band(double quantile) const;
};

}  // namespace gov::predictors
