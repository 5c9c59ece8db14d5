#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::store {

// How a decision reached the platform.
enum class Actuation : uint8_t {
  kNone,     // the count did not change
  kPending,  // the hook is being called
  kApplied,  // the hook accepted the change
  kFailed,   // the hook failed; not scaled
  kDryRun,   // dry-run mode: hook not called
  kUnknown,  // a pending actuation whose leader stopped before recording the hook's answer
};

// The stored and wire names: "none", "pending", "applied", "failed", "dryRun", "unknown".
std::string_view ActuationName(Actuation actuation);
// The actuation named `name`; kInvalidArgument for any other text.
core::StatusOr<Actuation> ParseActuation(std::string_view name);

// One recorded scaling decision. `record_json` is the controller's full record (inputs,
// explanation, outcome); the other columns are the parts queries filter on.
struct DecisionRecord {
  int64_t seq = 0;  // assigned on insert; increases with insertion order
  std::string id;   // unique; the hooks' idempotency key
  std::string target;
  core::TimePoint at;
  int64_t epoch = 0;  // the leader epoch (fencing token) that made it
  int64_t from_replicas = 0;
  int64_t to_replicas = 0;
  std::string reason;
  Actuation actuation = Actuation::kNone;
  std::optional<std::string> error;
  std::string record_json;
};

// Decisions, in one transaction at a time.
class DecisionRepository {
 public:
  // Inserts `decision` (its seq is ignored). Returns the assigned seq, or nullopt (writing
  // nothing) when the target no longer exists. kAlreadyExists for a duplicate id.
  static core::StatusOr<std::optional<int64_t>> Insert(Transaction& tx,
                                                       const DecisionRecord& decision);
  // Records the hook's outcome of decision `id` (and its updated record). kNotFound when absent.
  static core::Status SetActuation(Transaction& tx, const std::string& id, Actuation actuation,
                                   const std::optional<std::string>& error,
                                   const std::string& record_json);
  // The target's decisions, newest first; the cursor is the last seq returned. kInternal when
  // a stored actuation has no name in ActuationName's table.
  static core::StatusOr<Page<DecisionRecord>> List(Transaction& tx, const std::string& target,
                                                   const PageRequest& page);
  // The target's newest decision, if any.
  static core::StatusOr<std::optional<DecisionRecord>> Latest(Transaction& tx,
                                                              const std::string& target);
  // Deletes all but the newest `keep` decisions of `target`. Returns how many were deleted.
  static core::StatusOr<int64_t> Prune(Transaction& tx, const std::string& target, int64_t keep);
  // Marks decisions still pending from epochs before `epoch` as Actuation::kUnknown with
  // `message`. Returns how many were marked.
  static core::StatusOr<int64_t> MarkAbandoned(Transaction& tx, int64_t epoch,
                                               const std::string& message);
};

// What the control loop and leader election write of decisions, as an interface they take by
// constructor; SqlDecisionWriter is DecisionRepository's SQL over the caller's transaction.
class DecisionWriter {
 public:
  virtual ~DecisionWriter() = default;
  // As DecisionRepository::Insert, ::SetActuation and ::Prune.
  virtual core::StatusOr<std::optional<int64_t>> Insert(Transaction& tx,
                                                        const DecisionRecord& decision) = 0;
  virtual core::Status SetActuation(Transaction& tx, const std::string& id, Actuation actuation,
                                    const std::optional<std::string>& error,
                                    const std::string& record_json) = 0;
  virtual core::StatusOr<int64_t> Prune(Transaction& tx, const std::string& target,
                                        int64_t keep) = 0;
  // As DecisionRepository::MarkAbandoned.
  virtual core::StatusOr<int64_t> MarkAbandoned(Transaction& tx, int64_t epoch,
                                                const std::string& message) = 0;
};

class SqlDecisionWriter final : public DecisionWriter {
 public:
  core::StatusOr<std::optional<int64_t>> Insert(Transaction& tx,
                                                const DecisionRecord& decision) override;
  core::Status SetActuation(Transaction& tx, const std::string& id, Actuation actuation,
                            const std::optional<std::string>& error,
                            const std::string& record_json) override;
  core::StatusOr<int64_t> Prune(Transaction& tx, const std::string& target, int64_t keep) override;
  core::StatusOr<int64_t> MarkAbandoned(Transaction& tx, int64_t epoch,
                                        const std::string& message) override;
};

}  // namespace gov::store
