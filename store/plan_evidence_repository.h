#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace gov::store {

// The units of one variant of a release plan's evidence window.
struct PlanExposureCountRow {
  std::string variant;
  int64_t units = 0;  // distinct units exposed to that variant and no other
  bool operator==(const PlanExposureCountRow&) const = default;
};

// One exposed unit of a window with one of its track events (or none). A unit exposed to
// several variants has one group of rows per variant.
struct PlanUnitEventRow {
  std::string unit;
  std::string variant;
  int64_t first_exposure_ms = 0;  // the unit's earliest exposure to `variant` in the window
  // The track event, absent when the unit has none of the names asked for (at or after its
  // first exposure).
  std::optional<int64_t> seq;
  std::string name;
  std::optional<double> value;
  int64_t at_ms = 0;
  bool operator==(const PlanUnitEventRow&) const = default;
};

// The events table as a release plan's evidence reads it (rollouts/plan_evidence.h): the
// exposures recorded with the window's key as their `experiment` (index events_experiment,
// migration 12) and the track events of the units exposed (index events_unit_id).
class PlanEvidenceRepository {
 public:
  // Per variant, the distinct units with exposures of window `key` in `environment`, all of
  // them to that variant (a unit exposed to two variants counts in neither), in variant order;
  // variants without any are absent.
  static core::StatusOr<std::vector<PlanExposureCountRow>> CountExposures(
      Transaction& tx, const std::string& environment, const std::string& key);
  // One query: every (unit, variant) exposed in window `key` in `environment` with its first
  // exposure, joined with the unit's track events in `environment` whose name is one of
  // `names` and whose time is at or after that first exposure. Ordered by unit, variant and
  // event seq; a (unit, variant) without such events has one row without `seq`.
  static core::StatusOr<std::vector<PlanUnitEventRow>> ReadExposedUnitEvents(
      Transaction& tx, const std::string& environment, const std::string& key,
      const std::vector<std::string>& names);
};

}  // namespace gov::store
