#pragma once

// The events repository and the group-commit event service on both backends: instantiated by
// event_store_test.cc (SQLite) and event_store_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "experiments/event_service.h"
#include "store/event_repository.h"
#include "store/experiment_aggregate_repository.h"
#include "tests/store/test_databases.h"

namespace gov::experiments::testing {

using store::EventRow;
using store::testing::DatabaseFactory;

inline EventRow Row(const std::string& env, const std::string& id, const std::string& unit,
                    int64_t at_ms = 1000) {
  EventRow r;
  r.environment = env;
  r.id = id;
  r.type = "track";
  r.name = "purchase";
  r.unit = unit;
  r.value = 1.5;
  r.at_ms = at_ms;
  r.received_at_ms = at_ms + 1;
  return r;
}

class EventStoreTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
    store_ = std::make_unique<store::SqlEventStore>(db().backend());
  }
  store::Database& db() { return test_db_->db(); }

  std::vector<bool> Insert(const std::vector<EventRow>& rows) {
    std::vector<bool> fresh;
    core::Status s = store::WithTransaction(db(), store::TxMode::kReadWrite,
                                            [&](store::Transaction& tx) -> core::Status {
                                              RETURN_IF_ERROR(store_->PrepareWriter(tx));
                                              ASSIGN_OR_RETURN(fresh, store_->Insert(tx, rows));
                                              return core::Status::Ok();
                                            });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return fresh;
  }
  template <typename T>
  T Read(const std::function<core::StatusOr<T>(store::Transaction&)>& fn) {
    T out{};
    core::Status s = store::WithTransaction(db(), store::TxMode::kReadOnly,
                                            [&](store::Transaction& tx) -> core::Status {
                                              ASSIGN_OR_RETURN(out, fn(tx));
                                              return core::Status::Ok();
                                            });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  std::vector<EventRow> After(int64_t seq, int64_t limit = 100000) {
    return Read<std::vector<EventRow>>(
        [&](store::Transaction& tx) { return store_->ReadAfter(tx, seq, limit); });
  }
  // The events after `from` in the aggregation's order, once at least `expected` of them are
  // readable (on PostgreSQL, an open transaction anywhere in the cluster holds back events
  // of later ones for a moment).
  std::vector<store::AggregationEventRow> CursorRead(store::Database& d, store::EventPosition from,
                                                     size_t expected) {
    std::vector<store::AggregationEventRow> rows;
    for (int attempt = 0; attempt < 2000; ++attempt) {
      EXPECT_TRUE(store::WithTransaction(d, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                    ASSIGN_OR_RETURN(rows, store::ExperimentAggregateRepository::ReadEventsAfter(
                                               tx, d.backend(), from, 100'000));
                    return core::Status::Ok();
                  }).ok());
      if (rows.size() >= expected) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return rows;
  }
  int64_t Count(const std::string& env = "") {
    return Read<int64_t>([&](store::Transaction& tx) { return store_->Count(tx, env); });
  }

  std::unique_ptr<store::testing::TestDatabase> test_db_;
  std::unique_ptr<store::SqlEventStore> store_;
};

TEST_P(EventStoreTest, InsertStoresEveryColumnAndReadsBackInSeqOrder) {
  EventRow exposure = Row("production", "e1", "u1", 1'764'000'000'123);
  exposure.type = "exposure";
  exposure.name = "checkout-test";
  exposure.value.reset();
  exposure.experiment = "checkout-test";
  exposure.feature = "checkout";
  exposure.variant = "blue";
  EventRow track = Row("production", "t1", "u1");
  track.value = 0.1;  // a value a text round trip could blur
  track.properties_json = R"({"currency":"EUR"})";
  EXPECT_EQ(Insert({exposure, track}), (std::vector<bool>{true, true}));
  const std::vector<EventRow> rows = After(0);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_GT(rows[0].seq, 0);
  EXPECT_LT(rows[0].seq, rows[1].seq);
  EventRow expected_exposure = exposure;
  expected_exposure.seq = rows[0].seq;
  EventRow expected_track = track;
  expected_track.seq = rows[1].seq;
  EXPECT_EQ(rows[0], expected_exposure);
  EXPECT_EQ(rows[1], expected_track);
}

TEST_P(EventStoreTest, DuplicateIdsAreSkippedPerUnitAndEnvironmentAndReportedAsNotNew) {
  EXPECT_EQ(Insert({Row("production", "a", "u1"), Row("production", "b", "u1")}),
            (std::vector<bool>{true, true}));
  // Again (a retried batch), with one new id, one repeated inside the batch, the same id in
  // another environment and the same id of another unit (another event).
  EXPECT_EQ(Insert({Row("production", "a", "u1"), Row("production", "c", "u2"),
                    Row("production", "c", "u2"), Row("staging", "a", "u1"),
                    Row("production", "a", "u2")}),
            (std::vector<bool>{false, true, false, true, true}));
  EXPECT_EQ(Insert({Row("production", "a", "u2")}), (std::vector<bool>{false}));
  EXPECT_EQ(Count(), 5);
  EXPECT_EQ(Count("production"), 4);
  EXPECT_EQ(Count("staging"), 1);
}

TEST_P(EventStoreTest, LargeBatchesSpanSeveralStatementsInOrder) {
  std::vector<EventRow> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(Row("production", std::to_string(i), "u"));
  const std::vector<bool> fresh = Insert(rows);
  EXPECT_EQ(std::count(fresh.begin(), fresh.end(), true), 1000);
  const std::vector<EventRow> stored = After(0);
  ASSERT_EQ(stored.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(stored[i].id, std::to_string(i));
  EXPECT_EQ(Read<int64_t>([&](store::Transaction& tx) { return store_->MaxSeq(tx); }),
            stored.back().seq);
}

TEST_P(EventStoreTest, ReadAfterPagesBySeq) {
  std::vector<EventRow> rows;
  for (int i = 0; i < 5; ++i) rows.push_back(Row("production", std::to_string(i), "u"));
  Insert(rows);
  const std::vector<EventRow> first = After(0, 2);
  ASSERT_EQ(first.size(), 2u);
  const std::vector<EventRow> rest = After(first.back().seq, 10);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].id, "2");
  EXPECT_TRUE(After(rest.back().seq).empty());
}

TEST_P(EventStoreTest, ReadUnitReturnsOneUnitsEarlierEventsOfOneEnvironment) {
  Insert({Row("production", "1", "u1"), Row("production", "2", "u2"), Row("staging", "3", "u1"),
          Row("production", "4", "u1"), Row("production", "5", "u1")});
  const std::vector<EventRow> all = After(0);
  ASSERT_EQ(all.size(), 5u);
  const int64_t before = all[4].seq;  // event "5"
  const auto unit = Read<std::vector<EventRow>>(
      [&](store::Transaction& tx) { return store_->ReadUnit(tx, "production", "u1", before); });
  ASSERT_EQ(unit.size(), 2u);
  EXPECT_EQ(unit[0].id, "1");
  EXPECT_EQ(unit[1].id, "4");
}

// Two ids sharing a hash (made here by storing a row that holds the second id's first hash):
// the second takes the next hash of its chain, is stored, and is still found as a repeat when
// sent again.
TEST_P(EventStoreTest, AnIdWhoseHashAnotherHoldsTakesItsNextHash) {
  ASSERT_TRUE(store::WithTransaction(db(), store::TxMode::kReadWrite, [](store::Transaction& tx) {
                return tx
                    .Exec(
                        "INSERT INTO events (environment, id, type, name, unit, value, at, "
                        "received_at, unit_hash, id_hash) VALUES ('production', 'holder', "
                        "'track', 'purchase', 'u1', 1, 1000, 1001, $1, $2)",
                        {store::EventUnitHash("production", "u1"),
                         store::EventIdHash("production", "target")})
                    .status();
              }).ok());
  EXPECT_EQ(Insert({Row("production", "target", "u1"), Row("production", "other", "u2"),
                    Row("production", "target", "u1")}),
            (std::vector<bool>{true, true, false}));
  EXPECT_EQ(Insert({Row("production", "target", "u1")}), (std::vector<bool>{false}));
  EXPECT_EQ(Count(), 3);
  const auto hash_of = [&](const std::string& id) {
    return Read<int64_t>([&](store::Transaction& tx) -> core::StatusOr<int64_t> {
      ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT id_hash FROM events WHERE id = $1", {id}));
      return rs.rows.at(0).Int(0);
    });
  };
  EXPECT_EQ(hash_of("holder"), store::EventIdHash("production", "target"));
  EXPECT_EQ(hash_of("target"), store::EventIdHash("production", "target", 1));
  // The hash is taken in u1 only: "target" of another unit takes its first hash.
  EXPECT_EQ(Insert({Row("production", "target", "u3")}), (std::vector<bool>{true}));
  EXPECT_EQ(Read<int64_t>([&](store::Transaction& tx) -> core::StatusOr<int64_t> {
              ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT id_hash FROM events WHERE id = "
                                                "'target' AND unit = 'u3'"));
              return rs.rows.at(0).Int(0);
            }),
            store::EventIdHash("production", "target"));
}

