#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// 64-bit keys the events table indexes in place of text columns (XXH3 of the environment and
// the id, or the unit). Stored, so they never change between versions. Two ids may share a
// hash: a hash only narrows a search, keys are compared in full.
int64_t EventIdHash(std::string_view environment, std::string_view id);
int64_t EventUnitHash(std::string_view environment, std::string_view unit);

// The events table (migrations 7 and 11), indexed by seq and by (unit_hash, seq) (a unit's
// events). Ids are unique per environment, kept so differently per backend, each the faster
// there (docs/benchmarks.md):
// - SQLite: UNIQUE (environment, id) and INSERT ... ON CONFLICT DO NOTHING. Ids that grow
//   (counters, time-ordered UUIDs) then land next to each other in the index.
// - PostgreSQL: an index on id_hash; Insert probes it for the batch's ids and inserts the rest.
//   Nothing in the schema makes ids unique there: Insert does, under the writers' contract.
//
// Writers' contract: every insert runs under WriterLock in the same transaction, and all
// writers of a process go through one thread (experiments::EventService does both). Two
// guarantees rest on it:
// - Ordering, which readers that follow `seq` with a cursor rely on: rows become visible in
//   seq order, i.e. a reader that has seen seq S never later sees a new row with seq < S. On
//   SQLite the database has one writer at a time and AUTOINCREMENT never reuses a seq; on
//   PostgreSQL WriterLock takes a transaction-level advisory lock, so the transactions of
//   every replica that insert events are serialized from the seq they draw until their commit.
// - Idempotence on PostgreSQL: the probe runs after the lock, at READ COMMITTED, so it sees
//   every earlier writer's committed rows and an id is stored once.
class EventRepository {
 public:
  // Rows per statement of Insert on SQLite (parameters: 13 per row).
  static constexpr size_t kSqliteRowsPerStatement = 256;
  // Serializes event writers across processes until `tx` ends (PostgreSQL: a transaction-level
  // advisory lock; SQLite: nothing, its read-write transactions are already exclusive).
  static core::Status WriterLock(Transaction& tx, Backend backend);
  // Inserts `rows` in order, skipping any whose (environment, id) is already stored or
  // appears earlier in `rows`. Returns, per row, whether it was inserted. Call after
  // WriterLock in the same transaction. SQLite: a multi-row INSERT ... ON CONFLICT DO NOTHING
  // RETURNING per kSqliteRowsPerStatement rows. PostgreSQL: one probe for stored ids
  // (`id_hash = ANY($1)`), then one INSERT of the rest, the columns travelling as arrays
  // (`unnest`).
  static core::StatusOr<std::vector<bool>> Insert(Transaction& tx, Backend backend,
                                                  std::span<const EventRow> rows);
  // Migration 11: adds unit_hash (and on PostgreSQL id_hash) to the events stored so far and
  // replaces the text index events_unit (and on PostgreSQL the UNIQUE (environment, id)
  // constraint) with the hash indexes.
  static core::Status MigrateToHashedKeys(Transaction& tx, Backend backend);
  // Up to `limit` events with seq > `after_seq`, in seq order (every environment).
  static core::StatusOr<std::vector<EventRow>> ReadAfter(Transaction& tx, int64_t after_seq,
                                                         int64_t limit);
  // The events of `unit` in `environment` with seq < `before_seq`, in seq order (served by
  // the index events_unit_hash).
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
