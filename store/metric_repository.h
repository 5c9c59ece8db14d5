#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::store {

// One metric definition as stored. The store keeps the definition as the experiments module's
// canonical JSON text (experiments/experiment_json.h); it neither parses nor validates it.
struct MetricRecord {
  std::string name;
  std::string spec_json;
  int64_t version = 1;
  core::TimePoint created_at;
  core::TimePoint updated_at;
  bool operator==(const MetricRecord&) const = default;
};

// Metric definitions, in one transaction at a time. A metric an experiment references cannot
// be deleted (experiment_metrics references metrics(name)): the delete fails with
// kFailedPrecondition; ExperimentRepository::ListUsingMetric says which experiments.
class MetricRepository {
 public:
  // Inserts `metric` at version 1. kAlreadyExists when the name is taken.
  static core::Status Insert(Transaction& tx, const MetricRecord& metric);
  // kNotFound when absent.
  static core::StatusOr<MetricRecord> Get(Transaction& tx, const std::string& name);
  static core::StatusOr<std::optional<MetricRecord>> Find(Transaction& tx, const std::string& name);
  // Metrics by name; the cursor is the last name returned.
  static core::StatusOr<Page<MetricRecord>> List(Transaction& tx, const PageRequest& page);
  // Replaces the spec and bumps the version, if the version is still `expected_version` (any
  // version when nullopt). kConflict when it changed, kNotFound when absent. Returns the
  // updated record.
  static core::StatusOr<MetricRecord> Update(Transaction& tx, const std::string& name,
                                             const std::string& spec_json,
                                             std::optional<int64_t> expected_version,
                                             core::TimePoint now);
  // Deletes the metric if its version is still `expected_version` (any when nullopt).
  // kConflict when it changed, kNotFound when absent, kFailedPrecondition when an experiment
  // references it.
  static core::Status Delete(Transaction& tx, const std::string& name,
                             std::optional<int64_t> expected_version);
};

// Metric definitions as ExperimentService takes them by constructor (tests substitute their
// own); SqlMetricStore is MetricRepository's SQL over the caller's transaction.
class MetricStore {
 public:
  virtual ~MetricStore() = default;
  // As the MetricRepository functions of the same names.
  virtual core::Status Insert(Transaction& tx, const MetricRecord& metric) = 0;
  virtual core::StatusOr<std::optional<MetricRecord>> Find(Transaction& tx,
                                                           const std::string& name) = 0;
  virtual core::StatusOr<Page<MetricRecord>> List(Transaction& tx, const PageRequest& page) = 0;
  virtual core::StatusOr<MetricRecord> Update(Transaction& tx, const std::string& name,
                                              const std::string& spec_json,
                                              std::optional<int64_t> expected_version,
                                              core::TimePoint now) = 0;
  virtual core::Status Delete(Transaction& tx, const std::string& name,
                              std::optional<int64_t> expected_version) = 0;
};

class SqlMetricStore final : public MetricStore {
 public:
  core::Status Insert(Transaction& tx, const MetricRecord& metric) override;
  core::StatusOr<std::optional<MetricRecord>> Find(Transaction& tx,
                                                   const std::string& name) override;
  core::StatusOr<Page<MetricRecord>> List(Transaction& tx, const PageRequest& page) override;
  core::StatusOr<MetricRecord> Update(Transaction& tx, const std::string& name,
                                      const std::string& spec_json,
                                      std::optional<int64_t> expected_version,
                                      core::TimePoint now) override;
  core::Status Delete(Transaction& tx, const std::string& name,
                      std::optional<int64_t> expected_version) override;
};

}  // namespace gov::store
