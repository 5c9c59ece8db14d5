#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "controller/target_spec.h"
#include "core/clock.h"
#include "integrations/prometheus_client.h"
#include "predictors/series.h"
#include "store/database.h"
#include "store/load_history_repository.h"

namespace gov::controller {

// How often a target's load is kept: one value per step (the mean of the syncs within it).
// Five minutes is the step the forecasting models are built for (a day is 288 steps).
inline constexpr std::chrono::seconds kDefaultLoadHistoryStep{300};

// One target's load history in memory, one value per `step` (the step that holds a time t
// starts at floor(t / step) × step): what the control loop adds each sync's reading to and
// builds forecasts from. Not thread-safe.
class LoadHistory {
 public:
  explicit LoadHistory(std::chrono::seconds step) : step_(step) {}

  // Adds a reading at `at`; returns its step's sample (step start, mean so far), which the
  // caller stores so that a restarted process finds it.
  store::LoadSample Add(core::TimePoint at, double value);
  // Adds stored or back-filled samples, each counted as one reading, to the steps that hold
  // none yet. Returns the samples added, keyed to their step's start, oldest first.
  std::vector<store::LoadSample> Merge(std::span<const store::LoadSample> samples);
  // Forgets the steps that start before `cutoff`.
  void PruneBefore(core::TimePoint cutoff);
  // Steps holding a value within [from, to).
  size_t CountBetween(core::TimePoint from, core::TimePoint to) const;
  // Every step's mean, oldest first.
  std::vector<store::LoadSample> Samples() const;
  // The start of the oldest step held, or nullopt when empty.
  std::optional<core::TimePoint> Oldest() const;
  // The regular series from the oldest step held to the step before the one holding `to`
  // (each step's mean, NaN where none); empty when no step before it is held.
  predictors::Series ToSeries(core::TimePoint to) const;
  std::chrono::seconds step() const { return step_; }

 private:
  struct Bucket {
    double sum = 0;
    int64_t count = 0;
  };
  int64_t Index(core::TimePoint t) const;

  std::chrono::seconds step_;
  std::map<int64_t, Bucket> buckets_;  // by step index since the Unix epoch
};

// A replica count a sync of the target observed at `at` (a stored decision's currentReplicas).
struct ReplicaObservation {
  core::TimePoint at;
  int64_t replicas = 0;
};

// The replica counts the target's stored decisions observed since `since` (inclusive), oldest
// first: the replica history that back-filling a per-replica metric multiplies by. Decisions
// are pruned to the newest ControlLoopOptions::decisions_kept_per_target, so it reaches back
// that many syncs at most.
core::StatusOr<std::vector<ReplicaObservation>> ReadReplicaHistory(store::Transaction& tx,
                                                                   const std::string& target,
                                                                   core::TimePoint since);

// The total load behind per-replica values (Utilization, AverageValue: value × replicas, as a
// sync computes it): each sample times the replica count of the latest observation at or
// before it, when that observation is at most `max_age` older (a sync that saw the replicas
// then); other samples are left out (gaps). `observations` ascend by time. Pure.
std::vector<store::LoadSample> TotalLoadFromReplicas(
    std::span<const store::LoadSample> per_replica,
    std::span<const ReplicaObservation> observations, core::Duration max_age);

// Past values of a target's metric, for back-filling its load history. Thread-safe.
class MetricHistorySource {
 public:
  virtual ~MetricHistorySource() = default;
  // The values of `metric` of `target` every `step` over [from, to], oldest first.
  // kFailedPrecondition when the metric's source keeps no history (pushed metrics).
  virtual core::StatusOr<std::vector<store::LoadSample>> ReadRange(const TargetSpec& target,
                                                                   const MetricSpec& metric,
                                                                   core::TimePoint from,
                                                                   core::TimePoint to,
                                                                   std::chrono::seconds step) = 0;
};

// Range queries (`/api/v1/query_range`) for `prometheus` metrics, at the metric's url (else
// `default_url`), each request within the longer of the metric's timeoutSeconds and
// `default_timeout` (a range of days takes Prometheus longer than an instant query).
class PrometheusMetricHistory final : public MetricHistorySource {
 public:
  PrometheusMetricHistory(integrations::PrometheusQuerier& prometheus,
                          std::string default_url = integrations::kDefaultPrometheusUrl,
                          core::Duration default_timeout = std::chrono::seconds(30))
      : prometheus_(prometheus),
        default_url_(std::move(default_url)),
        default_timeout_(default_timeout) {}
  core::StatusOr<std::vector<store::LoadSample>> ReadRange(const TargetSpec& target,
                                                           const MetricSpec& metric,
                                                           core::TimePoint from, core::TimePoint to,
                                                           std::chrono::seconds step) override;

 private:
  integrations::PrometheusQuerier& prometheus_;
  std::string default_url_;
  core::Duration default_timeout_;
};

}  // namespace gov::controller
