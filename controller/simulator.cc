#include "controller/simulator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <utility>

#include "controller/decision.h"
#include "core/name_table.h"
#include "predictors/seasonal_naive.h"

namespace gov::controller {

namespace {

using std::chrono::seconds;

constexpr std::array<std::string_view, 3> kPolicyNames = {"reactive", "predictive", "oracle"};
static_assert(kPolicyNames.size() == static_cast<size_t>(SimPolicy::kOracle) + 1);

// The load during the step containing `t` (the trace is piecewise constant), NaN outside.
double LoadAt(const predictors::Series& load, core::TimePoint t) {
  if (t < load.start) return predictors::kGap;
  const auto i = static_cast<std::size_t>((t - load.start) / load.step);
  return i < load.values.size() ? load.values[i] : predictors::kGap;
}

// Index of the step containing `t` (clamped to the series).
std::size_t StepIndex(const predictors::Series& load, core::TimePoint t) {
  if (t <= load.start) return 0;
  const auto i = static_cast<std::size_t>((t - load.start) / load.step);
  return std::min(i, load.values.size() - 1);
}

const MetricSpec& SimulatedMetric(const TargetSpec& spec) {
  if (spec.predictive) {
    for (const MetricSpec& m : spec.metrics) {
      if (m.name == spec.predictive->metric) return m;
    }
  }
  return spec.metrics.front();
}

// The platform: requested replicas, each ready at its time.
class Platform {
 public:
  explicit Platform(int32_t initial) : ready_(initial) {}
  void Advance(core::TimePoint t) {
    while (!pending_.empty() && pending_.front() <= t) {
      pending_.pop_front();
      ++ready_;
    }
  }
  int32_t ready() const { return ready_; }
  int32_t requested() const { return ready_ + static_cast<int32_t>(pending_.size()); }
  // Scale to `n` at `t`: new replicas are ready at t + startup; a scale-down removes starting
  // replicas first (the newest), then ready ones.
  void ScaleTo(int32_t n, core::TimePoint t, seconds startup) {
    int32_t current = requested();
    for (; current < n; ++current) pending_.push_back(t + startup);
    for (; current > n; --current) {
      if (!pending_.empty()) {
        pending_.pop_back();
      } else {
        --ready_;
      }
    }
    Advance(t);
  }

