#include "store/decision_epoch_repository.h"

namespace gov::store {

core::StatusOr<int64_t> DecisionEpochRepository::Advance(Transaction& tx, const std::string& holder,
                                                         core::TimePoint now) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE controller_leader SET epoch = epoch + 1, "
                                    "holder = $1, acquired_at = $2 WHERE id = 1 RETURNING epoch",
                                    {holder, core::ToUnixMillis(now)}));
  if (rs.rows.empty()) return core::Internal("controller_leader row is missing");
  return rs.rows[0].Int(0);
}

// A no-op UPDATE: it matches only while the epoch is unchanged, and on PostgreSQL it holds
// the row lock until commit, which serializes it with a new leader's Advance.
core::StatusOr<bool> DecisionEpochRepository::Fence(Transaction& tx, int64_t epoch) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE controller_leader SET epoch = epoch "
                                    "WHERE id = 1 AND epoch = $1",
                                    {epoch}));
  return rs.affected_rows == 1;
}

core::StatusOr<DecisionEpoch> DecisionEpochRepository::Current(Transaction& tx) {
  ASSIGN_OR_RETURN(
      auto rs, tx.Exec("SELECT epoch, holder, acquired_at FROM controller_leader WHERE id = 1"));
  if (rs.rows.empty()) return core::Internal("controller_leader row is missing");
  return DecisionEpoch{rs.rows[0].Int(0), rs.rows[0].OptText(1).value_or(""),
                       core::FromUnixMillis(rs.rows[0].Int(2))};
}

core::StatusOr<bool> SqlDecisionEpochFence::Fence(Transaction& tx, int64_t epoch) {
  return DecisionEpochRepository::Fence(tx, epoch);
}

core::StatusOr<int64_t> SqlDecisionEpochFence::Advance(Transaction& tx, const std::string& holder,
                                                       core::TimePoint now) {
  return DecisionEpochRepository::Advance(tx, holder, now);
}

}  // namespace gov::store
