#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace gov::store {

// How long load history is kept by default: two weeks (what a weekly season needs to be
// fitted and backtested) and a day of slack.
inline constexpr std::chrono::hours kDefaultLoadHistoryRetention{15 * 24};

// One reading of a target's total load (the predictive metric summed over the target) at
// `at`, in the metric's units.
struct LoadSample {
  core::TimePoint at;
  double value = 0;
  bool operator==(const LoadSample&) const = default;
};

// Per target and metric, the load the controller observed (or back-filled from Prometheus),
// kept so that a restarted process or a new leader forecasts from the same history.
// Timestamps are stored in milliseconds. Deleting a target deletes its history (ON DELETE
// CASCADE). One transaction at a time.
class LoadHistoryRepository {
 public:
  // Stores `samples` for (`target`, `metric`); a sample at a millisecond already stored
  // replaces it. Returns how many were written: 0 when the target no longer exists.
  static core::StatusOr<int64_t> Append(Transaction& tx, const std::string& target,
                                        const std::string& metric,
                                        std::span<const LoadSample> samples);
  // The samples of (`target`, `metric`) with from <= at < to, oldest first.
  static core::StatusOr<std::vector<LoadSample>> Read(Transaction& tx, const std::string& target,
                                                      const std::string& metric,
                                                      core::TimePoint from, core::TimePoint to);
  // Deletes every target's samples older than `cutoff`. Returns how many.
  static core::StatusOr<int64_t> Prune(Transaction& tx, core::TimePoint cutoff);
};

// The load history as an interface the control loop and the forecast service take by
// constructor (tests substitute their own); SqlLoadHistoryStore is LoadHistoryRepository's
// SQL over the caller's transaction.
class LoadHistoryStore {
 public:
  virtual ~LoadHistoryStore() = default;
  // As the LoadHistoryRepository functions of the same names.
  virtual core::StatusOr<int64_t> Append(Transaction& tx, const std::string& target,
                                         const std::string& metric,
                                         std::span<const LoadSample> samples) = 0;
  virtual core::StatusOr<std::vector<LoadSample>> Read(Transaction& tx, const std::string& target,
                                                       const std::string& metric,
                                                       core::TimePoint from,
                                                       core::TimePoint to) = 0;
  virtual core::StatusOr<int64_t> Prune(Transaction& tx, core::TimePoint cutoff) = 0;
};

class SqlLoadHistoryStore final : public LoadHistoryStore {
 public:
  core::StatusOr<int64_t> Append(Transaction& tx, const std::string& target,
                                 const std::string& metric,
                                 std::span<const LoadSample> samples) override;
  core::StatusOr<std::vector<LoadSample>> Read(Transaction& tx, const std::string& target,
                                               const std::string& metric, core::TimePoint from,
                                               core::TimePoint to) override;
  core::StatusOr<int64_t> Prune(Transaction& tx, core::TimePoint cutoff) override;
};

}  // namespace gov::store
