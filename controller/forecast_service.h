#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "controller/capacity_report.h"
#include "controller/forecast_view.h"
#include "controller/load_history.h"
#include "core/clock.h"
#include "store/database.h"
#include "store/load_history_repository.h"
#include "store/target_repository.h"

namespace gov::controller {

struct ForecastServiceOptions {
  // As the control loop keeps the history (ControlLoopOptions).
  std::chrono::seconds history_step = kDefaultLoadHistoryStep;
  core::Duration history_retention = store::kDefaultLoadHistoryRetention;
};

// The forecast and capacity endpoints: a target's spec and its stored load history (what the
// control loop recorded, on whichever replica leads), forecast on request. Thread-safe.
class ForecastService {
 public:
  ForecastService(store::Database& db, const core::Clock& clock, store::TargetStore& targets,
                  store::LoadHistoryStore& history, ForecastServiceOptions options = {});

  // GET /api/v1/targets/{name}/forecast. kNotFound for an unknown target; kConflict (as for
  // /scale in dryRun mode: the target's configuration rules it out) when it has no
  // `predictive` block.
  core::StatusOr<ForecastView> Forecast(const std::string& name);
  // GET /api/v1/targets/{name}/capacity: the next week (BuildCapacityReport), at
  // `price_per_replica_hour` when given, else the target's predictive.pricePerReplicaHour.
  // Errors as Forecast's, and kInvalidArgument ("pricePerReplicaHour") for a negative price.
  core::StatusOr<CapacityReport> Capacity(const std::string& name,
                                          std::optional<double> price_per_replica_hour);

 private:
  struct Input {
    TargetSpec spec;
    predictors::Series history;
  };
  core::StatusOr<Input> Load(const std::string& name);

  store::Database& db_;
  const core::Clock& clock_;
  store::TargetStore& targets_;
  store::LoadHistoryStore& history_;
  ForecastServiceOptions options_;
};

}  // namespace gov::controller
