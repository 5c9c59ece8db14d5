#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/decision_repository.h"
#include "store/page.h"
#include "store/target_state_repository.h"

namespace gov::store {

// Where a target's definition lives: the config file's `targets:` (read-only through the
// API, re-applied at every start) or the targets API.
inline constexpr const char* kTargetSourceConfig = "config";
inline constexpr const char* kTargetSourceApi = "api";

// One autoscaling target as stored. The store keeps the spec as the controller's canonical
// JSON text; it neither parses nor validates it.
struct TargetRecord {
  std::string name;
  std::string spec_json;
  std::string source = kTargetSourceApi;
  int64_t version = 1;
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

// Targets, in one transaction at a time. Deleting a target deletes its state and decisions
// (ON DELETE CASCADE).
class TargetRepository {
 public:
  // Inserts `target` at version 1. kAlreadyExists when the name is taken.
  static core::Status Insert(Transaction& tx, const TargetRecord& target);
  // kNotFound when absent.
  static core::StatusOr<TargetRecord> Get(Transaction& tx, const std::string& name);
  static core::StatusOr<std::optional<TargetRecord>> Find(Transaction& tx, const std::string& name);
  // Targets by name; the cursor is the last name returned.
  static core::StatusOr<Page<TargetRecord>> List(Transaction& tx, const PageRequest& page);
  // Every target, by name.
  static core::StatusOr<std::vector<TargetRecord>> ListAll(Transaction& tx);
  // Replaces the spec and source and bumps the version, if the version is still
  // `expected_version` (any version when nullopt). kConflict when it changed, kNotFound when
  // absent. Returns the updated record.
  static core::StatusOr<TargetRecord> Update(Transaction& tx, const std::string& name,
                                             const std::string& spec_json,
                                             const std::string& source,
                                             std::optional<int64_t> expected_version,
                                             core::TimePoint now);
  // Deletes the target if its version is still `expected_version` (any when nullopt).
  // kConflict when it changed, kNotFound when absent.
  static core::Status Delete(Transaction& tx, const std::string& name,
                             std::optional<int64_t> expected_version);
};

// What the control loop reads of targets, as an interface it takes by constructor (tests
// substitute their own); SqlTargetReader reads the database through TargetRepository.
class TargetReader {
 public:
  virtual ~TargetReader() = default;
  // Every target, by name.
  virtual core::StatusOr<std::vector<TargetRecord>> ListAll(Transaction& tx) = 0;
};

class SqlTargetReader final : public TargetReader {
 public:
  core::StatusOr<std::vector<TargetRecord>> ListAll(Transaction& tx) override;
};

// What the targets API reads and writes, as an interface TargetService takes by constructor
// (tests substitute their own): the targets, and what the control loop recorded about them.
// SqlTargetStore is TargetRepository's, TargetStateRepository's and DecisionRepository's SQL
// over the caller's transaction.
class TargetStore {
 public:
  virtual ~TargetStore() = default;
  // As the TargetRepository functions of the same names.
  virtual core::Status Insert(Transaction& tx, const TargetRecord& target) = 0;
  virtual core::StatusOr<TargetRecord> Get(Transaction& tx, const std::string& name) = 0;
  virtual core::StatusOr<Page<TargetRecord>> List(Transaction& tx, const PageRequest& page) = 0;
  virtual core::StatusOr<std::vector<TargetRecord>> ListAll(Transaction& tx) = 0;
  virtual core::StatusOr<TargetRecord> Update(Transaction& tx, const std::string& name,
                                              const std::string& spec_json,
                                              const std::string& source,
                                              std::optional<int64_t> expected_version,
                                              core::TimePoint now) = 0;
  virtual core::Status Delete(Transaction& tx, const std::string& name,
                              std::optional<int64_t> expected_version) = 0;
  // As TargetStateRepository::Find.
  virtual core::StatusOr<std::optional<TargetStateRecord>> FindState(Transaction& tx,
                                                                     const std::string& target) = 0;
  // As DecisionRepository::Latest and ::List.
  virtual core::StatusOr<std::optional<DecisionRecord>> LatestDecision(
      Transaction& tx, const std::string& target) = 0;
  virtual core::StatusOr<Page<DecisionRecord>> ListDecisions(Transaction& tx,
                                                             const std::string& target,
                                                             const PageRequest& page) = 0;
};

class SqlTargetStore final : public TargetStore {
 public:
  core::Status Insert(Transaction& tx, const TargetRecord& target) override;
  core::StatusOr<TargetRecord> Get(Transaction& tx, const std::string& name) override;
  core::StatusOr<Page<TargetRecord>> List(Transaction& tx, const PageRequest& page) override;
  core::StatusOr<std::vector<TargetRecord>> ListAll(Transaction& tx) override;
  core::StatusOr<TargetRecord> Update(Transaction& tx, const std::string& name,
                                      const std::string& spec_json, const std::string& source,
                                      std::optional<int64_t> expected_version,
                                      core::TimePoint now) override;
  core::Status Delete(Transaction& tx, const std::string& name,
                      std::optional<int64_t> expected_version) override;
  core::StatusOr<std::optional<TargetStateRecord>> FindState(Transaction& tx,
                                                             const std::string& target) override;
  core::StatusOr<std::optional<DecisionRecord>> LatestDecision(Transaction& tx,
                                                               const std::string& target) override;
  core::StatusOr<Page<DecisionRecord>> ListDecisions(Transaction& tx, const std::string& target,
                                                     const PageRequest& page) override;
};

}  // namespace gov::store
