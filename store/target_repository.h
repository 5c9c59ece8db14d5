#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

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

}  // namespace gov::store
