#include "controller/metric_store.h"

namespace gov::controller {

void PushMetricStore::Record(const std::string& target, std::span<const PushedSample> samples,
                             core::Duration retain, core::TimePoint now) {
  std::lock_guard lock(mu_);
  Metrics& metrics = targets_[target];
  for (const PushedSample& s : samples) {
    Latest& latest = metrics[s.metric][s.instance];
    if (latest.timestamp <= s.timestamp) latest = {s.value, s.timestamp};
  }
  const core::TimePoint cutoff = now - retain;
  for (auto& [name, instances] : metrics) {
    std::erase_if(instances, [&](const auto& entry) { return entry.second.timestamp < cutoff; });
  }
}

PushedReading PushMetricStore::Read(const std::string& target, const std::string& metric,
                                    core::Duration window, core::TimePoint now) const {
  std::lock_guard lock(mu_);
  PushedReading out;
  const auto t = targets_.find(target);
  if (t == targets_.end()) return out;
  const auto m = t->second.find(metric);
  if (m == t->second.end()) return out;
  const core::TimePoint oldest = now - window;
  double sum = 0;
  for (const auto& [instance, latest] : m->second) {
    if (latest.timestamp < oldest) continue;
    sum += latest.value;
    ++out.instances;
    if (!out.sampled_at || *out.sampled_at < latest.timestamp) out.sampled_at = latest.timestamp;
  }
  if (out.instances > 0) out.value = sum / out.instances;
  return out;
}

void PushMetricStore::Erase(const std::string& target) {
  std::lock_guard lock(mu_);
  targets_.erase(target);
}

}  // namespace gov::controller