// Migration 15 on a database with events (migration 14's schema, ids unique by their hash
// alone): every event keeps its seq and columns; one that had moved along its chain because
// an event of another unit held its first hash moves back to it (free in its own unit), and
// both are still repeats; new events continue after the highest seq ever drawn.
TEST_P(EventStoreTest, MigrationToUnitIdKeyKeepsEventsAndRepeats) {
  const std::unique_ptr<store::testing::TestDatabase> old =
      store::testing::OlderDatabase(db().backend(), 14);
  store::Database& odb = old->db();
  struct Stored {
    std::string id, unit;
    int attempt;
  };
  // "holder" (u1) holds the first hash of "target", so "target" (u2) was stored at attempt 1;
  // "plain" stays at its first hash; "gone" is deleted, so its seq is the highest drawn.
  const std::vector<Stored> stored = {
      {"holder", "u1", -1}, {"target", "u2", 1}, {"plain", "u1", 0}, {"gone", "u2", 0}};
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                for (size_t i = 0; i < stored.size(); ++i) {
                  const Stored& e = stored[i];
                  const int64_t id_hash = e.attempt < 0
                                              ? store::EventIdHash("production", "target")
                                              : store::EventIdHash("production", e.id, e.attempt);
                  RETURN_IF_ERROR(
                      tx.Exec("INSERT INTO events (environment, id, type, name, unit, value, at, "
                              "received_at, unit_hash, id_hash) VALUES ('production', $1, "
                              "'track', 'purchase', $2, 1.5, $3, $3, $4, $5)",
                              {e.id, e.unit, int64_t{1000} * static_cast<int64_t>(i + 1),
                               store::EventUnitHash("production", e.unit), id_hash})
                          .status());
                }
                return tx.Exec("DELETE FROM events WHERE id = 'gone'").status();
              }).ok());
  ASSERT_TRUE(store::Migrate(odb).ok());
  store::SqlEventStore events(odb.backend());
  std::vector<EventRow> kept;
  int64_t target_hash = 0;
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                ASSIGN_OR_RETURN(kept, events.ReadAfter(tx, 0, 100));
                ASSIGN_OR_RETURN(auto rs,
                                 tx.Exec("SELECT id_hash FROM events WHERE id = 'target'"));
                target_hash = rs.rows.at(0).Int(0);
                return core::Status::Ok();
              }).ok());
  ASSERT_EQ(kept.size(), 3u);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].id, stored[i].id);
    EXPECT_EQ(kept[i].unit, stored[i].unit);
    EXPECT_EQ(kept[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(kept[i].at_ms, 1000 * static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(target_hash, store::EventIdHash("production", "target"));
  std::vector<bool> fresh;
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                RETURN_IF_ERROR(events.PrepareWriter(tx));
                ASSIGN_OR_RETURN(fresh, events.Insert(tx, std::vector<EventRow>{
                                                              Row("production", "holder", "u1"),
                                                              Row("production", "target", "u2"),
                                                              Row("production", "plain", "u1"),
                                                              Row("production", "new", "u1")}));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(fresh, (std::vector<bool>{false, false, false, true}));
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                ASSIGN_OR_RETURN(kept, events.ReadAfter(tx, 3, 100));
                return core::Status::Ok();
              }).ok());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_GT(kept[0].seq, 4);
}