 private:
  int32_t ready_;
  std::deque<core::TimePoint> pending_;  // ascending ready times
};

// Replicas needed for the load during [from, to) at `utilization` (max over the steps it
// touches; 0 when all are gaps).
int32_t NeedOver(const predictors::Series& load, core::TimePoint from, core::TimePoint to,
                 double per_replica) {
  if (to <= from || from >= load.TimeAt(load.values.size())) return 0;
  const std::size_t first = StepIndex(load, from);
  const std::size_t last = StepIndex(load, to - core::Duration(1));
  double peak = 0;
  for (std::size_t i = first; i <= last; ++i) {
    if (!std::isnan(load.values[i])) peak = std::max(peak, load.values[i]);
  }
  return static_cast<int32_t>(std::ceil(peak / per_replica - 1e-9));
}

}  // namespace

std::string_view SimPolicyName(SimPolicy policy) {
  return kPolicyNames[static_cast<size_t>(policy)];
}

core::StatusOr<SimPolicy> ParseSimPolicy(std::string_view name) {
  if (std::optional<SimPolicy> p = core::FindName<SimPolicy>(kPolicyNames, name)) return *p;
  return core::InvalidArgument(
      "unknown policy \"" + std::string(name) + "\" (reactive, predictive, oracle)", "policies");
}

double MetricTargetFor(MetricType type, double utilization, double capacity_per_replica) {
  return type == MetricType::kUtilization ? 100 * utilization : utilization * capacity_per_replica;
}

std::optional<double> SimulatedReading(MetricType type, double load, int32_t ready,
                                       double capacity_per_replica) {
  if (std::isnan(load)) return std::nullopt;
  switch (type) {
    case MetricType::kValue:
      return load;
    case MetricType::kAverageValue:
      if (ready <= 0) return std::nullopt;
      return load / ready;
    case MetricType::kUtilization:
      if (ready <= 0) return std::nullopt;
      return 100 * load / (ready * capacity_per_replica);
  }
  return std::nullopt;
}

core::StatusOr<SimulationSetup> ResolveSimulation(const TargetSpec& spec) {
  if (!spec.simulation || !(spec.simulation->capacity_per_replica > 0)) {
    return core::InvalidArgument(
        "target \"" + spec.name +
            "\" needs simulation.capacityPerReplica (the load one replica serves at 100%)",
        "simulation.capacityPerReplica");
  }
  if (spec.metrics.empty()) return core::InvalidArgument("target has no metric", "metrics");
  SimulationSetup setup;
  setup.capacity_per_replica = spec.simulation->capacity_per_replica;
  setup.startup = seconds(spec.simulation->startup_seconds);
  setup.sync = seconds(spec.simulation->sync_seconds.value_or(spec.sync_period_seconds));
  if (setup.sync.count() <= 0) setup.sync = seconds(kDefaultSyncPeriodSeconds);
  setup.initial_replicas = spec.simulation->initial_replicas.value_or(spec.min_replicas);
  setup.spec = spec;
  const MetricSpec metric = SimulatedMetric(spec);
  setup.spec.metrics = {metric};
  setup.spec.sync_period_seconds = static_cast<int32_t>(setup.sync.count());
  // The simulated reading is fresh at every sync.
  setup.spec.metric_max_age_seconds =
      std::max<int32_t>(setup.spec.metric_max_age_seconds, setup.spec.sync_period_seconds);
  if (setup.spec.predictive) setup.spec.predictive->metric = metric.name;
  setup.target_utilization = metric.type == MetricType::kUtilization
                                 ? metric.target / 100
                                 : metric.target / setup.capacity_per_replica;
  return setup;
}

core::StatusOr<TraceForecasts> ForecastTrace(const SimulationSetup& setup,
                                             const predictors::Series& load,
                                             const PlannerOptions& options) {
  RETURN_IF_ERROR(predictors::ValidateSeries(load));
  TraceForecasts out;
  TargetSpec spec = setup.spec;
  if (!spec.predictive) {
    spec.predictive = PredictiveSpec{};
    spec.predictive->metric = spec.metrics.front().name;
  }
  spec.predictive->mode = PredictiveMode::kForecastAndScale;
  PredictivePlanner planner(options);
  predictors::Series history{load.start, load.step, {}};
  const core::TimePoint end = load.TimeAt(load.values.size());
  // One-step accuracy: the forecast of step i + 1 made at the first sync that saw step i.
  std::vector<double> one_step(load.values.size(), predictors::kGap);
  std::map<std::string, std::size_t> model_counts;
  for (core::TimePoint t = load.start; t < end; t += setup.sync) {
    const std::size_t i = StepIndex(load, t);
    const bool new_step = history.values.size() <= i;
    while (history.values.size() <= i) history.values.push_back(load.values[history.values.size()]);
    PredictivePlan plan = planner.Plan(spec, history, t);
    if (new_step && plan.next_step_forecast && i + 1 < one_step.size()) {
      one_step[i + 1] = *plan.next_step_forecast;
    }
    if (plan.model && plan.forecast_load) ++model_counts[predictors::ModelSpecName(*plan.model)];
    if (plan.replicas) {
      ++out.skilled_syncs;
    } else {
      ++out.fallbacks[std::string(plan.fallback == PlanFallback::kPredictor
                                      ? predictors::FallbackReasonName(plan.predictor_fallback)
                                      : PlanFallbackName(plan.fallback))];
    }
    // The plan is kept without its target-specific parts; PlanForTarget redoes them per run.
    out.sync_times.push_back(t);
    out.plans.push_back(std::move(plan));
  }
  out.fits = planner.FitCount();
  // Accuracy over the points with a forecast and an actual.
  const std::span<const double> y = load.values;
  const std::size_t day = predictors::SeasonSteps(load.step, predictors::kDay);
  const std::size_t week = predictors::SeasonSteps(load.step, predictors::kWeek);
  const double scale = day > 0 ? predictors::SeasonalNaiveScale(y, day) : std::nan("");
  double abs_sum = 0, smape_sum = 0, naive_day = 0, naive_week = 0;
  std::size_t week_points = 0;
  for (std::size_t i = 1; i < y.size(); ++i) {
    if (std::isnan(one_step[i]) || std::isnan(y[i])) continue;
    const double e = y[i] - one_step[i];
    abs_sum += std::abs(e);
    const double denom = std::abs(y[i]) + std::abs(one_step[i]);
    if (denom > 0) smape_sum += 2 * std::abs(e) / denom;
    ++out.points;
    double f = 0;
    if (day > 0) {
      predictors::SeasonalNaiveForecastFrom(y, day, i - 1, 1, &f);
      naive_day += std::abs(y[i] - f);
    }
    if (week > 0 && i > week) {
      predictors::SeasonalNaiveForecastFrom(y, week, i - 1, 1, &f);
      naive_week += std::abs(y[i] - f);
      ++week_points;
    }
  }
  if (out.points > 0 && scale > 0) {
    const double n = static_cast<double>(out.points);
    out.mase = abs_sum / n / scale;
    out.smape = 100 * smape_sum / n;
    double naive = naive_day;
    if (week_points == out.points) naive = std::min(naive, naive_week);
    out.seasonal_naive_mase = naive / n / scale;
  }
  std::size_t best = 0;
  for (const auto& [name, count] : model_counts) {
    if (count > best) {
      best = count;
      out.model = name;
    }
  }
  return out;
}

core::StatusOr<SimulationResult> Simulate(const SimulationSetup& setup,
                                          const predictors::Series& load, SimPolicy policy,
                                          std::optional<double> utilization,
                                          const TraceForecasts* forecasts) {
  RETURN_IF_ERROR(predictors::ValidateSeries(load));
  SimulationResult r;
  r.policy = policy;
  TargetSpec spec = setup.spec;
  MetricSpec& metric = spec.metrics.front();
  if (utilization) {
    if (!(*utilization > 0)) return core::InvalidArgument("must be positive", "utilization");
    metric.target = MetricTargetFor(metric.type, *utilization, setup.capacity_per_replica);
    r.target_utilization = *utilization;
  } else {
    r.target_utilization = policy == SimPolicy::kOracle ? 1.0 : setup.target_utilization;
  }
  if (policy == SimPolicy::kReactive) spec.predictive.reset();
  if (policy == SimPolicy::kPredictive) {
    if (forecasts == nullptr) {
      return core::InvalidArgument("the predictive policy needs the trace's forecasts",
                                   "forecasts");
    }
    if (!spec.predictive) {
      spec.predictive = PredictiveSpec{};
      spec.predictive->metric = metric.name;
    }
    spec.predictive->mode = PredictiveMode::kForecastAndScale;
  }
  const double cap = setup.capacity_per_replica;
  const double oracle_per_replica = cap * r.target_utilization;
  const std::size_t n = load.values.size();
  const core::TimePoint end = load.TimeAt(n);
  const int32_t initial = std::clamp(setup.initial_replicas, spec.min_replicas, spec.max_replicas);
  Platform platform(initial);
  TargetState state;
  state.recommendations.emplace();
  r.ready.resize(n);
  r.requested.resize(n);
  std::size_t sync_index = 0;
  core::TimePoint next_sync = load.start;
  std::size_t scored = 0, under = 0, over = 0;
  double theta_u = 0, theta_o = 0, replica_seconds = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const core::TimePoint tj = load.TimeAt(j);
    // Every sync at or before this step, in order.
    for (; next_sync <= tj && next_sync < end; next_sync += setup.sync, ++sync_index) {
      const core::TimePoint t = next_sync;
      platform.Advance(t);
      const int32_t current = platform.requested();
      int32_t target_count = current;
      if (policy == SimPolicy::kOracle) {
        const core::TimePoint next = t + setup.sync;
        const int32_t up =
            NeedOver(load, t + setup.startup, next + setup.startup, oracle_per_replica);
        const int32_t hold = NeedOver(load, t, t + setup.startup, oracle_per_replica);
        target_count = std::max(up, std::min(platform.ready(), hold));
        target_count = std::clamp(target_count, spec.min_replicas, spec.max_replicas);
      } else {
        Observation obs;
        obs.current_replicas = current;
        obs.ready_replicas = platform.ready();
        const std::optional<double> reading =
            SimulatedReading(metric.type, LoadAt(load, t), platform.ready(), cap);
        obs.metrics.push_back({metric.name, reading, t});
        if (policy == SimPolicy::kPredictive && sync_index < forecasts->plans.size()) {
          obs.plan = PlanForTarget(spec, forecasts->plans[sync_index]);
        }
        Decision d = Decide(spec, state, obs, t);
        if (d.prediction_acted) ++r.predicted_syncs;
        target_count = d.replicas;
        for (Recommendation& rec : d.new_recommendations) state.recommendations->push_back(rec);
        if (d.scale_up_event) {
          state.scale_up_events.push_back(*d.scale_up_event);
          state.last_scale_up = t;
        }
        if (d.scale_down_event) {
          state.scale_down_events.push_back(*d.scale_down_event);
          state.last_scale_down = t;
        }
        state = PruneState(spec.behavior, state, t);
      }
      if (target_count != current) {
        ++r.scaling_actions;
        platform.ScaleTo(target_count, t, setup.startup);
      }
    }
    platform.Advance(tj);
    r.ready[j] = platform.ready();
    r.requested[j] = platform.requested();
    replica_seconds +=
        static_cast<double>(platform.requested()) * static_cast<double>(load.step.count());
    const double l = load.values[j];
    if (std::isnan(l)) continue;
    ++scored;
    const double demand = std::max(0.0, std::ceil(l / cap - 1e-9));
    const double supply = platform.ready();
    if (supply < demand) {
      ++under;
      theta_u += (demand - supply) / std::max(demand, 1.0);
    } else if (supply > demand) {
      ++over;
      theta_o += (supply - demand) / std::max(demand, 1.0);
    }
  }
  r.replica_hours = replica_seconds / 3600;
  if (scored > 0) {
    const double s = static_cast<double>(scored);
    r.under_provisioned_percent = 100 * static_cast<double>(under) / s;
    r.tau_u = r.under_provisioned_percent;
    r.tau_o = 100 * static_cast<double>(over) / s;
    r.theta_u = 100 * theta_u / s;
    r.theta_o = 100 * theta_o / s;
  }
  return r;
}

}  // namespace gov::controller
