#pragma once

// Feature-flag definitions: features, their per-environment state, segments and the
// per-environment revision counter. Definitions are stored as JSON text in the Unleash
// client-API shape; parsing and validation belong to gov_flags, not here.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace gov::store {

// A feature's environment-independent fields (name, project, type, description, stale,
// impressionData, dependencies) as one JSON object.
struct FeatureRecord {
  std::string name;
  std::string project;
  std::string definition_json;
  int64_t version = 1;  // bumps on every change to the feature, in any environment
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

// A feature's state in one environment.
struct FeatureEnvironmentRecord {
  std::string feature;
  std::string environment;
  bool enabled = false;
  std::string strategies_json = "[]";  // JSON array of strategies
  std::string variants_json = "[]";    // JSON array of variants
};

struct SegmentRecord {
  int64_t id = 0;
  std::string name;
  std::string definition_json;  // {"id", "name", "constraints"}
  int64_t version = 1;
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

// Every operation runs inside the caller's transaction.
class FlagRepository {
 public:
  // Inserts `feature` at version 1. kAlreadyExists for a duplicate name.
  static core::Status InsertFeature(Transaction& tx, const FeatureRecord& feature);
  // kNotFound when absent.
  static core::StatusOr<FeatureRecord> GetFeature(Transaction& tx, const std::string& name);
  // Every feature, by name.
  static core::StatusOr<std::vector<FeatureRecord>> ListFeatures(Transaction& tx);
  // Replaces the definition and bumps the version if it is still `expected_version` (any
  // version when unset). kConflict when it changed, kNotFound when absent. Returns the result.
  static core::StatusOr<FeatureRecord> UpdateFeature(Transaction& tx, const std::string& name,
                                                     const std::string& project,
                                                     const std::string& definition_json,
                                                     std::optional<int64_t> expected_version,
                                                     core::TimePoint now);
  // Deletes the feature and its environment states if at `expected_version` (any when unset).
  static core::Status DeleteFeature(Transaction& tx, const std::string& name,
                                    std::optional<int64_t> expected_version);

  // The feature's state in every environment that has one, by environment name.
  static core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListFeatureEnvironments(
      Transaction& tx, const std::string& feature);
  // Every feature's state in `environment`, by feature name.
  static core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListEnvironmentStates(
      Transaction& tx, const std::string& environment);
  // Every stored environment state (for segment-usage checks).
  static core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListAllEnvironmentStates(
      Transaction& tx);
  // Inserts or replaces one environment state. kFailedPrecondition when the feature or the
  // environment does not exist.
  static core::Status PutFeatureEnvironment(Transaction& tx, const FeatureEnvironmentRecord& state);

  // Increments the environment's revision and returns the new value (1 for the first change).
  static core::StatusOr<int64_t> BumpRevision(Transaction& tx, const std::string& environment);
  // The environment's revision; 0 before its first change.
  static core::StatusOr<int64_t> GetRevision(Transaction& tx, const std::string& environment);
  // Revision of every environment that has one.
  static core::StatusOr<std::map<std::string, int64_t>> ListRevisions(Transaction& tx);

  // Inserts `segment` at version 1. With id 0 the next free id is assigned. Returns the id.
  // kAlreadyExists for a duplicate id.
  static core::StatusOr<int64_t> InsertSegment(Transaction& tx, const SegmentRecord& segment);
  // kNotFound when absent.
  static core::StatusOr<SegmentRecord> GetSegment(Transaction& tx, int64_t id);
  // Every segment, by id.
  static core::StatusOr<std::vector<SegmentRecord>> ListSegments(Transaction& tx);
  // Replaces name and definition if the version is still `expected_version` (any when unset);
  // kConflict / kNotFound as for features. Returns the result.
  static core::StatusOr<SegmentRecord> UpdateSegment(Transaction& tx, int64_t id,
                                                     const std::string& name,
                                                     const std::string& definition_json,
                                                     std::optional<int64_t> expected_version,
                                                     core::TimePoint now);
  static core::Status DeleteSegment(Transaction& tx, int64_t id,
                                    std::optional<int64_t> expected_version);
};

// Flag definitions as the flag services take them by constructor (tests substitute their own);
// SqlFlagStore is FlagRepository's SQL over the caller's transaction.
class FlagStore {
 public:
  virtual ~FlagStore() = default;
  // As the FlagRepository functions of the same names.
  virtual core::Status InsertFeature(Transaction& tx, const FeatureRecord& feature) = 0;
  virtual core::StatusOr<FeatureRecord> GetFeature(Transaction& tx, const std::string& name) = 0;
  virtual core::StatusOr<std::vector<FeatureRecord>> ListFeatures(Transaction& tx) = 0;
  virtual core::StatusOr<FeatureRecord> UpdateFeature(Transaction& tx, const std::string& name,
                                                      const std::string& project,
                                                      const std::string& definition_json,
                                                      std::optional<int64_t> expected_version,
                                                      core::TimePoint now) = 0;
  virtual core::Status DeleteFeature(Transaction& tx, const std::string& name,
                                     std::optional<int64_t> expected_version) = 0;