// Migration 14 on a database with events (migration 13's schema): every event keeps its seq
// and columns, stored ids are still repeats, the aggregation cursor keeps its place, and new
// events continue after the highest seq ever drawn.
TEST_P(EventStoreTest, MigrationToUniqueIdHashKeepsEventsIdsAndCursor) {
  const std::unique_ptr<store::testing::TestDatabase> old =
      store::testing::OlderDatabase(db().backend(), 13);
  store::Database& odb = old->db();
  const bool sqlite = odb.backend() == store::Backend::kSqlite;
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                for (int i = 1; i <= 4; ++i) {
                  const std::string id = "old-" + std::to_string(i);
                  std::vector<store::SqlValue> params = {
                      id, i % 2 ? "u1" : "u2", int64_t{1000} * i,
                      store::EventUnitHash("production", i % 2 ? "u1" : "u2")};
                  if (!sqlite) params.emplace_back(store::EventIdHash("production", id));
                  RETURN_IF_ERROR(
                      tx.Exec(std::string("INSERT INTO events (environment, id, type, name, "
                                          "unit, value, at, received_at, unit_hash") +
                                  (sqlite ? ") VALUES ('production', $1, 'track', 'purchase', "
                                            "$2, 1.5, $3, $3, $4)"
                                          : ", id_hash) VALUES ('production', $1, 'track', "
                                            "'purchase', $2, 1.5, $3, $3, $4, $5)"),
                              params)
                          .status());
                }
                RETURN_IF_ERROR(tx.Exec("DELETE FROM events WHERE id = 'old-4'").status());
                return tx.Exec("UPDATE experiment_aggregation_cursor SET last_seq = 2").status();
              }).ok());
  ASSERT_TRUE(store::Migrate(odb).ok());
  store::SqlEventStore events(odb.backend());
  std::vector<EventRow> kept;
  std::vector<store::AggregationEventRow> pending;
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                ASSIGN_OR_RETURN(kept, events.ReadAfter(tx, 0, 100));
                ASSIGN_OR_RETURN(const store::EventPosition cursor,
                                 store::ExperimentAggregateRepository::LockCursor(tx));
                EXPECT_EQ(cursor, (store::EventPosition{0, 2}));
                return core::Status::Ok();
              }).ok());
  ASSERT_EQ(kept.size(), 3u);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].id, "old-" + std::to_string(i + 1));
    EXPECT_EQ(kept[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(kept[i].at_ms, 1000 * static_cast<int64_t>(i + 1));
  }
  std::vector<bool> fresh;
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                RETURN_IF_ERROR(events.PrepareWriter(tx));
                ASSIGN_OR_RETURN(fresh, events.Insert(tx, std::vector<EventRow>{
                                                              Row("production", "old-2", "u2"),
                                                              Row("production", "new-1", "u1")}));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(fresh, (std::vector<bool>{false, true}));
  // The cursor's events: old-3 (seq 3) and new-1, after the deleted old-4's seq.
  pending = CursorRead(odb, {0, 2}, 2);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].seq, 3);
  EXPECT_GT(pending[1].seq, 4);
}

