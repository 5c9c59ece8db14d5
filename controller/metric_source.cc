#include "controller/metric_source.h"

namespace gov::controller {

core::Duration PushWindow(const TargetSpec& target) {
  return std::chrono::seconds(int64_t{kPushWindowSyncPeriods} * target.sync_period_seconds);
}

MetricSample SourceRouter::Read(const TargetSpec& target, const MetricSpec& metric,
                                core::TimePoint now) {
  MetricSample out;
  if (!metric.source.prometheus) {
    out.source = "push";
    const core::Duration window = PushWindow(target);
    const PushedReading r = push_.Read(target.name, metric.name, window, now);
    out.value = r.value;
    out.sampled_at = r.sampled_at;
    out.instances = r.instances;
    if (!out.value) {
      out.error = "no sample pushed in the last " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(window).count()) +
                  " s";
    }
    return out;
  }
  out.source = "prometheus";
  const PrometheusSource& prom = *metric.source.prometheus;
  const core::Duration timeout = prom.timeout_seconds
                                     ? std::chrono::duration_cast<core::Duration>(
                                           std::chrono::duration<double>(*prom.timeout_seconds))
                                     : default_timeout_;
  auto value =
      prometheus_.Query(prom.url.value_or(default_prometheus_url_), prom.query, timeout, now);
  if (!value.ok()) {
    out.error = value.status().message();
    return out;
  }
  out.value = value->value;
  out.sampled_at = value->evaluated_at;
  return out;
}

}  // namespace gov::controller