  virtual core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListFeatureEnvironments(
      Transaction& tx, const std::string& feature) = 0;
  virtual core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListEnvironmentStates(
      Transaction& tx, const std::string& environment) = 0;
  virtual core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListAllEnvironmentStates(
      Transaction& tx) = 0;
  virtual core::Status PutFeatureEnvironment(Transaction& tx,
                                             const FeatureEnvironmentRecord& state) = 0;

  virtual core::StatusOr<int64_t> BumpRevision(Transaction& tx, const std::string& environment) = 0;
  virtual core::StatusOr<int64_t> GetRevision(Transaction& tx, const std::string& environment) = 0;
  virtual core::StatusOr<std::map<std::string, int64_t>> ListRevisions(Transaction& tx) = 0;

  virtual core::StatusOr<int64_t> InsertSegment(Transaction& tx, const SegmentRecord& segment) = 0;
  virtual core::StatusOr<SegmentRecord> GetSegment(Transaction& tx, int64_t id) = 0;
  virtual core::StatusOr<std::vector<SegmentRecord>> ListSegments(Transaction& tx) = 0;
  virtual core::StatusOr<SegmentRecord> UpdateSegment(Transaction& tx, int64_t id,
                                                      const std::string& name,
                                                      const std::string& definition_json,
                                                      std::optional<int64_t> expected_version,
                                                      core::TimePoint now) = 0;
  virtual core::Status DeleteSegment(Transaction& tx, int64_t id,
                                     std::optional<int64_t> expected_version) = 0;
};

class SqlFlagStore final : public FlagStore {
 public:
  core::Status InsertFeature(Transaction& tx, const FeatureRecord& feature) override;
  core::StatusOr<FeatureRecord> GetFeature(Transaction& tx, const std::string& name) override;
  core::StatusOr<std::vector<FeatureRecord>> ListFeatures(Transaction& tx) override;
  core::StatusOr<FeatureRecord> UpdateFeature(Transaction& tx, const std::string& name,
                                              const std::string& project,
                                              const std::string& definition_json,
                                              std::optional<int64_t> expected_version,
                                              core::TimePoint now) override;
  core::Status DeleteFeature(Transaction& tx, const std::string& name,
                             std::optional<int64_t> expected_version) override;
  core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListFeatureEnvironments(
      Transaction& tx, const std::string& feature) override;
  core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListEnvironmentStates(
      Transaction& tx, const std::string& environment) override;
  core::StatusOr<std::vector<FeatureEnvironmentRecord>> ListAllEnvironmentStates(
      Transaction& tx) override;
  core::Status PutFeatureEnvironment(Transaction& tx,
                                     const FeatureEnvironmentRecord& state) override;
  core::StatusOr<int64_t> BumpRevision(Transaction& tx, const std::string& environment) override;
  core::StatusOr<int64_t> GetRevision(Transaction& tx, const std::string& environment) override;
  core::StatusOr<std::map<std::string, int64_t>> ListRevisions(Transaction& tx) override;
  core::StatusOr<int64_t> InsertSegment(Transaction& tx, const SegmentRecord& segment) override;
  core::StatusOr<SegmentRecord> GetSegment(Transaction& tx, int64_t id) override;
  core::StatusOr<std::vector<SegmentRecord>> ListSegments(Transaction& tx) override;
  core::StatusOr<SegmentRecord> UpdateSegment(Transaction& tx, int64_t id, const std::string& name,
                                              const std::string& definition_json,
                                              std::optional<int64_t> expected_version,
                                              core::TimePoint now) override;
  core::Status DeleteSegment(Transaction& tx, int64_t id,
                             std::optional<int64_t> expected_version) override;
};

}  // namespace gov::store
