#pragma once

#include <optional>
#include <string>

#include "controller/metric_store.h"
#include "controller/target_spec.h"
#include "core/clock.h"
#include "integrations/prometheus_client.h"

namespace gov::controller {

// One metric's value at one sync, with where it came from and, when missing, why.
struct MetricSample {
  std::optional<double> value;                // nullopt: missing
  std::optional<core::TimePoint> sampled_at;  // when the value was measured
  std::string source;                         // "push" or "prometheus"
  int instances = 0;                          // push: instances averaged
  std::string error;                          // why the value is missing; empty when present
};

// Reads the current value of a target's metric for the control loop. Implementations are
// thread-safe.
class MetricProvider {
 public:
  virtual ~MetricProvider() = default;
  // `metric` of `target` at `now`; a missing value carries the reason in `error`.
  virtual MetricSample Read(const TargetSpec& target, const MetricSpec& metric,
                            core::TimePoint now) = 0;
};

// A sample older than this many sync periods counts as missing (the product rule: "a sample older
// than 2 × syncPeriodSeconds is missing").
inline constexpr int kPushWindowSyncPeriods = 2;

// The push window of `target`: kPushWindowSyncPeriods × syncPeriodSeconds.
core::Duration PushWindow(const TargetSpec& target);

// Routes each metric to its configured source: `push` metrics to the PushMetricStore
// (instances averaged over the push window), `prometheus` metrics to an instant query
// (the metric's url, else `default_prometheus_url`; its timeoutSeconds, else
// `default_timeout`).
class SourceRouter final : public MetricProvider {
 public:
  SourceRouter(const PushMetricStore& push, integrations::PrometheusQuerier& prometheus,
               std::string default_prometheus_url = integrations::kDefaultPrometheusUrl,
               core::Duration default_timeout = std::chrono::seconds(5))
      : push_(push),
        prometheus_(prometheus),
        default_prometheus_url_(std::move(default_prometheus_url)),
        default_timeout_(default_timeout) {}

  MetricSample Read(const TargetSpec& target, const MetricSpec& metric,
                    core::TimePoint now) override;

 private:
  const PushMetricStore& push_;
  integrations::PrometheusQuerier& prometheus_;
  std::string default_prometheus_url_;
  core::Duration default_timeout_;
};

}  // namespace gov::controller
