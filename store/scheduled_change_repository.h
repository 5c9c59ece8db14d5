#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::store {

// The state texts of a scheduled change (flags::kScheduledChangeStateNames). A change leaves
// "pending" once, to "done" or "cancelled", by an UPDATE guarded by state = 'pending'.
inline constexpr const char* kScheduledChangePending = "pending";
inline constexpr const char* kScheduledChangeDone = "done";
inline constexpr const char* kScheduledChangeCancelled = "cancelled";

// One scheduled change of a feature in one environment (table `scheduled_changes`). Times are
// stored in milliseconds. Deleting the feature deletes its scheduled changes.
struct ScheduledChangeRecord {
  int64_t id = 0;  // assigned on insert; increases with insertion order
  std::string feature;
  std::string environment;
  std::string action;  // "on" or "off" (flags::kScheduledActionNames)
  core::TimePoint at;  // when it is due
  std::string state;   // kScheduledChangePending, kScheduledChangeDone or ...Cancelled
  std::string created_by;
  core::TimePoint created_at;
  std::optional<core::TimePoint> finished_at;  // when it became done or cancelled
  bool operator==(const ScheduledChangeRecord&) const = default;
};

// Scheduled changes, in the caller's transaction.
class ScheduledChangeRepository {
 public:
  // Inserts `change` (its id, state and finished_at are ignored: it is stored pending) and
  // returns it with its id. kFailedPrecondition when the feature or environment does not exist.
  static core::StatusOr<ScheduledChangeRecord> Insert(Transaction& tx,
                                                      const ScheduledChangeRecord& change);
  // nullopt when absent.
  static core::StatusOr<std::optional<ScheduledChangeRecord>> Find(Transaction& tx, int64_t id);
  // The changes of `feature` in `environment`, newest first; the cursor is the last id returned.
  static core::StatusOr<Page<ScheduledChangeRecord>> ListForFlag(Transaction& tx,
                                                                 const std::string& feature,
                                                                 const std::string& environment,
                                                                 const PageRequest& page);
  // Every change, or those in `state` when set, newest first; the cursor is the last id.
  static core::StatusOr<Page<ScheduledChangeRecord>> List(Transaction& tx,
                                                          const std::optional<std::string>& state,
                                                          const PageRequest& page);
  // Up to `limit` pending changes due at `now` (at <= now), earliest first (then by id).
  static core::StatusOr<std::vector<ScheduledChangeRecord>> ListDue(Transaction& tx,
                                                                    core::TimePoint now,
                                                                    int64_t limit);
  // Moves change `id` from pending to `state` at `now`. Returns false when it was not pending
  // (absent, or already done or cancelled): a second runner or a retry changes nothing.
  static core::StatusOr<bool> Finish(Transaction& tx, int64_t id, const std::string& state,
                                     core::TimePoint now);
};

}  // namespace gov::store
