#include "experiments/sql_experiment_catalog.h"

#include "core/name_table.h"
#include "experiments/internal/stored_experiments.h"
#include "store/experiment_repository.h"

namespace gov::experiments {

namespace {

core::StatusOr<std::string> Fingerprint(store::Transaction& tx) {
  std::string out;
  for (const char* table : {"experiments", "metrics"}) {
    ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT COUNT(*), COALESCE(MAX(updated_at), 0), "
                                                  "COALESCE(SUM(version), 0) FROM ") +
                                      table));
    const store::Row& row = rs.rows.at(0);
    out += std::to_string(row.Int(0)) + "/" + std::to_string(row.Int(1)) + "/" +
           std::to_string(row.Int(2)) + ";";
  }
  return out;
}

}  // namespace

core::StatusOr<std::vector<AggregationPlan>> SqlExperimentCatalog::Plans(store::Transaction& tx) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(std::string fingerprint, Fingerprint(tx));
  if (fingerprint_ == fingerprint) return plans_;
  std::vector<AggregationPlan> plans;
  for (size_t s = 0; s < kExperimentStatusNames.size(); ++s) {
    const auto status = static_cast<ExperimentStatus>(s);
    if (!Aggregates(status)) continue;
    ASSIGN_OR_RETURN(auto records, store::ExperimentRepository::ListByStatus(
                                       tx, std::string(kExperimentStatusNames[s])));
    for (const store::ExperimentRecord& record : records) {
      ASSIGN_OR_RETURN(internal::StoredExperiment stored,
                       internal::LoadStoredExperiment(tx, record));
      ASSIGN_OR_RETURN(AggregationPlan plan, PlanFor(stored.experiment, stored.metrics));
      plans.push_back(std::move(plan));
    }
  }
  plans_ = plans;
  fingerprint_ = std::move(fingerprint);
  return plans;
}

}  // namespace gov::experiments
