#pragma once

#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "experiments/results.h"
#include "store/database.h"

namespace gov::experiments {

// Reads an experiment, its metric definitions and its aggregates (the daily sufficient
// statistics and counters the aggregator stores, never the raw events) in one read-only
// transaction and computes its results. Thread-safe.
class ResultsService {
 public:
  ResultsService(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  // The results of experiment `key` now; kNotFound when no experiment has that key.
  core::StatusOr<Results> Get(const std::string& key);

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace gov::experiments
