#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/database.h"

namespace gov::store {

// One stored event (table `events`, migration 7): an exposure or a tracked event of one unit
// in one environment. Timestamps are Unix milliseconds.
struct EventRow {
  int64_t seq = 0;  // assigned by the store on insert; ignored by Insert
  std::string environment;
  std::string id;    // unique per environment
  std::string type;  // "exposure" or "track" (experiments::kEventTypeNames)
  std::string name;
  std::string unit;
  std::optional<double> value;
  int64_t at_ms = 0;                      // when the event happened (as the sender says)
  int64_t received_at_ms = 0;             // when the server accepted it
  std::optional<std::string> experiment;  // exposures: the resolved experiment key
  std::optional<std::string> feature;
  std::optional<std::string> variant;
  std::optional<std::string> properties_json;  // a JSON object, as sent
  bool operator==(const EventRow&) const = default;
};

// The events table. Ordering guarantee, which readers that follow `seq` with a cursor rely
// on: rows become visible in seq order, i.e. a reader that has seen seq S never later sees a
// new row with seq < S. Insert keeps it when every insert runs under WriterLock in the same
// transaction, and all writers of a process go through one thread (experiments::EventService
// does both): on SQLite the database has one writer at a time and AUTOINCREMENT never reuses a
// seq; on PostgreSQL WriterLock takes a transaction-level advisory lock, so the transactions
// of every replica that insert events are serialized from the seq they draw until their commit.
class EventRepository {
 public:
  // Rows per statement of Insert on SQLite (parameters: 12 per row).
  static constexpr size_t kSqliteRowsPerStatement = 256;

  // Serializes event writers across processes until `tx` ends (PostgreSQL: a transaction-level
  // advisory lock; SQLite: nothing, its read-write transactions are already exclusive).
  static core::Status WriterLock(Transaction& tx, Backend backend);
  // Inserts `rows` in order, skipping any whose (environment, id) is already stored or
  // appears earlier in `rows`. Returns, per row, whether it was inserted. One statement per
  // kSqliteRowsPerStatement rows on SQLite (a multi-row VALUES); one statement on PostgreSQL
  // (the rows travel as one JSON parameter read by json_to_recordset).
  static core::StatusOr<std::vector<bool>> Insert(Transaction& tx, Backend backend,
                                                  std::span<const EventRow> rows);
  // Up to `limit` events with seq > `after_seq`, in seq order (every environment).
  static core::StatusOr<std::vector<EventRow>> ReadAfter(Transaction& tx, int64_t after_seq,
                                                         int64_t limit);
  // The events of `unit` in `environment` with seq < `before_seq`, in seq order (served by
  // the index events_unit).
  static core::StatusOr<std::vector<EventRow>> ReadUnit(Transaction& tx,
                                                        const std::string& environment,
                                                        const std::string& unit,
                                                        int64_t before_seq);
  // How many events `environment` has ("" counts every environment).
  static core::StatusOr<int64_t> Count(Transaction& tx, const std::string& environment);
  // The largest seq stored, 0 when none.
  static core::StatusOr<int64_t> MaxSeq(Transaction& tx);
};

// The events table as an interface the event service and the aggregation take by constructor
// (tests substitute their own); SqlEventStore is EventRepository's SQL over the caller's
// transaction.
class EventStore {
 public:
  virtual ~EventStore() = default;
  // As the EventRepository functions of the same names.
  virtual core::Status WriterLock(Transaction& tx) = 0;
  virtual core::StatusOr<std::vector<bool>> Insert(Transaction& tx,
                                                   std::span<const EventRow> rows) = 0;
  virtual core::StatusOr<std::vector<EventRow>> ReadAfter(Transaction& tx, int64_t after_seq,
                                                          int64_t limit) = 0;
  virtual core::StatusOr<std::vector<EventRow>> ReadUnit(Transaction& tx,
                                                         const std::string& environment,
                                                         const std::string& unit,
                                                         int64_t before_seq) = 0;
  virtual core::StatusOr<int64_t> Count(Transaction& tx, const std::string& environment) = 0;
  virtual core::StatusOr<int64_t> MaxSeq(Transaction& tx) = 0;
};

class SqlEventStore final : public EventStore {
 public:
  explicit SqlEventStore(Backend backend) : backend_(backend) {}
  core::Status WriterLock(Transaction& tx) override;
  core::StatusOr<std::vector<bool>> Insert(Transaction& tx,
                                           std::span<const EventRow> rows) override;
  core::StatusOr<std::vector<EventRow>> ReadAfter(Transaction& tx, int64_t after_seq,
                                                  int64_t limit) override;
  core::StatusOr<std::vector<EventRow>> ReadUnit(Transaction& tx, const std::string& environment,
                                                 const std::string& unit,
                                                 int64_t before_seq) override;
  core::StatusOr<int64_t> Count(Transaction& tx, const std::string& environment) override;
  core::StatusOr<int64_t> MaxSeq(Transaction& tx) override;

 private:
  Backend backend_;
};

}  // namespace gov::store
