#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace gov::store {

// What the control loop remembers about one target between syncs: the replica count it
// believes the platform has, the controller's history (opaque JSON owned by the controller:
// recommendations, scale events, last actions) and when it last synced.
struct TargetStateRecord {
  std::string target;
  int64_t replicas = 0;                     // the count after the last decision took effect
  std::optional<int64_t> desired_replicas;  // what the last decision asked for
  std::string state_json;
  core::TimePoint last_sync_at;
  std::string last_decision_id;
  int64_t epoch = 0;  // the leader epoch that wrote this row
};

// Target states, in one transaction at a time.
class TargetStateRepository {
 public:
  // Inserts or replaces the state of `state.target`. Returns false (and writes nothing) when
  // the target no longer exists.
  static core::StatusOr<bool> Upsert(Transaction& tx, const TargetStateRecord& state);
  static core::StatusOr<std::optional<TargetStateRecord>> Find(Transaction& tx,
                                                               const std::string& target);
  // Every stored state, by target name.
  static core::StatusOr<std::vector<TargetStateRecord>> ListAll(Transaction& tx);
};

// What the control loop reads and writes of target states, as an interface it takes by
// constructor; SqlTargetStateStore is TargetStateRepository's SQL over the caller's transaction.
class TargetStateStore {
 public:
  virtual ~TargetStateStore() = default;
  // As TargetStateRepository::Upsert and ::ListAll.
  virtual core::StatusOr<bool> Upsert(Transaction& tx, const TargetStateRecord& state) = 0;
  virtual core::StatusOr<std::vector<TargetStateRecord>> ListAll(Transaction& tx) = 0;
};

class SqlTargetStateStore final : public TargetStateStore {
 public:
  core::StatusOr<bool> Upsert(Transaction& tx, const TargetStateRecord& state) override;
  core::StatusOr<std::vector<TargetStateRecord>> ListAll(Transaction& tx) override;
};

}  // namespace gov::store
