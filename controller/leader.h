#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "store/database.h"
#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"

namespace gov::controller {

// The advisory-lock key every Governor process contends for ("gov_ctl").
inline constexpr int64_t kControllerLeaderLockKey = 0x676f765f63746c;

struct Leadership {
  bool leader = false;
  int64_t epoch = 0;          // this leadership's fencing token; 0 when not leading
  bool acquired_now = false;  // this call made the process leader (start from the store)
  bool lost_now = false;      // this call ended this process's leadership
};

// Leader election over the database's session lock (Database::TryAcquireLeaderLock: a
// PostgreSQL session-level advisory lock; on SQLite, a file lock, so one process leads).
// Each time the lock is acquired, the epoch in the store is advanced (the fencing token every
// decision carries) and decisions a previous leader left pending are marked unknown. Not
// thread-safe: one runner calls Check.
class LeaderElector {
 public:
  // The stores it writes when it becomes leader; the SQL ones by default.
  struct Repositories {
    store::DecisionEpochFence& epochs;
    store::DecisionWriter& decisions;
  };
  static Repositories SqlRepositories();

  LeaderElector(store::Database& db, const core::Clock& clock, std::string holder,
                int64_t lock_key = kControllerLeaderLockKey,
                Repositories repositories = SqlRepositories());

  // Tries to become, or checks that this process still is, the leader. A database error
  // counts as not leading (the loops must stop) and is returned.
  core::StatusOr<Leadership> Check();
  // The store's epoch moved past ours while we held the lock (our session was lost and
  // regained): the next Check starts a new epoch.
  void Invalidate();
  // Releases the lock if held.
  core::Status Resign();
  const std::string& holder() const { return holder_; }

 private:
  store::Database& db_;
  const core::Clock& clock_;
  std::string holder_;
  int64_t lock_key_;
  Repositories repositories_;
  int64_t epoch_ = 0;  // 0 when not leading
};

}  // namespace gov::controller
