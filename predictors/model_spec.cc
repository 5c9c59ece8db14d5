#include "predictors/model_spec.h"

#include <array>

#include "core/name_table.h"

namespace gov::predictors {

namespace {
constexpr std::array<std::string_view, 3> kModelKindNames = {"seasonalNaive", "holtWinters",
                                                             "fourier"};
}  // namespace

std::string_view ModelKindName(ModelKind kind) {
  return kModelKindNames[static_cast<size_t>(kind)];
}

std::optional<ModelKind> ParseModelKind(std::string_view name) {
  return core::FindName<ModelKind>(kModelKindNames, name);
}

std::string_view SeasonName(Season season) {
  switch (season) {
    case Season::kDaily:
      return "daily";
    case Season::kWeekly:
      return "weekly";
  }
  return "unknown";
}

std::string_view SeasonalityName(Seasonality seasonality) {
  switch (seasonality) {
    case Seasonality::kAdditive:
      return "additive";
    case Seasonality::kMultiplicative:
      return "multiplicative";
  }
  return "unknown";
}

std::string_view TrendName(Trend trend) {
  switch (trend) {
    case Trend::kNone:
      return "none";
    case Trend::kAdditive:
      return "additive";
    case Trend::kDamped:
      return "damped";
  }
  return "unknown";
}

std::string ModelSpecName(const ModelSpec& spec) {
  std::string out(ModelKindName(spec.kind));
  switch (spec.kind) {
    case ModelKind::kSeasonalNaive:
      out += "(" + std::string(SeasonName(spec.season)) + ")";
      break;
    case ModelKind::kHoltWinters:
      out += "(" + std::string(SeasonalityName(spec.seasonality)) + ", trend " +
             std::string(TrendName(spec.trend)) + ", " + std::string(SeasonName(spec.season)) + ")";
      break;
    case ModelKind::kFourier:
      break;
  }
  return out;
}

const std::vector<double>* Forecast::Band(double quantile) const {
  for (std::size_t i = 0; i < quantiles.size(); ++i) {
    if (quantiles[i] == quantile) return &bands[i];
  }
  return nullptr;
}

}  // namespace gov::predictors
