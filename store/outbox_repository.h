#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace gov::store {

// The outbox kind of a release plan's webhook notification.
inline constexpr const char* kOutboxKindReleasePlanWebhook = "release-plan-webhook";

// One notification waiting to be delivered (table `outbox`). Times are stored in milliseconds.
struct OutboxRow {
  int64_t id = 0;    // assigned by Enqueue; stable across retries, so receivers dedupe by it
  std::string kind;  // what delivers it, e.g. kOutboxKindReleasePlanWebhook
  std::string url;
  std::string secret_env;  // the environment variable holding the signing secret; "" for none
  std::string payload_json;
  core::TimePoint created_at;
  int64_t attempts = 0;  // failed deliveries so far
  core::TimePoint next_attempt_at;
  std::optional<std::string> last_error;
  std::optional<core::TimePoint> delivered_at;
  bool operator==(const OutboxRow&) const = default;
};

// A transactional outbox: a change enqueues its notification in the change's own transaction,
// so the notification exists exactly when the change committed, and a deliverer sends it later.
//
// Delivery is at least once. A deliverer claims due rows in one short transaction (ClaimDue
// leases them for `lease`, so no other deliverer claims them meanwhile), commits, sends each,
// and records the outcome with MarkDelivered or MarkFailed in another transaction. A deliverer
// that dies after sending but before MarkDelivered lets the lease run out, and the row is sent
// again. Receivers therefore dedupe by the row's id, which the deliverer carries with every
// attempt (in the payload or a header such as X-Governor-Delivery).
class OutboxRepository {
 public:
  // Inserts `row` (its id, attempts, last_error and delivered_at are ignored: a new row has no
  // attempts and is undelivered) and returns its id. It is due at row.next_attempt_at.
  static core::StatusOr<int64_t> Enqueue(Transaction& tx, const OutboxRow& row);
  // Up to `limit` undelivered rows of `kind` ("" for every kind) due at `now`
  // (next_attempt_at <= now), those due longest, after moving their next_attempt_at to
  // now + lease; returned in id (enqueue) order. A concurrent claimer (another replica) never
  // gets the same rows while the lease lasts: on PostgreSQL it waits for this transaction's row
  // locks, then finds them no longer due and may return fewer than `limit`. Served by the
  // partial index outbox_due.
  static core::StatusOr<std::vector<OutboxRow>> ClaimDue(Transaction& tx, const std::string& kind,
                                                         core::TimePoint now,
                                                         std::chrono::milliseconds lease,
                                                         int64_t limit);
  // Marks row `id` delivered at `at`. Marking a delivered row again changes nothing.
  // kNotFound when absent.
  static core::Status MarkDelivered(Transaction& tx, int64_t id, core::TimePoint at);
  // Records a failed attempt on undelivered row `id`: attempts + 1, `error`, and the time of
  // the next attempt. A delivered row is left as it is. kNotFound when absent.
  static core::Status MarkFailed(Transaction& tx, int64_t id, const std::string& error,
                                 core::TimePoint next_attempt_at);
  // kNotFound when absent.
  static core::StatusOr<OutboxRow> Get(Transaction& tx, int64_t id);
  // How many rows of `kind` ("" for every kind) are not delivered yet.
  static core::StatusOr<int64_t> PendingCount(Transaction& tx, const std::string& kind);
  // Deletes the rows delivered before `before`; returns how many.
  static core::StatusOr<int64_t> PruneDelivered(Transaction& tx, core::TimePoint before);
};

// The outbox as services and the deliverer take it by constructor (tests substitute their
// own); SqlOutbox is OutboxRepository's SQL over the caller's transaction.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // As the OutboxRepository functions of the same names.
  virtual core::StatusOr<int64_t> Enqueue(Transaction& tx, const OutboxRow& row) = 0;
  virtual core::StatusOr<std::vector<OutboxRow>> ClaimDue(Transaction& tx, const std::string& kind,
                                                          core::TimePoint now,
                                                          std::chrono::milliseconds lease,
                                                          int64_t limit) = 0;
  virtual core::Status MarkDelivered(Transaction& tx, int64_t id, core::TimePoint at) = 0;
  virtual core::Status MarkFailed(Transaction& tx, int64_t id, const std::string& error,
                                  core::TimePoint next_attempt_at) = 0;
  virtual core::StatusOr<int64_t> PendingCount(Transaction& tx, const std::string& kind) = 0;
};

class SqlOutbox final : public Outbox {
 public:
  core::StatusOr<int64_t> Enqueue(Transaction& tx, const OutboxRow& row) override;
  core::StatusOr<std::vector<OutboxRow>> ClaimDue(Transaction& tx, const std::string& kind,
                                                  core::TimePoint now,
                                                  std::chrono::milliseconds lease,
                                                  int64_t limit) override;
  core::Status MarkDelivered(Transaction& tx, int64_t id, core::TimePoint at) override;
  core::Status MarkFailed(Transaction& tx, int64_t id, const std::string& error,
                          core::TimePoint next_attempt_at) override;
  core::StatusOr<int64_t> PendingCount(Transaction& tx, const std::string& kind) override;
};

}  // namespace gov::store