// PostgreSQL's writers commit concurrently: a row whose transaction is still open holds back
// the rows of later transactions from the aggregation's reader, which then reads them all in
// (xid, seq) order.
TEST_P(EventStoreTest, AnOpenWriterHoldsBackLaterRowsFromTheCursor) {
  if (db().backend() != store::Backend::kPostgres) {
    GTEST_SKIP() << "SQLite has one writer at a time";
  }
  std::unique_ptr<store::Database> other_db = test_db_->OpenAnother();
  // The open transaction takes its xid first and writes its row last (a higher seq).
  auto open = db().Begin(store::TxMode::kReadWrite);
  ASSERT_TRUE(open.ok());
  ASSERT_TRUE(store_->PrepareWriter(**open).ok());
  ASSERT_TRUE((*open)->Exec("SELECT pg_current_xact_id()").ok());
  store::SqlEventStore other(other_db->backend());
  ASSERT_TRUE(store::WithTransaction(
                  *other_db, store::TxMode::kReadWrite,
                  [&](store::Transaction& tx) -> core::Status {
                    RETURN_IF_ERROR(other.PrepareWriter(tx));
                    return other.Insert(tx, std::vector<EventRow>{Row("production", "late", "u1")})
                        .status();
                  })
                  .ok());
  const auto read = [&] {
    return Read<std::vector<store::AggregationEventRow>>([&](store::Transaction& tx) {
      return store::ExperimentAggregateRepository::ReadEventsAfter(tx, db().backend(), {}, 100);
    });
  };
  EXPECT_TRUE(read().empty());
  ASSERT_TRUE(store_->Insert(**open, std::vector<EventRow>{Row("production", "early", "u1")}).ok());
  ASSERT_TRUE((*open)->Commit().ok());
  const std::vector<store::AggregationEventRow> rows = CursorRead(db(), {}, 2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_LT(rows[0].xid, rows[1].xid);
  EXPECT_GT(rows[0].seq, rows[1].seq);
  // The unit's history before the later row holds the earlier one, whatever their seqs.
  const auto history = Read<std::vector<store::AggregationEventRow>>([&](store::Transaction& tx) {
    const store::UnitEventsBefore unit{"u1", {rows[1].xid, rows[1].seq}};
    return store::ExperimentAggregateRepository::ReadUnitsEvents(tx, db().backend(), "production",
                                                                 {&unit, 1});
  });
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].seq, rows[0].seq);
}

