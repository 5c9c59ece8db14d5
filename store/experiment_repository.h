#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::store {

// The status text of a running experiment (experiments::kExperimentStatusNames): at most one
// experiment per (environment, feature) has it, which a unique index enforces.
inline constexpr const char* kExperimentStatusRunning = "running";

// One experiment as stored. The store keeps the experiment as the experiments module's
// canonical JSON text (experiments/experiment_json.h) and copies out the columns it queries
// by: environment, feature, status, start and stop, and the metric definitions it uses.
struct ExperimentRecord {
  std::string key;
  std::string environment;
  std::string feature;
  std::string status;
  std::string spec_json;
  std::vector<std::string> metrics;  // names of the metric definitions it references
  int64_t version = 1;
  core::TimePoint created_at;
  core::TimePoint updated_at;
  std::optional<core::TimePoint> started_at;
  std::optional<core::TimePoint> stopped_at;
  bool operator==(const ExperimentRecord&) const = default;
};

// Experiments, in one transaction at a time. Times are stored in milliseconds. Deleting an
// experiment deletes what other tables keep for it (they reference experiments(key) ON DELETE
// CASCADE).
class ExperimentRepository {
 public:
  // Inserts `experiment` at version 1 (its `version` is ignored). kAlreadyExists when the key
  // is taken; kConflict when it is running and another running experiment binds its feature
  // in its environment; kFailedPrecondition when a metric or the environment does not exist.
  static core::Status Insert(Transaction& tx, const ExperimentRecord& experiment);
  // kNotFound when absent.
  static core::StatusOr<ExperimentRecord> Get(Transaction& tx, const std::string& key);
  static core::StatusOr<std::optional<ExperimentRecord>> Find(Transaction& tx,
                                                              const std::string& key);
  // Experiments by key; the cursor is the last key returned.
  static core::StatusOr<Page<ExperimentRecord>> List(Transaction& tx, const PageRequest& page);
  // Every experiment whose status is `status`, by key.
  static core::StatusOr<std::vector<ExperimentRecord>> ListByStatus(Transaction& tx,
                                                                    const std::string& status);
  // Every experiment on `feature` in `environment`, by key.
  static core::StatusOr<std::vector<ExperimentRecord>> ListForFeature(
      Transaction& tx, const std::string& environment, const std::string& feature);
  // The keys of the experiments that reference metric `metric`, sorted.
  static core::StatusOr<std::vector<std::string>> ListUsingMetric(Transaction& tx,
                                                                  const std::string& metric);
  // Replaces everything but the key and created_at with `experiment`'s and bumps the version,
  // if the version is still `expected_version` (any version when nullopt); updated_at becomes
  // `now`. kConflict when the version changed or when it would be a second running experiment
  // on its feature; kNotFound when absent. Returns the updated record.
  static core::StatusOr<ExperimentRecord> Update(Transaction& tx,
                                                 const ExperimentRecord& experiment,
                                                 std::optional<int64_t> expected_version,
                                                 core::TimePoint now);
  // Deletes the experiment if its version is still `expected_version` (any when nullopt).
  // kConflict when it changed, kNotFound when absent.
  static core::Status Delete(Transaction& tx, const std::string& key,
                             std::optional<int64_t> expected_version);
};

// Experiments as ExperimentService takes them by constructor (tests substitute their own);
// SqlExperimentStore is ExperimentRepository's SQL over the caller's transaction.
class ExperimentStore {
 public:
  virtual ~ExperimentStore() = default;
  // As the ExperimentRepository functions of the same names.
  virtual core::Status Insert(Transaction& tx, const ExperimentRecord& experiment) = 0;
  virtual core::StatusOr<std::optional<ExperimentRecord>> Find(Transaction& tx,
                                                               const std::string& key) = 0;
  virtual core::StatusOr<Page<ExperimentRecord>> List(Transaction& tx, const PageRequest& page) = 0;
  virtual core::StatusOr<std::vector<ExperimentRecord>> ListByStatus(Transaction& tx,
                                                                     const std::string& status) = 0;
  virtual core::StatusOr<std::vector<ExperimentRecord>> ListForFeature(
      Transaction& tx, const std::string& environment, const std::string& feature) = 0;
  virtual core::StatusOr<std::vector<std::string>> ListUsingMetric(Transaction& tx,
                                                                   const std::string& metric) = 0;
  virtual core::StatusOr<ExperimentRecord> Update(Transaction& tx,
                                                  const ExperimentRecord& experiment,
                                                  std::optional<int64_t> expected_version,
                                                  core::TimePoint now) = 0;
  virtual core::Status Delete(Transaction& tx, const std::string& key,
                              std::optional<int64_t> expected_version) = 0;
};

class SqlExperimentStore final : public ExperimentStore {
 public:
  core::Status Insert(Transaction& tx, const ExperimentRecord& experiment) override;
  core::StatusOr<std::optional<ExperimentRecord>> Find(Transaction& tx,
                                                       const std::string& key) override;
  core::StatusOr<Page<ExperimentRecord>> List(Transaction& tx, const PageRequest& page) override;
  core::StatusOr<std::vector<ExperimentRecord>> ListByStatus(Transaction& tx,
                                                             const std::string& status) override;
  core::StatusOr<std::vector<ExperimentRecord>> ListForFeature(Transaction& tx,
                                                               const std::string& environment,
                                                               const std::string& feature) override;
  core::StatusOr<std::vector<std::string>> ListUsingMetric(Transaction& tx,
                                                           const std::string& metric) override;
  core::StatusOr<ExperimentRecord> Update(Transaction& tx, const ExperimentRecord& experiment,
                                          std::optional<int64_t> expected_version,
                                          core::TimePoint now) override;
  core::Status Delete(Transaction& tx, const std::string& key,
                      std::optional<int64_t> expected_version) override;
};

}  // namespace gov::store
