#include "controller/controller_metrics.h"

#include <cstdio>
#include <limits>
#include <set>

namespace gov::controller {

namespace {

prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& registry,
                                                   const std::string& name,
                                                   const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

ControllerMetrics::ControllerMetrics(prometheus::Registry& registry)
    : replicas_(GaugeFamily(registry, "governor_target_replicas",
                            "Replicas of the target after the last sync.")),
      desired_(GaugeFamily(registry, "governor_target_desired_replicas",
                           "Replica count of the target's last decision.")),
      min_(GaugeFamily(registry, "governor_target_min_replicas", "The target's minReplicas.")),
      max_(GaugeFamily(registry, "governor_target_max_replicas", "The target's maxReplicas.")),
      dry_run_(GaugeFamily(registry, "governor_target_dry_run",
                           "1 when the target is in dryRun mode (the hook is never called).")),
      metric_value_(GaugeFamily(registry, "governor_target_metric_value",
                                "The metric value the last sync used; NaN when missing.")),
      metric_target_(
          GaugeFamily(registry, "governor_target_metric_target", "The metric's target value.")),
      actions_(prometheus::BuildCounter()
                   .Name("governor_target_scale_actions_total")
                   .Help("Replica count changes made (dry-run changes included), by direction.")
                   .Register(registry)),
      hook_failures_(prometheus::BuildCounter()
                         .Name("governor_target_hook_failures_total")
                         .Help("Hook calls (read replicas or scale) that failed.")
                         .Register(registry)),
      forecast_(GaugeFamily(registry, "governor_target_forecast",
                            "Total load forecast for when new replicas would be ready (now + "
                            "schedulingBufferSeconds): quantile=\"point\" is the point forecast, "
                            "the others its quantiles.")),
      forecast_mase_(GaugeFamily(registry, "governor_target_forecast_mase",
                                 "Backtest MASE of the target's chosen forecasting model.")),
      leader_(GaugeFamily(registry, "governor_controller_leader",
                          "1 while this process is the controller leader, else 0.")
                  .Add({})),
      epoch_(GaugeFamily(registry, "governor_controller_epoch",
                         "This process's leader epoch (fencing token); 0 when not leading.")
                 .Add({})) {}

ControllerMetrics::TargetSeries& ControllerMetrics::Series(const std::string& target) {
  auto it = targets_.find(target);
  if (it != targets_.end()) return it->second;
  TargetSeries s;
  const prometheus::Labels labels = {{"target", target}};
  s.replicas = &replicas_.Add(labels);
  s.desired = &desired_.Add(labels);
  s.min = &min_.Add(labels);
  s.max = &max_.Add(labels);
  s.dry_run = &dry_run_.Add(labels);
  s.up = &actions_.Add(
      {{"target", target}, {"direction", std::string(ScaleDirectionName(ScaleDirection::kUp))}});
  s.down = &actions_.Add(
      {{"target", target}, {"direction", std::string(ScaleDirectionName(ScaleDirection::kDown))}});
  s.hook_failures = &hook_failures_.Add(labels);
  return targets_.emplace(target, std::move(s)).first->second;
}

void ControllerMetrics::ObserveSync(const TargetSpec& spec, const SyncRecord& record,
                                    int32_t replicas_after) {
  std::lock_guard lock(mu_);
  TargetSeries& s = Series(spec.name);
  s.replicas->Set(replicas_after);
  s.desired->Set(record.decision.replicas);
  s.min->Set(spec.min_replicas);
  s.max->Set(spec.max_replicas);
  s.dry_run->Set(spec.mode == TargetMode::kDryRun ? 1 : 0);
  std::set<std::string, std::less<>> current;
  for (const MetricSpec& m : spec.metrics) {
    current.insert(m.name);
    auto it = s.metrics.find(m.name);
    if (it == s.metrics.end()) {
      const prometheus::Labels labels = {{"target", spec.name}, {"metric", m.name}};
      it = s.metrics
               .emplace(m.name,
                        MetricSeries{&metric_value_.Add(labels), &metric_target_.Add(labels)})
               .first;
    }
    it->second.target->Set(m.target);
    double value = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [name, sample] : record.metrics) {
      if (name == m.name && sample.value) value = *sample.value;
    }
    it->second.value->Set(value);
  }
  for (auto it = s.metrics.begin(); it != s.metrics.end();) {
    if (current.count(it->first)) {
      ++it;
      continue;
    }
    metric_value_.Remove(it->second.value);
    metric_target_.Remove(it->second.target);
    it = s.metrics.erase(it);
  }
}

namespace {

// "0.9", "0.95": the shortest decimal form, as Prometheus summaries label quantiles.
std::string QuantileLabel(double q) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", q);
  return buf;
}

}  // namespace

