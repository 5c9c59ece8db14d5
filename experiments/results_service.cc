#include "experiments/results_service.h"

#include "experiments/internal/stored_experiments.h"
#include "store/experiment_aggregate_repository.h"

namespace gov::experiments {

core::StatusOr<Results> ResultsService::Get(const std::string& key) {
  std::optional<internal::StoredExperiment> stored;
  std::vector<DailyStatsDelta> deltas;
  ResultCounters counters;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(stored, internal::FindStoredExperiment(tx, key));
        if (!stored) return core::Status::Ok();
        ASSIGN_OR_RETURN(auto rows, store::ExperimentAggregateRepository::ReadDailyStats(tx, key));
        deltas.reserve(rows.size());
        for (const store::DailyStatsRecord& r : rows) {
          deltas.push_back(DailyStatsDelta{
              r.day, r.variant, r.metric,
              SufficientStats{r.n, r.sum, r.sum_squares, r.den_sum, r.den_sum_squares, r.cross_sum,
                              r.pre_sum, r.pre_sum_squares, r.pre_cross_sum}});
        }
        ASSIGN_OR_RETURN(auto c, store::ExperimentAggregateRepository::ReadCounters(tx, key));
        ASSIGN_OR_RETURN(
            const int64_t pending,
            store::ExperimentAggregateRepository::CountEventsAfterCursor(tx, db_.backend()));
        counters = ResultCounters{c.exposures, c.multiple_exposure_units, pending};
        return core::Status::Ok();
      }));
  if (!stored) return core::NotFound("experiment " + key + " not found");
  return ComputeResults(stored->experiment, stored->metrics, deltas, counters, clock_.Now());
}

}  // namespace gov::experiments
