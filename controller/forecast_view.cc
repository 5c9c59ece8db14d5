#include "controller/forecast_view.h"

#include <algorithm>

#include "core/time_format.h"

namespace gov::controller {

namespace {

core::Json OptionalTime(const std::optional<core::TimePoint>& t) {
  return t ? core::Json(core::FormatRfc3339(*t)) : core::Json(nullptr);
}

// Whether the prediction chose (and scored) a model: a fallback before or during fitting
// leaves none.
bool ScoredAModel(const predictors::Prediction& p) {
  return p.fallback == predictors::FallbackReason::kNone ||
         p.fallback == predictors::FallbackReason::kNotBetterThanSeasonalNaive ||
         p.fallback == predictors::FallbackReason::kNotBetterThanPersistence;
}

}  // namespace

core::StatusOr<ForecastView> BuildForecastView(const TargetSpec& spec,
                                               const predictors::Series& history) {
  if (!spec.predictive) {
    return core::FailedPrecondition("target " + spec.name +
                                    " has no predictive block: add `predictive` to its spec to "
                                    "record its load and forecast it");
  }
  const PredictiveSpec& predictive = *spec.predictive;
  ForecastView view;
  view.target = spec.name;
  view.metric = predictive.metric;
  view.mode = predictive.mode;
  view.step = history.step;
  view.history_steps = history.values.size();
  view.history_observed = history.ObservedCount();
  if (!history.values.empty()) {
    view.history_start = history.start;
    view.history_end = history.TimeAt(history.values.size() - 1);
  }
  if (view.history_observed == 0 || history.step.count() <= 0) {
    view.prediction.fallback = predictors::FallbackReason::kTooShort;
    view.prediction.reason = "no load history of metric " + predictive.metric +
                             " has been recorded yet: the controller records it at every sync";
    return view;
  }
  predictors::PredictOptions options;
  options.horizon_steps = static_cast<std::size_t>(std::max<int64_t>(
      1, (predictive.horizon_seconds + history.step.count() - 1) / history.step.count()));
  options.quantiles = kForecastViewQuantiles;
  if (std::find(options.quantiles.begin(), options.quantiles.end(), predictive.quantile) ==
      options.quantiles.end()) {
    options.quantiles.push_back(predictive.quantile);
    std::sort(options.quantiles.begin(), options.quantiles.end());
  }
  options.model = predictive.model;
  auto prediction = predictors::Predict(history, options);
  if (!prediction.ok()) {
    view.prediction.fallback = predictors::FallbackReason::kFitFailed;
    view.prediction.reason = "the history could not be forecast: " + prediction.status().message();
    return view;
  }
  view.prediction = std::move(prediction).value();
  return view;
}

core::Json PredictionAccuracyJson(const predictors::Prediction& p) {
  if (!ScoredAModel(p)) return nullptr;
  return {{"mase", p.accuracy.mase},
          {"smape", p.accuracy.smape},
          {"oneStepMase", p.accuracy.one_step_mase},
          {"seasonalNaiveMase", p.seasonal_naive_mase},
          {"persistenceMase", p.persistence_mase},
          {"points", p.accuracy.points}};
}

core::Json ForecastViewToJson(const ForecastView& view) {
  const predictors::Prediction& p = view.prediction;
  core::Json forecast = nullptr;
  if (!p.FallBackToReactive() && !p.forecast.point.empty()) {
    const predictors::Forecast& f = p.forecast;
    core::Json times = core::Json::array();
    for (std::size_t i = 0; i < f.point.size(); ++i) {
      times.push_back(core::FormatRfc3339(f.start + f.step * static_cast<int64_t>(i)));
    }
    core::Json bands = core::Json::array();
    for (std::size_t q = 0; q < f.quantiles.size() && q < f.bands.size(); ++q) {
      bands.push_back({{"quantile", f.quantiles[q]}, {"values", f.bands[q]}});
    }
    forecast = {{"start", core::FormatRfc3339(f.start)},
                {"stepSeconds", f.step.count()},
                {"times", std::move(times)},
                {"point", f.point},
                {"bands", std::move(bands)}};
  }
  return {{"target", view.target},
          {"metric", view.metric},
          {"mode", std::string(PredictiveModeName(view.mode))},
          {"stepSeconds", view.step.count()},
          {"history",
           {{"steps", view.history_steps},
            {"observed", view.history_observed},
            {"start", OptionalTime(view.history_start)},
            {"end", OptionalTime(view.history_end)}}},
          {"model",
           ScoredAModel(p) ? core::Json(predictors::ModelSpecName(p.model)) : core::Json(nullptr)},
          {"reason", p.reason},
          {"fallback", std::string(predictors::FallbackReasonName(p.fallback))},
          {"accuracy", PredictionAccuracyJson(p)},
          {"forecast", std::move(forecast)}};
}

}  // namespace gov::controller
