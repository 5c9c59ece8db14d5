#include "controller/predictive_planner.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "predictors/fitted_model.h"

namespace gov::controller {

namespace {

constexpr std::array<std::string_view, 5> kPlanFallbackNames = {"none", "predictor", "poorSkill",
                                                                "noHistory", "unknownMetric"};
static_assert(kPlanFallbackNames.size() == static_cast<size_t>(PlanFallback::kUnknownMetric) + 1);

std::string Fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Percentile(double q) {
  return "p" + Fixed(100 * q, q * 100 == std::round(q * 100) ? 0 : 1);
}

const MetricSpec* FindMetric(const TargetSpec& spec) {
  if (!spec.predictive) return nullptr;
  for (const MetricSpec& m : spec.metrics) {
    if (m.name == spec.predictive->metric) return &m;
  }
  // A block whose metric was left to default names the only metric.
  if (spec.predictive->metric.empty() && spec.metrics.size() == 1) return &spec.metrics[0];
  return nullptr;
}

// Steps from `from` to `to`, rounded up, at least 1.
std::size_t StepsAhead(core::TimePoint from, core::TimePoint to, std::chrono::seconds step) {
  if (to <= from) return 1;
  const auto steps = (to - from + step - core::Duration(1)) / step;
  return std::max<std::size_t>(1, static_cast<std::size_t>(steps));
}

int32_t CeilReplicas(double x) {
  const double c = std::ceil(x - 1e-9);  // absorb rounding noise in load / target
  if (!(c > 0)) return 0;
  if (c >= static_cast<double>(std::numeric_limits<int32_t>::max())) {
    return std::numeric_limits<int32_t>::max();
  }
  return static_cast<int32_t>(c);
}

void SetMessage(PredictivePlan& plan) {
  if (!plan.forecast_load_quantile || !plan.model) return;
  std::string m = "forecast " + plan.metric + " load " + Fixed(*plan.forecast_load) + " (" +
                  Percentile(plan.quantile) + " " + Fixed(*plan.forecast_load_quantile) + ") by " +
                  predictors::ModelSpecName(*plan.model);
  if (plan.skill_ratio) m += ", error " + Fixed(*plan.skill_ratio) + "x persistence's";
  if (plan.fallback == PlanFallback::kPoorSkill) {
    m += "; its error at the scheduling horizon is too large against persistence's: no "
         "proposal";
  } else if (plan.replicas) {
    m += "; proposes " + std::to_string(*plan.replicas) + " replicas";
    if (plan.capped) {
      m += " (" + std::to_string(*plan.unbounded_replicas) + " before the maxReplicas rule)";
    }
  }
  plan.message = std::move(m);
}

}  // namespace

std::string_view PlanFallbackName(PlanFallback fallback) {
  return kPlanFallbackNames[static_cast<size_t>(fallback)];
}

std::optional<double> TotalLoad(MetricType type, double value, int32_t ready_replicas) {
  if (!std::isfinite(value)) return std::nullopt;
  if (type == MetricType::kValue) return value;
  if (ready_replicas <= 0) return std::nullopt;
  return value * ready_replicas;
}

void SetPlannedReplicas(const TargetSpec& spec, const MetricSpec& metric, double load,
                        PredictivePlan& plan) {
  const int32_t unbounded = std::max(spec.min_replicas, CeilReplicas(load / metric.target));
  plan.unbounded_replicas = unbounded;
  int32_t cap = spec.max_replicas;
  if (spec.predictive && spec.predictive->max_capacity_breach == MaxCapacityBreach::kIncrease) {
    cap = static_cast<int32_t>(std::floor(
        spec.max_replicas * (1 + spec.predictive->max_capacity_buffer_percent / 100) + 1e-9));
  }
  plan.capped = unbounded > cap;
  plan.replicas = std::min(unbounded, cap);
}

PredictivePlan PlanForTarget(const TargetSpec& spec, PredictivePlan plan) {
  const MetricSpec* metric = FindMetric(spec);
  if (spec.predictive) plan.quantile = spec.predictive->quantile;
  if (metric == nullptr) {
    plan.replicas.reset();
    plan.unbounded_replicas.reset();
    plan.capped = false;
    plan.fallback = PlanFallback::kUnknownMetric;
    plan.message = "no predictive block naming one of the target's metrics";
    return plan;
  }
  if (plan.fallback == PlanFallback::kNone && plan.forecast_load_quantile) {
    SetPlannedReplicas(spec, *metric, *plan.forecast_load_quantile, plan);
    SetMessage(plan);
  }
  return plan;
}

struct PredictivePlanner::Impl {
  std::optional<predictors::FittedModel> fit;
  std::optional<predictors::Prediction> last_fit;
  core::TimePoint fitted_end{};  // time of the last fitted value
  std::chrono::seconds step{0};
  std::optional<predictors::ModelKind> model;
  std::size_t horizon_steps = 0;
  double quantile = 0;
  std::size_t fits = 0;
};

PredictivePlanner::PredictivePlanner(PlannerOptions options)
    : options_(options), impl_(std::make_unique<Impl>()) {}
PredictivePlanner::~PredictivePlanner() = default;
PredictivePlanner::PredictivePlanner(PredictivePlanner&&) noexcept = default;
PredictivePlanner& PredictivePlanner::operator=(PredictivePlanner&&) noexcept = default;

std::size_t PredictivePlanner::FitCount() const { return impl_->fits; }

const predictors::Prediction* PredictivePlanner::LastFit() const {
  return impl_->last_fit ? &*impl_->last_fit : nullptr;
}

PredictivePlan PredictivePlanner::Plan(const TargetSpec& spec, const predictors::Series& history,
                                       core::TimePoint now) {
  PredictivePlan plan;
  const MetricSpec* metric = FindMetric(spec);
  if (metric == nullptr) return PlanForTarget(spec, std::move(plan));
  const PredictiveSpec& predictive = *spec.predictive;
  plan.metric = metric->name;
  plan.quantile = predictive.quantile;
  auto fall_back = [&](PlanFallback why, std::string message) {
    plan.fallback = why;
    plan.message = std::move(message);
    return plan;
  };
  if (history.values.empty() || history.ObservedCount() == 0 || history.step.count() <= 0) {
    return fall_back(PlanFallback::kNoHistory, "no load history to forecast from");
  }
  const std::size_t n = history.values.size();
  const core::TimePoint last = history.TimeAt(n - 1);
  plan.provision_for = now + std::chrono::seconds(predictive.scheduling_buffer_seconds);
  const std::size_t ahead = StepsAhead(last, *plan.provision_for, history.step);
  const std::size_t horizon_steps = std::max<std::size_t>(
      ahead,
      StepsAhead(last, last + std::chrono::seconds(predictive.horizon_seconds), history.step));

  Impl& s = *impl_;
  auto refit = [&]() -> core::Status {
    predictors::Series recent;
    recent.step = history.step;
    const auto max_steps =
        static_cast<std::size_t>(std::max<int64_t>(1, options_.max_fit_history / history.step));
    const std::size_t from = n > max_steps ? n - max_steps : 0;
    recent.start = history.TimeAt(from);
    recent.values.assign(history.values.begin() + static_cast<std::ptrdiff_t>(from),
                         history.values.end());
    predictors::PredictOptions options;
    options.horizon_steps = horizon_steps;
    options.quantiles = {predictive.quantile};
    options.model = predictive.model;
    ++s.fits;
    core::StatusOr<predictors::FittedModel> fitted = predictors::FittedModel::Fit(recent, options);
    if (!fitted.ok()) return fitted.status();
    s.last_fit = fitted->prediction();
    s.last_fit->forecast = {};  // keep the choice, not the bulky forecast
    s.fit = std::move(*fitted);
    s.fitted_end = last;
    s.step = history.step;
    s.model = predictive.model;
    s.horizon_steps = horizon_steps;
    s.quantile = predictive.quantile;
    return core::Status::Ok();
  };
  const bool stale = !s.fit || s.step != history.step || s.model != predictive.model ||
                     s.quantile != predictive.quantile || s.horizon_steps < horizon_steps ||
                     last < s.fitted_end ||
                     last - s.fitted_end >= (s.fit->usable() ? options_.refit_every
                                                             : options_.refit_while_falling_back) ||
                     history.start > s.fit->start();
  if (stale) {
    if (const core::Status st = refit(); !st.ok()) {
      s.fit.reset();
      return fall_back(PlanFallback::kPredictor,
                       "the forecast could not be fitted: " + st.message());
    }
  }
  predictors::FittedModel& fit = *s.fit;
  const predictors::Prediction& prediction = fit.prediction();
  if (!fit.usable()) {
    plan.predictor_fallback = prediction.fallback;
    if (prediction.fallback != predictors::FallbackReason::kTooShort &&
        prediction.fallback != predictors::FallbackReason::kNoDailySeason) {
      plan.model = prediction.model;
    }
    return fall_back(PlanFallback::kPredictor,
                     "no forecast (" +
                         std::string(predictors::FallbackReasonName(prediction.fallback)) +
                         "): " + prediction.reason);
  }
  plan.model = prediction.model;
  core::StatusOr<predictors::Forecast> forecast = fit.ForecastFrom(history, ahead);
  if (!forecast.ok()) {
    // The history no longer covers the fitted series (e.g. it was pruned): refit once.
    if (const core::Status st = refit(); !st.ok()) {
      s.fit.reset();
      return fall_back(PlanFallback::kPredictor,
                       "the forecast could not be fitted: " + st.message());
    }
    if (!s.fit->usable()) return Plan(spec, history, now);
    forecast = s.fit->ForecastFrom(history, ahead);
    if (!forecast.ok()) {
      return fall_back(PlanFallback::kPredictor,
                       "forecasting failed: " + forecast.status().message());
    }
  }
  plan.forecast_load = forecast->point[ahead - 1];
  plan.next_step_forecast = forecast->point[0];
  plan.forecast_load_quantile = forecast->bands[0][ahead - 1];
  // Skill where it matters: at the scheduling horizon, against "the load stays as it is".
  const std::size_t h = std::min(ahead, s.fit->backtest_horizon());
  const double model_mae = s.fit->BacktestMae(h);
  const double persistence_mae = s.fit->PersistenceMae(h);
  if (persistence_mae > 0) plan.skill_ratio = model_mae / persistence_mae;
  const bool skilled =
      plan.skill_ratio ? *plan.skill_ratio <= options_.max_skill_ratio : model_mae == 0;
  if (!skilled) {
    plan.fallback = PlanFallback::kPoorSkill;
    SetMessage(plan);
    return plan;
  }
  plan.skilled = true;
  return PlanForTarget(spec, std::move(plan));
}

}  // namespace gov::controller