void ControllerMetrics::RemoveForecasts(TargetSeries& s) {
  for (auto& [key, gauge] : s.forecasts) forecast_.Remove(gauge);
  s.forecasts.clear();
}

void ControllerMetrics::ObserveForecast(const std::string& target, const PredictivePlan* plan,
                                        std::optional<double> mase) {
  std::lock_guard lock(mu_);
  TargetSeries& s = Series(target);
  std::map<std::pair<std::string, std::string>, double> values;
  if (plan != nullptr && plan->forecast_load) {
    values[{plan->metric, "point"}] = *plan->forecast_load;
  }
  if (plan != nullptr && plan->forecast_load_quantile) {
    values[{plan->metric, QuantileLabel(plan->quantile)}] = *plan->forecast_load_quantile;
  }
  for (auto it = s.forecasts.begin(); it != s.forecasts.end();) {
    if (values.count(it->first)) {
      ++it;
      continue;
    }
    forecast_.Remove(it->second);
    it = s.forecasts.erase(it);
  }
  for (const auto& [key, value] : values) {
    prometheus::Gauge*& gauge = s.forecasts[key];
    if (gauge == nullptr) {
      gauge = &forecast_.Add({{"target", target}, {"metric", key.first}, {"quantile", key.second}});
    }
    gauge->Set(value);
  }
  if (mase) {
    if (s.mase == nullptr) s.mase = &forecast_mase_.Add({{"target", target}});
    s.mase->Set(*mase);
  } else if (s.mase != nullptr) {
    forecast_mase_.Remove(s.mase);
    s.mase = nullptr;
  }
}

void ControllerMetrics::CountAction(const std::string& target, ScaleDirection direction) {
  std::lock_guard lock(mu_);
  TargetSeries& s = Series(target);
  (direction == ScaleDirection::kUp ? s.up : s.down)->Increment();
}

void ControllerMetrics::CountHookFailure(const std::string& target) {
  std::lock_guard lock(mu_);
  Series(target).hook_failures->Increment();
}

void ControllerMetrics::ForgetTarget(const std::string& target) {
  std::lock_guard lock(mu_);
  auto it = targets_.find(target);
  if (it == targets_.end()) return;
  TargetSeries& s = it->second;
  replicas_.Remove(s.replicas);
  desired_.Remove(s.desired);
  min_.Remove(s.min);
  max_.Remove(s.max);
  dry_run_.Remove(s.dry_run);
  actions_.Remove(s.up);
  actions_.Remove(s.down);
  hook_failures_.Remove(s.hook_failures);
  for (auto& [name, m] : s.metrics) {
    metric_value_.Remove(m.value);
    metric_target_.Remove(m.target);
  }
  RemoveForecasts(s);
  if (s.mase != nullptr) forecast_mase_.Remove(s.mase);
  targets_.erase(it);
}

void ControllerMetrics::SetLeader(bool leader, int64_t epoch) {
  leader_.Set(leader ? 1 : 0);
  epoch_.Set(leader ? static_cast<double>(epoch) : 0);
}

}  // namespace gov::controller
