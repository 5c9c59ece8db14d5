#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "experiments/experiment_catalog.h"

namespace gov::experiments {

// The catalog over the experiments and metrics tables. It caches the plans and reads them
// again when the tables change (their row count, latest update or versions differ), so an
// aggregation step costs one small query while nothing changes. Thread-safe.
class SqlExperimentCatalog final : public ExperimentCatalog {
 public:
  core::StatusOr<std::vector<AggregationPlan>> Plans(store::Transaction& tx) override;

 private:
  std::mutex mu_;
  std::optional<std::string> fingerprint_;
  std::vector<AggregationPlan> plans_;
};

}  // namespace gov::experiments