// Text the PostgreSQL path carries inside array literals, and SQLite binds as is: quotes,
// backslashes, braces, commas, the word NULL, an empty variant, non-ASCII.
TEST_P(EventStoreTest, AwkwardTextRoundTripsAndStillDedupes) {
  EventRow e = Row("production", R"(id "quoted" \ {a,b} NULL)", "ünit,{}\"\\");
  e.name = "NULL";
  e.feature = "";
  e.variant = R"(\"")";
  e.properties_json = R"({"note":"a \"b\" \\ c","list":[1,2]})";
  e.value = -1.2345678901234567e-300;
  EXPECT_EQ(Insert({e}), (std::vector<bool>{true}));
  EXPECT_EQ(Insert({e}), (std::vector<bool>{false}));
  const std::vector<EventRow> rows = After(0);
  ASSERT_EQ(rows.size(), 1u);
  EventRow expected = e;
  expected.seq = rows[0].seq;
  EXPECT_EQ(rows[0], expected);
  const auto unit = Read<std::vector<EventRow>>([&](store::Transaction& tx) {
    return store_->ReadUnit(tx, "production", e.unit, rows[0].seq + 1);
  });
  ASSERT_EQ(unit.size(), 1u);
  EXPECT_EQ(unit[0].id, e.id);
}

