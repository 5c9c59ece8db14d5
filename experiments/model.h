#pragma once

// Experiments, the metrics they are judged on, and the events those metrics are computed from.
// Plain values: experiments/experiment_json.h reads and writes their JSON (and validates them,
// naming the field of the first error); the services store them.
//
// A feature's variants in one environment are an experiment's arms. Units (the value of the
// randomization-unit context field, userId by default) are exposed to one variant; events a
// unit sends after its first exposure, within the metric's conversion window, make up its
// metric values; events in the CUPED lookback before the exposure make up its covariate.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"

namespace gov::experiments {

// ---- Metric definitions ---------------------------------------------------------------------

// proportion: the share of units that sent the event at least once (a unit's value is 0 or 1).
// mean: the per-unit sum (or count) of an event's value, averaged over units.
// ratio: per-unit sum (or count) of the numerator event over that of the denominator event,
//        as a ratio of means over units (delta method).
enum class MetricType : uint8_t { kProportion, kMean, kRatio };
inline constexpr std::array<std::string_view, 3> kMetricTypeNames = {"proportion", "mean", "ratio"};

// How a unit's events of one name are reduced to a number: the sum of their values or their
// count.
enum class Aggregation : uint8_t { kSum, kCount };
inline constexpr std::array<std::string_view, 2> kAggregationNames = {"sum", "count"};

// Whether larger values are better (conversion, revenue) or smaller ones (latency, errors:
// the statistics engine's `inverse`).
enum class Direction : uint8_t { kHigherIsBetter, kLowerIsBetter };
inline constexpr std::array<std::string_view, 2> kDirectionNames = {"higherIsBetter",
                                                                    "lowerIsBetter"};

// An event reduced per unit. For a proportion metric only `event` matters.
struct EventAggregate {
  std::string event;  // the `name` of track events
  Aggregation aggregation = Aggregation::kSum;
  bool operator==(const EventAggregate&) const = default;
};

// A metric definition, reused across experiments (`/api/v1/metrics/{name}`).
struct MetricDefinition {
  std::string name;  // [A-Za-z0-9_.-]{1,100}, unique
  std::string description;
  MetricType type = MetricType::kProportion;
  EventAggregate numerator;                   // every type
  std::optional<EventAggregate> denominator;  // ratio only (required there)
  Direction direction = Direction::kHigherIsBetter;
  // Events count toward the metric from the unit's first exposure until this long after it;
  // nullopt: until the experiment stops.
  std::optional<int64_t> conversion_window_seconds;
  int64_t version = 1;
  core::TimePoint created_at{};
  core::TimePoint updated_at{};
  bool operator==(const MetricDefinition&) const = default;
};

// ---- Experiments ----------------------------------------------------------------------------

enum class ExperimentStatus : uint8_t { kDraft, kRunning, kStopped, kConcluded };
inline constexpr std::array<std::string_view, 4> kExperimentStatusNames = {"draft", "running",
                                                                           "stopped", "concluded"};

// What a metric is for: the goal decides the experiment, secondary metrics inform, guardrails
// must not get worse.
enum class MetricRole : uint8_t { kGoal, kSecondary, kGuardrail };
inline constexpr std::array<std::string_view, 3> kMetricRoleNames = {"goal", "secondary",
                                                                     "guardrail"};

enum class Decision : uint8_t { kShip, kRollback, kInconclusive };
inline constexpr std::array<std::string_view, 3> kDecisionNames = {"ship", "rollback",
                                                                   "inconclusive"};

enum class Engine : uint8_t { kFrequentist, kBayesian };
inline constexpr std::array<std::string_view, 2> kEngineNames = {"frequentist", "bayesian"};

enum class Difference : uint8_t { kRelative, kAbsolute };
inline constexpr std::array<std::string_view, 2> kDifferenceNames = {"relative", "absolute"};

// Correction across metrics x variants.
enum class Correction : uint8_t { kNone, kHolm, kBenjaminiHochberg };
inline constexpr std::array<std::string_view, 3> kCorrectionNames = {"none", "holmBonferroni",
                                                                     "benjaminiHochberg"};

struct ExperimentMetric {
  std::string metric;  // a MetricDefinition's name
  MetricRole role = MetricRole::kGoal;
  bool operator==(const ExperimentMetric&) const = default;
};

// How results are computed (the statistics engine's options).
struct AnalysisSettings {
  Engine engine = Engine::kFrequentist;
  Difference difference = Difference::kRelative;
  double alpha = 0.05;
  // Sequential testing (always-valid confidence sequences) with this tuning parameter N*;
  // nullopt: fixed-horizon tests (the results then warn about peeking).
  std::optional<double> sequential_tuning_parameter = 5000;
  // Optional proper prior on the relative effect (Bayesian engine); nullopt: flat.
  std::optional<double> prior_mean;
  std::optional<double> prior_variance;
  // CUPED with the same metric over this lookback before each unit's first exposure;
  // nullopt: no CUPED.
  std::optional<int64_t> cuped_lookback_seconds;
  Correction correction = Correction::kHolm;
  bool operator==(const AnalysisSettings&) const = default;
};

// A variant (arm) as the experiment saw the feature when it started; weights (Unleash's, out
// of 1000) are what the sample-ratio-mismatch check expects.
struct Arm {
  std::string variant;
  int weight = 0;
  bool operator==(const Arm&) const = default;
};

struct Conclusion {
  Decision decision = Decision::kInconclusive;
  std::optional<std::string> variant;  // ship: the variant shipped
  std::string reason;                  // free text, optional
  std::string actor;
  core::TimePoint at{};
  bool operator==(const Conclusion&) const = default;
};

struct Experiment {
  std::string key;  // [A-Za-z0-9_.-]{1,100}, unique
  std::string name;
  std::string hypothesis;
  std::string environment;  // an existing environment
  std::string feature;      // a feature with at least two variants in `environment`
  std::string control_variant;
  std::string randomization_unit = "userId";  // a context field: userId, sessionId, properties.x
  std::vector<ExperimentMetric> metrics;
  AnalysisSettings analysis;
  ExperimentStatus status = ExperimentStatus::kDraft;
  // Filled when the experiment starts (the feature's variants then); empty in a draft.
  std::vector<Arm> arms;
  std::optional<core::TimePoint> started_at;
  std::optional<core::TimePoint> stopped_at;
  std::optional<Conclusion> conclusion;
  int64_t version = 1;
  core::TimePoint created_at{};
  core::TimePoint updated_at{};
  bool operator==(const Experiment&) const = default;
};

// ---- Events ---------------------------------------------------------------------------------

enum class EventType : uint8_t { kExposure, kTrack };
inline constexpr std::array<std::string_view, 2> kEventTypeNames = {"exposure", "track"};

// One event as apps send it (`POST /api/v1/events`) or as server-side evaluation records it.
// exposure: `unit` saw `variant` of `feature`; `name` is the experiment's key or the feature's
//           name (resolved against the running experiments of the token's environment).
// track:    `unit` did `name`, worth `value` (1 when absent).
// `id` makes delivery idempotent: an id already stored is acknowledged and not counted again.
struct Event {
  std::string id;  // 1..200 characters, unique per unit and environment
  EventType type = EventType::kTrack;
  std::string name;
  std::string unit;
  std::optional<double> value;
  core::TimePoint timestamp{};
  std::optional<std::string> feature;
  std::optional<std::string> variant;
  std::optional<core::Json> properties;  // an object, kept as sent
  bool operator==(const Event&) const = default;
};

}  // namespace gov::experiments
