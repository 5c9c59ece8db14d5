#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace gov::store {

struct EnvironmentRecord {
  std::string name;
  core::TimePoint created_at;
  int64_t version = 1;
};

// Environments (development and production exist from the first migration).
class EnvironmentRepository {
 public:
  // kAlreadyExists for a duplicate name.
  static core::Status Insert(Transaction& tx, const EnvironmentRecord& env);
  static core::StatusOr<std::vector<EnvironmentRecord>> List(Transaction& tx);
  static core::StatusOr<bool> Exists(Transaction& tx, const std::string& name);
};

// Environments as the services take them by constructor (tests substitute their own);
// SqlEnvironmentStore is EnvironmentRepository's SQL over the caller's transaction.
class EnvironmentStore {
 public:
  virtual ~EnvironmentStore() = default;
  // As EnvironmentRepository::Insert, ::List and ::Exists.
  virtual core::Status Insert(Transaction& tx, const EnvironmentRecord& env) = 0;
  virtual core::StatusOr<std::vector<EnvironmentRecord>> List(Transaction& tx) = 0;
  virtual core::StatusOr<bool> Exists(Transaction& tx, const std::string& name) = 0;
};

class SqlEnvironmentStore final : public EnvironmentStore {
 public:
  core::Status Insert(Transaction& tx, const EnvironmentRecord& env) override;
  core::StatusOr<std::vector<EnvironmentRecord>> List(Transaction& tx) override;
  core::StatusOr<bool> Exists(Transaction& tx, const std::string& name) override;
};

}  // namespace gov::store
