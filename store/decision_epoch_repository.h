#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "store/database.h"

namespace gov::store {

// The leader epoch: a counter in the database, advanced each time a process becomes the
// controller leader. Every decision carries the epoch that made it (a fencing token), and a
// leader writes decisions only while its epoch is still the current one.
struct DecisionEpoch {
  int64_t epoch = 0;  // 0 before any leader
  std::string holder;
  core::TimePoint acquired_at;
};

class DecisionEpochRepository {
 public:
  // Advances the epoch for `holder` and returns the new value.
  static core::StatusOr<int64_t> Advance(Transaction& tx, const std::string& holder,
                                         core::TimePoint now);
  // True when `epoch` is still the current epoch. On PostgreSQL this also locks the epoch row
  // until `tx` ends, so no new leader can advance it while `tx` writes as `epoch`.
  static core::StatusOr<bool> Fence(Transaction& tx, int64_t epoch);
  static core::StatusOr<DecisionEpoch> Current(Transaction& tx);
};

// The epoch as the control loop (which checks the fence before it writes) and leader election
// (which advances it) use it, as an interface they take by constructor;
// SqlDecisionEpochFence is DecisionEpochRepository's.
class DecisionEpochFence {
 public:
  virtual ~DecisionEpochFence() = default;
  // As DecisionEpochRepository::Fence and ::Advance.
  virtual core::StatusOr<bool> Fence(Transaction& tx, int64_t epoch) = 0;
  virtual core::StatusOr<int64_t> Advance(Transaction& tx, const std::string& holder,
                                          core::TimePoint now) = 0;
};

class SqlDecisionEpochFence final : public DecisionEpochFence {
 public:
  core::StatusOr<bool> Fence(Transaction& tx, int64_t epoch) override;
  core::StatusOr<int64_t> Advance(Transaction& tx, const std::string& holder,
                                  core::TimePoint now) override;
};

}  // namespace gov::store
