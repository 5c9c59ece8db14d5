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
  std::string id;    // unique per unit and environment
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
// hash: a hash only narrows a search, keys are compared in full. `attempt` picks one of a
// chain of hashes of the same id (0 is the first), for an id whose hash another id of the
// same unit hash holds.
int64_t EventIdHash(std::string_view environment, std::string_view id, int attempt = 0);
int64_t EventUnitHash(std::string_view environment, std::string_view unit);

// The events table (migrations 7, 11, 14 and 15), indexed by seq and by one UNIQUE
// (unit_hash, id_hash), which serves both a unit's events and repeats. An event is the same
// event when its environment, unit and id are (as analytics stores deduplicate by insert id
// and user): it takes the first hash of its id's chain (EventIdHash with attempt 0, 1, ...)
// that no other event holds with its unit hash, and is a repeat when it meets a row with its
// own environment, unit and id on the way. Rows are never deleted, so the chain of a stored
// event never breaks. Writers need no lock: the unique index makes a second writer of the same
// key wait for the first (and then fail, see Insert). One random-key index per row, where
// there were two (id hash, unit hash): the writer's cost per event, on SQLite above all.
//
// Order (PostgreSQL, migration 14): each row also stores `xid`, the id of the transaction that
// wrote it. Several writers commit concurrently, so rows do not become visible in seq order;
// they do in (xid, seq) order below the horizon pg_snapshot_xmin(pg_current_snapshot()): a
// transaction whose xid is below it has ended, so no row will appear there later. Readers that
// follow the events with a cursor (experiments aggregation) use that order and horizon. On
// SQLite one transaction writes at a time and AUTOINCREMENT never reuses a seq, so rows become
// visible in seq order (xid is not stored; it reads as 0).
class EventRepository {
 public:
  // Rows per statement of Insert on SQLite (parameters: 14 per row).
  static constexpr size_t kSqliteRowsPerStatement = 256;
  // Call once in a transaction before Insert. PostgreSQL: plans the transaction's statements
  // without sequential scans (see event_repository.cc). SQLite: nothing.
  static core::Status PrepareWriter(Transaction& tx, Backend backend);
  // Inserts `rows` in order, skipping any whose (environment, unit, id) is already stored or
  // appears earlier in `rows`. Returns, per row, whether it was inserted. SQLite: rounds of
  // INSERT OR IGNORE ... RETURNING (256 rows per statement),
  // a row that met a taken key probed by it. PostgreSQL: the stored keys probed first (one
  // join with the batch's (unit_hash, id_hash) pairs per round of the chain), then one plain
  // INSERT, the columns travelling as arrays through `unnest`; when a concurrent transaction
  // stores one of the same keys first, this fails with kAlreadyExists (or kConflict, a
  // deadlock between two such writers) and the whole transaction must be run again.
  static core::StatusOr<std::vector<bool>> Insert(Transaction& tx, Backend backend,
                                                  std::span<const EventRow> rows);
  // Migration 11: adds unit_hash (and on PostgreSQL id_hash) to the events stored so far and
  // replaces the text index events_unit (and on PostgreSQL the UNIQUE (environment, id)
  // constraint) with the hash indexes.
  static core::Status MigrateToHashedKeys(Transaction& tx, Backend backend);
  // Migration 14: ids unique by a UNIQUE id_hash on both backends (SQLite: the table is
  // rebuilt without its UNIQUE (environment, id)); PostgreSQL: the xid column and the
  // (xid, seq) index.
  static core::Status MigrateToUniqueIdHash(Transaction& tx, Backend backend);
  // Migration 15: the UNIQUE (unit_hash, id_hash) index in place of the unique id_hash and the
  // (unit_hash, seq) index (SQLite: the table is rebuilt without its UNIQUE id_hash); an
  // event stored further along its chain moves to the first hash free in its unit.
  static core::Status MigrateToUnitIdKey(Transaction& tx, Backend backend);
  // Up to `limit` events with seq > `after_seq`, in seq order (every environment).
  static core::StatusOr<std::vector<EventRow>> ReadAfter(Transaction& tx, int64_t after_seq,
                                                         int64_t limit);
  // The events of `unit` in `environment` with seq < `before_seq`, in seq order (served by
  // the index events_unit_id).
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
  virtual core::Status PrepareWriter(Transaction& tx) = 0;
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
  core::Status PrepareWriter(Transaction& tx) override;
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
