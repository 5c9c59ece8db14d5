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

}  // namespace gov::store