// Migration 11 on a database an older Governor left with events (migration 7's schema, text
// keys): every event keeps its seq and columns, the hashed keys find them (duplicates, a
// unit's events), and new events continue after the highest seq ever drawn.
TEST_P(EventStoreTest, MigrationToHashedKeysKeepsStoredEvents) {
  const std::unique_ptr<store::testing::TestDatabase> old =
      store::testing::OlderDatabase(db().backend(), 10);
  store::Database& odb = old->db();
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [](store::Transaction& tx) {
                for (int i = 1; i <= 5; ++i) {
                  RETURN_IF_ERROR(
                      tx.Exec("INSERT INTO events (environment, id, type, name, unit, value, at, "
                              "received_at, variant) VALUES ('production', $1, 'track', "
                              "'purchase', $2, 1.5, $3, $3, $4)",
                              {"old-" + std::to_string(i), i % 2 ? "u1" : "u2", int64_t{1000} * i,
                               i == 1 ? store::SqlValue("blue") : store::SqlValue(nullptr)})
                          .status());
                }
                // The newest event is gone: its seq must still never be drawn again.
                return tx.Exec("DELETE FROM events WHERE id = 'old-5'").status();
              }).ok());
  ASSERT_TRUE(store::Migrate(odb).ok());
  store::SqlEventStore events(odb.backend());
  auto read_after = [&](int64_t seq) {
    std::vector<EventRow> out;
    EXPECT_TRUE(store::WithTransaction(odb, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                  ASSIGN_OR_RETURN(out, events.ReadAfter(tx, seq, 100));
                  return core::Status::Ok();
                }).ok());
    return out;
  };
  const std::vector<EventRow> kept = read_after(0);
  ASSERT_EQ(kept.size(), 4u);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].id, "old-" + std::to_string(i + 1));
    EXPECT_EQ(kept[i].at_ms, 1000 * static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(kept[0].variant, std::optional<std::string>("blue"));
  std::vector<bool> fresh;
  std::vector<EventRow> unit;
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                RETURN_IF_ERROR(events.PrepareWriter(tx));
                ASSIGN_OR_RETURN(fresh, events.Insert(tx, std::vector<EventRow>{
                                                              Row("production", "old-2", "u2"),
                                                              Row("production", "new-1", "u1")}));
                ASSIGN_OR_RETURN(unit, events.ReadUnit(tx, "production", "u1", 1'000'000));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(fresh, (std::vector<bool>{false, true}));
  ASSERT_EQ(unit.size(), 3u);  // old-1, old-3 and new-1
  EXPECT_EQ(unit[0].id, "old-1");
  EXPECT_EQ(unit[2].id, "new-1");
  EXPECT_GT(unit[2].seq, 5);  // after the deleted old-5's seq
}

