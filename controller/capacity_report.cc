#include "controller/capacity_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "controller/forecast_view.h"
#include "controller/predictive_planner.h"
#include "core/time_format.h"

namespace gov::controller {

namespace {

const MetricSpec* PredictiveMetric(const TargetSpec& spec) {
  for (const MetricSpec& m : spec.metrics) {
    if (m.name == spec.predictive->metric) return &m;
  }
  return nullptr;
}

template <typename T>
core::Json OrNull(const std::optional<T>& v) {
  return v ? core::Json(*v) : core::Json(nullptr);
}

core::Json OrNull(const std::optional<core::TimePoint>& t) {
  return t ? core::Json(core::FormatRfc3339(*t)) : core::Json(nullptr);
}

}  // namespace

core::StatusOr<CapacityReport> BuildCapacityReport(const TargetSpec& spec,
                                                   const predictors::Series& history,
                                                   const CapacityOptions& options) {
  if (!spec.predictive) {
    return core::FailedPrecondition("target " + spec.name +
                                    " has no predictive block: a capacity report forecasts the "
                                    "load of its predictive metric");
  }
  const MetricSpec* metric = PredictiveMetric(spec);
  if (metric == nullptr) {
    return core::FailedPrecondition("predictive.metric \"" + spec.predictive->metric +
                                    "\" is not one of the target's metrics");
  }
  CapacityReport report;
  report.target = spec.name;
  report.metric = metric->name;
  report.metric_type = metric->type;
  report.quantile = spec.predictive->quantile;
  report.step = history.step;
  report.horizon = options.horizon;
  report.price_per_replica_hour = options.price_per_replica_hour
                                      ? options.price_per_replica_hour
                                      : spec.predictive->price_per_replica_hour;
  if (report.price_per_replica_hour &&
      !(*report.price_per_replica_hour >= 0 && std::isfinite(*report.price_per_replica_hour))) {
    return core::InvalidArgument("must be a finite number >= 0", "pricePerReplicaHour");
  }
  if (history.ObservedCount() == 0 || history.step.count() <= 0) {
    report.prediction.fallback = predictors::FallbackReason::kTooShort;
    report.prediction.reason = "no load history of metric " + metric->name + " to forecast from";
    return report;
  }
  predictors::PredictOptions predict;
  predict.horizon_steps = static_cast<std::size_t>(std::max<int64_t>(
      1, (options.horizon.count() + history.step.count() - 1) / history.step.count()));
  predict.quantiles = {report.quantile};
  predict.model = spec.predictive->model;
  auto prediction = predictors::Predict(history, predict);
  if (!prediction.ok()) {
    report.prediction.fallback = predictors::FallbackReason::kFitFailed;
    report.prediction.reason =
        "the history could not be forecast: " + prediction.status().message();
    return report;
  }
  report.prediction = std::move(prediction).value();
  if (report.prediction.fallback == predictors::FallbackReason::kNotBetterThanSeasonalNaive &&
      !predict.model) {
    // Scaling ahead needs a model better than the baseline; planning a week's capacity can use
    // the baseline itself.
    predict.model = predictors::ModelKind::kSeasonalNaive;
    auto baseline = predictors::Predict(history, predict);
    if (baseline.ok() && !baseline->FallBackToReactive()) {
      const std::string why = report.prediction.reason;
      report.prediction = std::move(baseline).value();
      report.prediction.reason = "seasonal naive, since " + why;
    }
  }
  const predictors::Forecast& f = report.prediction.forecast;
  if (report.prediction.FallBackToReactive() || f.point.empty() || f.bands.empty()) {
    return report;
  }
  const std::vector<double>& band = f.bands[0];
  const double step_hours = static_cast<double>(f.step.count()) / 3600.0;
  double replica_hours = 0;
  double requests = 0;
  std::size_t peak = 0;
  std::size_t peak_q = 0;
  for (std::size_t h = 0; h < f.point.size(); ++h) {
    if (f.point[h] > f.point[peak]) peak = h;
    if (band[h] > band[peak_q]) peak_q = h;
    PredictivePlan plan;
    SetPlannedReplicas(spec, *metric, std::max(0.0, band[h]), plan);
    replica_hours += *plan.replicas * step_hours;
    if (plan.capped) report.exceeds_max_replicas = true;
    requests += std::max(0.0, f.point[h]) * static_cast<double>(f.step.count());
  }
  report.from = f.start;
  report.to = f.start + f.step * static_cast<int64_t>(f.point.size());
  report.peak_load = f.point[peak];
  report.peak_at = f.start + f.step * static_cast<int64_t>(peak);
  report.peak_load_at_quantile = band[peak_q];
  PredictivePlan at_peak;
  SetPlannedReplicas(spec, *metric, std::max(0.0, band[peak_q]), at_peak);
  report.replicas_at_peak = at_peak.replicas;
  report.replicas_at_peak_unbounded = at_peak.unbounded_replicas;
  report.replica_hours = replica_hours;
  if (report.price_per_replica_hour) report.cost = replica_hours * *report.price_per_replica_hour;
  if (metric->type != MetricType::kUtilization) {
    report.requests = requests;
    if (replica_hours > 0) report.requests_per_replica_hour = requests / replica_hours;
    if (report.cost && requests > 0) report.cost_per_1000_requests = *report.cost / requests * 1000;
  }
  return report;
}

core::Json CapacityReportToJson(const CapacityReport& r) {
  const predictors::Prediction& p = r.prediction;
  const bool scored = PredictionAccuracyJson(p) != nullptr;
  core::Json peak = nullptr;
  if (r.peak_load) {
    peak = {{"load", *r.peak_load},
            {"at", OrNull(r.peak_at)},
            {"loadAtQuantile", OrNull(r.peak_load_at_quantile)},
            {"replicas", OrNull(r.replicas_at_peak)},
            {"replicasUnbounded", OrNull(r.replicas_at_peak_unbounded)}};
  }
  return {{"target", r.target},
          {"metric", r.metric},
          {"quantile", r.quantile},
          {"stepSeconds", r.step.count()},
          {"horizonSeconds", r.horizon.count()},
          {"model", scored ? core::Json(predictors::ModelSpecName(p.model)) : core::Json(nullptr)},
          {"reason", p.reason},
          {"fallback", std::string(predictors::FallbackReasonName(p.fallback))},
          {"accuracy", PredictionAccuracyJson(p)},
          {"from", OrNull(r.from)},
          {"to", OrNull(r.to)},
          {"peak", std::move(peak)},
          {"exceedsMaxReplicas", r.exceeds_max_replicas},
          {"replicaHours", OrNull(r.replica_hours)},
          {"pricePerReplicaHour", OrNull(r.price_per_replica_hour)},
          {"cost", OrNull(r.cost)},
          {"requests", OrNull(r.requests)},
          {"requestsPerReplicaHour", OrNull(r.requests_per_replica_hour)},
          {"costPer1000Requests", OrNull(r.cost_per_1000_requests)}};
}

std::string CapacityReportText(const CapacityReport& r) {
  std::string out = "target " + r.target + ", metric " + r.metric + "\n";
  char line[256];
  if (!r.peak_load) {
    return out + "no forecast (" +
           std::string(predictors::FallbackReasonName(r.prediction.fallback)) +
           "): " + r.prediction.reason + "\n";
  }
  out +=
      "model " + predictors::ModelSpecName(r.prediction.model) + ": " + r.prediction.reason + "\n";
  out += "next " + std::to_string(r.horizon.count() / 3600) + " h, from " +
         core::FormatRfc3339(*r.from) + "\n";
  std::snprintf(line, sizeof line, "peak load           %.2f at %s (%.2f at p%g)\n", *r.peak_load,
                core::FormatRfc3339(*r.peak_at).c_str(), *r.peak_load_at_quantile,
                r.quantile * 100);
  out += line;
  std::snprintf(line, sizeof line, "replicas at peak    %d%s\n", *r.replicas_at_peak,
                r.exceeds_max_replicas ? " (the bounds cap it: more would be needed)" : "");
  out += line;
  std::snprintf(line, sizeof line, "replica-hours       %.1f\n", *r.replica_hours);
  out += line;
  if (r.cost) {
    std::snprintf(line, sizeof line, "cost                %.2f at %g per replica-hour\n", *r.cost,
                  *r.price_per_replica_hour);
    out += line;
  }
  if (r.requests_per_replica_hour) {
    std::snprintf(line, sizeof line, "requests            %.0f (%.0f per replica-hour)\n",
                  *r.requests, *r.requests_per_replica_hour);
    out += line;
  }
  if (r.cost_per_1000_requests) {
    std::snprintf(line, sizeof line, "cost per 1,000 req  %.6f\n", *r.cost_per_1000_requests);
    out += line;
  }
  return out;
}

}  // namespace gov::controller
