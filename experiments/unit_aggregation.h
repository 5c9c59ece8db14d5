#pragma once

// The per-event rules of experiment aggregation, as pure functions: a unit's state, the
// experiment's metric definitions and one event in, the unit's new state and the changes to
// the per-variant sufficient statistics out. No I/O, no clock reads; the aggregator
// (experiments/aggregator.h) reads and writes what these return.
//
// A unit counts in the variant of its first exposure. Its metric values are computed from its
// track events with first exposure <= at < first exposure + conversion window (and before the
// experiment stopped); its CUPED covariates from those with first exposure - lookback <= at <
// first exposure. Events before the exposure that arrived earlier are replayed from the unit's
// history when the exposure arrives. A unit exposed to a second variant is excluded: its whole
// contribution is withdrawn and it never counts again.
//
// Sufficient statistics are kept as per-day deltas: each change of a unit's contribution is
// added at the day (UTC, days since the epoch) of the later of the event's time and the
// unit's first exposure, so the cumulative statistics at day d are the sum of the deltas of
// the days <= d.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "experiments/model.h"

namespace gov::experiments {

inline constexpr int64_t kMillisPerDay = 86'400'000;

// Days since the Unix epoch (UTC) of a time in milliseconds.
int64_t DayOf(int64_t at_ms);

// A stored event as aggregation reads it (one row of `events`).
struct StoredEvent {
  int64_t seq = 0;
  EventType type = EventType::kTrack;
  std::string name;
  std::string unit;
  std::optional<double> value;            // track: absent counts as 1
  int64_t at_ms = 0;                      // the event's time
  std::optional<std::string> experiment;  // exposure: the resolved experiment key
  std::optional<std::string> variant;     // exposure
  bool operator==(const StoredEvent&) const = default;
};

// What aggregation needs of one experiment: its metrics in the experiment's order.
struct AggregationPlan {
  std::string key;
  std::string environment;
  std::vector<MetricDefinition> metrics;
  std::optional<int64_t> cuped_lookback_ms;  // nullopt: no covariates
  std::optional<int64_t> stopped_at_ms;      // events at or after it do not count
  // True when some metric reads events called `name`.
  bool UsesEvent(const std::string& name) const;
};

// One unit's values for one metric.
//   value:       proportion 0/1 (converted), mean the sum or count, ratio the numerator;
//   denominator: ratio only;
//   pre_value:   the value over the CUPED lookback (proportion and mean only).
struct UnitMetricValue {
  double value = 0;
  double denominator = 0;
  double pre_value = 0;
  bool operator==(const UnitMetricValue&) const = default;
};

struct UnitState {
  std::string variant;
  int64_t first_exposure_ms = 0;
  bool excluded = false;
  std::vector<UnitMetricValue> values;  // one per plan metric, in order
  bool operator==(const UnitState&) const = default;
};

// Sufficient statistics of one variant and metric (or a change to them). `cross_sum` is
// Σ value·denominator (ratio), `pre_cross_sum` Σ value·pre_value (CUPED).
struct SufficientStats {
  int64_t n = 0;
  double sum = 0;
  double sum_squares = 0;
  double den_sum = 0;
  double den_sum_squares = 0;
  double cross_sum = 0;
  double pre_sum = 0;
  double pre_sum_squares = 0;
  double pre_cross_sum = 0;
  SufficientStats& operator+=(const SufficientStats& o);
  SufficientStats& operator-=(const SufficientStats& o);
  bool operator==(const SufficientStats&) const = default;
};

// The contribution of one unit's value to its variant's statistics.
SufficientStats Contribution(const UnitMetricValue& v);

struct StatsDelta {
  std::string variant;
  size_t metric = 0;  // index into AggregationPlan::metrics
  int64_t day = 0;
  SufficientStats delta;
  bool operator==(const StatsDelta&) const = default;
};

struct UnitUpdate {
  std::optional<UnitState> state;  // after the event; nullopt: the unit is still unknown
  bool state_changed = false;      // `state` differs from the one given
  std::vector<StatsDelta> deltas;
  int64_t exposures = 0;       // 1 for an exposure of this experiment
  int64_t newly_excluded = 0;  // 1 when this event excluded the unit
};

// True when ApplyEvent needs the unit's earlier events for `event`: an exposure of this
// experiment that makes the unit known or moves its first exposure earlier.
bool NeedsHistory(const AggregationPlan& plan, const std::optional<UnitState>& state,
                  const StoredEvent& event);

// The unit's values for the plan's metrics from its events, given its first exposure.
std::vector<UnitMetricValue> ComputeValues(const AggregationPlan& plan, int64_t first_exposure_ms,
                                           std::span<const StoredEvent> events);

// Applies one event of the unit to its state. `history` holds the unit's earlier events (seq
// below event.seq) of the experiment's environment when NeedsHistory is true, else is ignored.
// Exposures of other experiments and events no metric reads change nothing.
UnitUpdate ApplyEvent(const AggregationPlan& plan, const std::optional<UnitState>& state,
                      const StoredEvent& event, std::span<const StoredEvent> history);

}  // namespace gov::experiments
