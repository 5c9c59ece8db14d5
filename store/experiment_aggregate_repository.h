#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/database.h"

namespace gov::store {

// A place in the order aggregation reads events in (store/event_repository.h): (xid, seq) on
// PostgreSQL; on SQLite xid is always 0, so seq alone orders.
struct EventPosition {
  int64_t xid = 0;
  int64_t seq = 0;
  auto operator<=>(const EventPosition&) const = default;
};

// One row of `events` as experiment aggregation reads it. Times in milliseconds.
struct AggregationEventRow {
  int64_t xid = 0;  // PostgreSQL: the writing transaction (migration 14); SQLite: 0
  int64_t seq = 0;
  std::string environment;
  std::string type;  // "exposure" | "track"
  std::string name;
  std::string unit;
  std::optional<double> value;
  int64_t at_ms = 0;
  std::optional<std::string> experiment;
  std::optional<std::string> variant;
  bool operator==(const AggregationEventRow&) const = default;
};

// One unit's value of one metric (see experiments::UnitMetricValue).
struct UnitValueRecord {
  std::string metric;
  double value = 0;
  double denominator = 0;
  double pre_value = 0;
  bool operator==(const UnitValueRecord&) const = default;
};

// One unit of one experiment: the variant of its first exposure and its metric values.
struct ExperimentUnitRecord {
  std::string unit;
  std::string variant;
  int64_t first_exposure_ms = 0;
  bool excluded = false;  // exposed to two variants
  std::vector<UnitValueRecord> values;
  bool operator==(const ExperimentUnitRecord&) const = default;
};

// A change of (or, read back, the per-day total of) the sufficient statistics of one
// experiment, variant and metric on one day (days since the Unix epoch, UTC).
struct DailyStatsRecord {
  std::string variant;
  std::string metric;
  int64_t day = 0;
  int64_t n = 0;
  double sum = 0;
  double sum_squares = 0;
  double den_sum = 0;
  double den_sum_squares = 0;
  double cross_sum = 0;
  double pre_sum = 0;
  double pre_sum_squares = 0;
  double pre_cross_sum = 0;
  bool operator==(const DailyStatsRecord&) const = default;
};

// A unit and the position its history ends before (ReadUnitsEvents).
struct UnitEventsBefore {
  std::string unit;
  EventPosition before;
};

// Per experiment: exposures counted and units excluded for exposure to two variants.
struct AggregateCounters {
  int64_t exposures = 0;
  int64_t multiple_exposure_units = 0;
  bool operator==(const AggregateCounters&) const = default;
};

// The experiment aggregates (migration 8): per-unit state, per-day deltas of the per-variant
// sufficient statistics, counters, and the cursor (the position of the last event
// aggregated). The aggregator writes them and the cursor in one transaction; results read only
// the daily rows and the counters. Rows of an experiment are deleted with it (ON DELETE
// CASCADE). Events are read in position order, on PostgreSQL only below the horizon of
// transactions that may still commit events (store/event_repository.h).
class ExperimentAggregateRepository {
 public:
  // The position of the last event aggregated ({0, 0} before any), locked until `tx` ends, so
  // aggregators of several processes sharing a PostgreSQL database take turns. Needs a
  // read-write `tx`.
  static core::StatusOr<EventPosition> LockCursor(Transaction& tx);
  static core::Status WriteCursor(Transaction& tx, EventPosition last);
  // Whether an event after the committed cursor exists: a cheap read-only check, so an idle
  // aggregator does not write.
  static core::StatusOr<bool> HasEventsAfterCursor(Transaction& tx, Backend backend);
  // How many events (of every environment) are stored but not aggregated yet.
  static core::StatusOr<int64_t> CountEventsAfterCursor(Transaction& tx, Backend backend);
  // Up to `limit` events after `after`, in position order; on PostgreSQL only those whose
  // transaction is below the horizon (no event can appear before them later).
  static core::StatusOr<std::vector<AggregationEventRow>> ReadEventsAfter(Transaction& tx,
                                                                          Backend backend,
                                                                          EventPosition after,
                                                                          int64_t limit);
  // Each unit's events in `environment` before its position: grouped by unit in the order of
  // `units`, each unit's in position order. On PostgreSQL one statement for all of them.
  static core::StatusOr<std::vector<AggregationEventRow>> ReadUnitsEvents(
      Transaction& tx, Backend backend, const std::string& environment,
      std::span<const UnitEventsBefore> units);
  // Those of `units` the experiment has seen, with their values (a unit missing from the
  // answer is new to the experiment). `units` holds no repeats. On PostgreSQL one statement.
  static core::StatusOr<std::vector<ExperimentUnitRecord>> ReadUnits(
      Transaction& tx, Backend backend, const std::string& experiment,
      std::span<const std::string> units);
  // Inserts or replaces the units and their values (values of metrics not listed are kept).
  // `units` holds no unit twice. On PostgreSQL two statements.
  static core::Status WriteUnits(Transaction& tx, Backend backend, const std::string& experiment,
                                 std::span<const ExperimentUnitRecord> units);
  // Adds each delta to its (variant, metric, day) row, creating it when absent.
  static core::Status AddDailyStats(Transaction& tx, const std::string& experiment,
                                    const std::vector<DailyStatsRecord>& deltas);
  // Adds to the experiment's counters, creating them when absent.
  static core::Status AddCounters(Transaction& tx, const std::string& experiment,
                                  const AggregateCounters& delta);
  // Every daily row of the experiment, by day, variant and metric.
  static core::StatusOr<std::vector<DailyStatsRecord>> ReadDailyStats(
      Transaction& tx, const std::string& experiment);
  // Zero counters when the experiment has none yet.
  static core::StatusOr<AggregateCounters> ReadCounters(Transaction& tx,
                                                        const std::string& experiment);

  // Migration 16: on SQLite, experiment_units and experiment_unit_values become WITHOUT ROWID
  // tables, each row stored once in its key's B-tree instead of in a rowid table and again in
  // the key's index (half the pages to write when units are added, one search to read one).
  // Every row is kept. Nothing changes on PostgreSQL.
  static core::Status MigrateToKeyOrderedUnits(Transaction& tx, Backend backend);
};

}  // namespace gov::store
