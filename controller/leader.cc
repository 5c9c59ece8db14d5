#include "controller/leader.h"

#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"

namespace gov::controller {

LeaderElector::Repositories LeaderElector::SqlRepositories() {
  static store::SqlDecisionEpochFence epochs;
  static store::SqlDecisionWriter decisions;
  return Repositories{epochs, decisions};
}

LeaderElector::LeaderElector(store::Database& db, const core::Clock& clock, std::string holder,
                             int64_t lock_key, Repositories repositories)
    : db_(db),
      clock_(clock),
      holder_(std::move(holder)),
      lock_key_(lock_key),
      repositories_(repositories) {}

core::StatusOr<Leadership> LeaderElector::Check() {
  Leadership out;
  const bool was_leader = epoch_ != 0;
  auto held = db_.TryAcquireLeaderLock(lock_key_);
  if (!held.ok() || !*held) {
    epoch_ = 0;
    out.lost_now = was_leader;
    if (!held.ok()) return held.status();
    return out;
  }
  if (epoch_ == 0) {
    int64_t epoch = 0;
    core::Status s = store::WithTransaction(
        db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(epoch, repositories_.epochs.Advance(tx, holder_, clock_.Now()));
          return repositories_.decisions
              .MarkAbandoned(tx, epoch, "the leader stopped before recording the hook's answer")
              .status();
        });
    if (!s.ok()) return s;
    epoch_ = epoch;
    out.acquired_now = true;
  }
  out.leader = true;
  out.epoch = epoch_;
  return out;
}

void LeaderElector::Invalidate() { epoch_ = 0; }

core::Status LeaderElector::Resign() {
  epoch_ = 0;
  return db_.ReleaseLeaderLock(lock_key_);
}

}  // namespace gov::controller