// The service: every caller's batch is acknowledged once durable, each id counted once however
// many writers retry it, and a reader following the aggregation's cursor (position order, below
// the horizon on PostgreSQL) never misses a row, even with several writer threads per service
// and a second "replica" writing through its own handle.
TEST_P(EventStoreTest, ConcurrentWritersAndReplicasKeepEveryRowVisibleToACursor) {
  RunningExperiments running;
  core::FakeClock clock;
  std::unique_ptr<store::Database> other_db = test_db_->OpenAnother();
  store::SqlEventStore other_store(other_db->backend());
  EventService a(db(), *store_, running, clock);
  EventService b(*other_db, other_store, running, clock);
  a.Start();
  b.Start();

  constexpr int kWriters = 4;
  constexpr int kBatches = 15;
  constexpr int kPerBatch = 40;
  std::atomic<bool> done{false};
  std::set<int64_t> seen;
  std::atomic<int64_t> out_of_order{0};
  constexpr int64_t kDistinct = 2 * kBatches * kPerBatch;
  std::thread reader([&] {
    store::EventPosition cursor;
    // After the writers are done, reads go on until every row was seen (or for 10 s): on
    // PostgreSQL the horizon holds rows back while another transaction anywhere in the cluster
    // (another test's, even one not writing events) runs, so an empty read proves nothing. A row
    // the cursor passed over never shows up, and the count below fails.
    for (int after_done = 0; after_done < 2000;) {
      if (done.load()) {
        if (static_cast<int64_t>(seen.size()) >= kDistinct) break;
        if (after_done++ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      auto rows = Read<std::vector<store::AggregationEventRow>>([&](store::Transaction& tx) {
        return store::ExperimentAggregateRepository::ReadEventsAfter(tx, db().backend(), cursor,
                                                                     500);
      });
      for (const store::AggregationEventRow& r : rows) {
        const store::EventPosition at{r.xid, r.seq};
        if (at <= cursor) ++out_of_order;
        cursor = at;
        seen.insert(r.seq);
      }
    }
  });
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> duplicates{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      EventService& service = w % 2 ? b : a;
      for (int k = 0; k < kBatches; ++k) {
        std::vector<EventRow> rows;
        // Writers 0 and 1 send the same ids (a retry from another replica).
        for (int i = 0; i < kPerBatch; ++i) {
          rows.push_back(
              Row("production",
                  std::to_string(w / 2) + "-" + std::to_string(k) + "-" + std::to_string(i),
                  "u" + std::to_string(i)));
        }
        auto fresh = service.Write(rows);
        ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
        for (bool f : *fresh) ++(f ? accepted : duplicates);
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  a.Stop();
  b.Stop();
  EXPECT_EQ(accepted.load(), kDistinct);
  EXPECT_EQ(duplicates.load(), kDistinct);
  EXPECT_EQ(Count(), kDistinct);
  EXPECT_EQ(static_cast<int64_t>(seen.size()), kDistinct)
      << "the cursor missed rows that became visible after a higher seq";
  EXPECT_EQ(out_of_order.load(), 0);
  EXPECT_GE(a.stats().transactions + b.stats().transactions, 1);
  EXPECT_EQ(a.stats().committed_events + b.stats().committed_events, kDistinct);
}

// The commit hook (the server wakes the aggregation with it) runs once per commit that stored
// something, not for a batch of duplicates.
TEST_P(EventStoreTest, CommitHookRunsAfterCommitsThatStoredEvents) {
  RunningExperiments running;
  core::FakeClock clock;
  std::atomic<int> commits{0};
  EventServiceOptions options;
  options.on_commit = [&] {
    EXPECT_EQ(Count(), 1);  // already committed: visible to another transaction
    ++commits;
  };
  EventService service(db(), *store_, running, clock, options);
  service.Start();
  ASSERT_TRUE(service.Write({Row("production", "x", "u")}).ok());
  EXPECT_EQ(commits.load(), 1);
  ASSERT_TRUE(service.Write({Row("production", "x", "u")}).ok());
  EXPECT_EQ(commits.load(), 1);
  service.Stop();
}

// The nice values of this process's threads named `name` (/proc/self/task).
inline std::vector<int> NiceOfThreads(const std::string& name) {
  std::vector<int> nice;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    std::getline(comm, line);
    if (line != name) continue;
    errno = 0;
    const int n = ::getpriority(PRIO_PROCESS, static_cast<id_t>(std::stoi(task.path().filename())));
    if (errno == 0) nice.push_back(n);
  }
  return nice;
}

// The events API's batches are committed by a thread at the priority of the requests waiting
// for it, the recorded exposures by a lowered one; a row written through both lanes is stored
// once, and each caller hears whether its row was new.
TEST_P(EventStoreTest, EachLaneHasItsOwnWriterAndPriority) {
  RunningExperiments running;
  core::FakeClock clock;
  errno = 0;
  const int base = ::getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  EventServiceOptions options;
  options.writers = 1;
  options.background_writer_nice = std::min(base + 4, 19);
  EventService service(db(), *store_, running, clock, options);
  service.Start();
  auto request = service.Write({Row("production", "a", "u"), Row("production", "b", "u")});
  auto background = service.Write({Row("production", "b", "u"), Row("production", "c", "u")},
                                  WriteLane::kBackground);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_TRUE(background.ok()) << background.status().ToString();
  EXPECT_EQ(*request, (std::vector<bool>{true, true}));
  EXPECT_EQ(*background, (std::vector<bool>{false, true}));
  EXPECT_EQ(Count(), 3);
  EXPECT_EQ(NiceOfThreads("gov-events"), std::vector<int>{base});
  EXPECT_EQ(NiceOfThreads("gov-events-bg"), std::vector<int>{options.background_writer_nice});
  service.Stop();
  EXPECT_TRUE(NiceOfThreads("gov-events-bg").empty());
}

TEST_P(EventStoreTest, StopCommitsWhatWasSubmittedAndRefusesLaterWrites) {
  RunningExperiments running;
  core::FakeClock clock;
  EventService service(db(), *store_, running, clock);
  service.Start();
  ASSERT_TRUE(service.Write({Row("production", "x", "u")}).ok());
  service.Stop();
  auto late = service.Write({Row("production", "y", "u")});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(Count(), 1);
}

}  // namespace gov::experiments::testing
