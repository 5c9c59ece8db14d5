#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "controller/decision_reason.h"
#include "controller/predictive_planner.h"
#include "controller/target_state.h"

namespace gov::controller {

// The controller's Prometheus series, registered on the process registry:
//   governor_target_replicas{target}              replicas after the last sync
//   governor_target_desired_replicas{target}      the last decision's replica count
//   governor_target_min_replicas{target}, governor_target_max_replicas{target}
//   governor_target_dry_run{target}               1 in dryRun mode, else 0
//   governor_target_metric_value{target,metric}   the value the last sync used (NaN: missing)
//   governor_target_metric_target{target,metric}  the metric's target
//   governor_target_scale_actions_total{target,direction}  changes made (up|down; dry-run
//                                                  changes count: they are recorded as made)
//   governor_target_hook_failures_total{target}   hook calls that failed (ReadReplicas, Scale)
//   governor_target_forecast{target,metric,quantile}  the total load forecast for the time
//                                                  new replicas would be ready (now +
//                                                  schedulingBufferSeconds): quantile="point"
//                                                  is the point forecast, quantile="0.9" (the
//                                                  target's predictive.quantile) its band
//   governor_target_forecast_mase{target}         the chosen model's backtest MASE (below 1:
//                                                  better than seasonal naive in-sample)
//   governor_controller_leader                    1 while this process runs the loops
//   governor_controller_epoch                     this process's leader epoch (0 when follower)
// Thread-safe.
class ControllerMetrics {
 public:
  explicit ControllerMetrics(prometheus::Registry& registry);

  // Sets the target's gauges from one sync: its record and the replica count after it.
  void ObserveSync(const TargetSpec& spec, const SyncRecord& record, int32_t replicas_after);
  // Sets the target's forecast gauges from this sync's plan (removes them when the plan has
  // no forecast, or `plan` is null) and its MASE gauge from `mase` (removed when nullopt).
  void ObserveForecast(const std::string& target, const PredictivePlan* plan,
                       std::optional<double> mase);
  void CountAction(const std::string& target, ScaleDirection direction);
  void CountHookFailure(const std::string& target);
  // Removes every series of `target` (it was deleted, or this process stopped leading).
  void ForgetTarget(const std::string& target);
  void SetLeader(bool leader, int64_t epoch);

 private:
  struct MetricSeries {
    prometheus::Gauge* value = nullptr;
    prometheus::Gauge* target = nullptr;
  };
  struct TargetSeries {
    prometheus::Gauge* replicas = nullptr;
    prometheus::Gauge* desired = nullptr;
    prometheus::Gauge* min = nullptr;
    prometheus::Gauge* max = nullptr;
    prometheus::Gauge* dry_run = nullptr;
    prometheus::Counter* up = nullptr;
    prometheus::Counter* down = nullptr;
    prometheus::Counter* hook_failures = nullptr;
    std::map<std::string, MetricSeries, std::less<>> metrics;
    // governor_target_forecast by its labels' metric and quantile; the MASE gauge.
    std::map<std::pair<std::string, std::string>, prometheus::Gauge*> forecasts;
    prometheus::Gauge* mase = nullptr;
  };
  void RemoveForecasts(TargetSeries& s);
  TargetSeries& Series(const std::string& target);

  std::mutex mu_;
  prometheus::Family<prometheus::Gauge>& replicas_;
  prometheus::Family<prometheus::Gauge>& desired_;
  prometheus::Family<prometheus::Gauge>& min_;
  prometheus::Family<prometheus::Gauge>& max_;
  prometheus::Family<prometheus::Gauge>& dry_run_;
  prometheus::Family<prometheus::Gauge>& metric_value_;
  prometheus::Family<prometheus::Gauge>& metric_target_;
  prometheus::Family<prometheus::Counter>& actions_;
  prometheus::Family<prometheus::Counter>& hook_failures_;
  prometheus::Family<prometheus::Gauge>& forecast_;
  prometheus::Family<prometheus::Gauge>& forecast_mase_;
  prometheus::Gauge& leader_;
  prometheus::Gauge& epoch_;
  std::map<std::string, TargetSeries, std::less<>> targets_;
};

}  // namespace gov::controller
