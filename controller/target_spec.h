#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/behavior.h"
#include "controller/predictive_spec.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::controller {

// How a metric's current value is computed from `current` and `target` (HPA MetricTarget):
//   kUtilization, kAverageValue: `current` is the average over ready replicas;
//   kValue: `current` is the total over the whole target.
enum class MetricType { kUtilization, kAverageValue, kValue };

// Where the loop gets a metric from. Parsed and validated here; fetched elsewhere.
struct PrometheusSource {
  std::string query;
  std::optional<std::string> url;         // the server's base URL; nullopt = Governor's default
  std::optional<double> timeout_seconds;  // per query; nullopt = the metric source's default
  bool operator==(const PrometheusSource&) const = default;
};

struct MetricSource {
  // Pushed to Governor's API (`source: push`) when nullopt, else queried from Prometheus.
  std::optional<PrometheusSource> prometheus;
  bool operator==(const MetricSource&) const = default;
};

struct MetricSpec {
  std::string name;
  MetricType type = MetricType::kUtilization;
  double target = 0;  // > 0; percent for Utilization, metric units otherwise
  MetricSource source;
  bool operator==(const MetricSpec&) const = default;
};

enum class TargetMode { kActive, kDryRun };

// Extra waiting on top of `behavior`, in seconds (0 = none).
struct Cooldown {
  int64_t scale_up_seconds = 0;    // since the last scale-up, before another scale-up
  int64_t scale_down_seconds = 0;  // since the last scaling action of either direction
  bool operator==(const Cooldown&) const = default;
};

inline constexpr int32_t kDefaultSyncPeriodSeconds = 15;
inline constexpr double kDefaultTolerance = 0.1;
// A reading older than this many sync periods counts as missing, unless the target sets
// metricMaxAgeSeconds.
inline constexpr int32_t kDefaultMetricMaxAgeSyncPeriods = 3;

// One autoscaled target, as configured (`targets[i]` in the YAML), with defaults filled in.
struct TargetSpec {
  std::string name;
  int32_t min_replicas = 1;
  int32_t max_replicas = 1;
  int32_t sync_period_seconds = kDefaultSyncPeriodSeconds;
  double tolerance = kDefaultTolerance;
  int32_t metric_max_age_seconds = kDefaultMetricMaxAgeSyncPeriods * kDefaultSyncPeriodSeconds;
  TargetMode mode = TargetMode::kActive;
  std::vector<MetricSpec> metrics;
  Behavior behavior = DefaultBehavior();
  Cooldown cooldown;
  core::Json hook;  // opaque; null when absent (the hooks module parses it)
  std::optional<PredictiveSpec> predictive;  // forecast a metric and provision ahead of it
  std::optional<SimulationSpec> simulation;  // used by `governor backtest` only
  bool operator==(const TargetSpec&) const = default;
};

struct TargetSpecParseOptions {
  bool require_name = true;
  // When false, `metrics` must be absent (the `governor decide` input lists readings with
  // their own type and target instead).
  bool require_metrics = true;
};

// Parses and validates one target object found at `path` (e.g. "targets[0]"). Errors are
// kInvalidArgument naming the field, e.g. "targets[0].behavior.scaleUp.policies[1].periodSeconds".
// Rules: name [A-Za-z0-9][A-Za-z0-9._-]{0,62}; 1 <= minReplicas <= maxReplicas;
// tolerance >= 0; metrics non-empty with unique names, type Utilization|AverageValue|Value,
// target > 0, source `push` or {prometheus: {query, url?, timeoutSeconds?}}; behavior as
// ParseBehavior; cooldown seconds in [0, 86400]; predictive as ParsePredictiveSpec; simulation
// as ParseSimulationSpec; unknown fields are rejected.
core::StatusOr<TargetSpec> ParseTargetSpec(const core::Json& json, std::string_view path);
core::StatusOr<TargetSpec> ParseTargetSpec(const core::Json& json, std::string_view path,
                                           const TargetSpecParseOptions& options);
// The spec with every default spelled out; ParseTargetSpec(TargetSpecToJson(s)) == s.
core::Json TargetSpecToJson(const TargetSpec& spec);

// Parses one metric entry at `path` without its `source` (used for `governor decide` readings).
// Validates name, type and target as ParseTargetSpec does.
core::Status ParseMetricTypeAndTarget(core::FieldReader& reader, MetricSpec& metric);

// "Utilization", "AverageValue", "Value".
std::string_view MetricTypeName(MetricType type);
// "active", "dryRun".
std::string_view TargetModeName(TargetMode mode);

}  // namespace gov::controller
