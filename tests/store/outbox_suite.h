#pragma once

// The outbox repository on both backends: instantiated by outbox_repository_test.cc (SQLite)
// and outbox_repository_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/outbox_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

class OutboxTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  static constexpr std::chrono::milliseconds kLease{60'000};

  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
  }
  Database& db() { return test_db_->db(); }
  core::Status Write(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadWrite, fn);
  }

  static OutboxRow Row(int64_t due_ms, const std::string& kind = kOutboxKindReleasePlanWebhook) {
    OutboxRow row;
    row.kind = kind;
    row.url = "https://hooks.example.com/governor";
    row.secret_env = "GOVERNOR_ROLLOUT_WEBHOOK_SECRET";
    row.payload_json = R"({"plan":"p","event":"advanced","due":)" + std::to_string(due_ms) + "}";
    row.created_at = core::FromUnixMillis(500);
    row.next_attempt_at = core::FromUnixMillis(due_ms);
    return row;
  }
  int64_t Enqueue(const OutboxRow& row) {
    int64_t id = 0;
    EXPECT_TRUE(Write([&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(id, OutboxRepository::Enqueue(tx, row));
                  return core::Status::Ok();
                }).ok());
    return id;
  }
  std::vector<int64_t> Claim(int64_t now_ms, int64_t limit, const std::string& kind = "",
                             Database* handle = nullptr) {
    std::vector<int64_t> ids;
    core::Status s = WithTransaction(
        handle ? *handle : db(), TxMode::kReadWrite, [&](Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(auto rows, OutboxRepository::ClaimDue(
                                          tx, kind, core::FromUnixMillis(now_ms), kLease, limit));
          for (const auto& r : rows) ids.push_back(r.id);
          return core::Status::Ok();
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  }
  core::StatusOr<OutboxRow> Get(int64_t id) {
    auto tx = db().Begin(TxMode::kReadOnly);
    if (!tx.ok()) return tx.status();
    return OutboxRepository::Get(**tx, id);
  }
  int64_t Pending(const std::string& kind = "") {
    int64_t n = -1;
    EXPECT_TRUE(WithTransaction(db(), TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(n, OutboxRepository::PendingCount(tx, kind));
                  return core::Status::Ok();
                }).ok());
    return n;
  }
  core::Status Delivered(int64_t id, int64_t at_ms) {
    return Write([&](Transaction& tx) {
      return OutboxRepository::MarkDelivered(tx, id, core::FromUnixMillis(at_ms));
    });
  }
  core::Status Failed(int64_t id, const std::string& error, int64_t next_ms) {
    return Write([&](Transaction& tx) {
      return OutboxRepository::MarkFailed(tx, id, error, core::FromUnixMillis(next_ms));
    });
  }

  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(OutboxTest, EnqueuedRowReadsBackUndeliveredWithNoAttempts) {
  OutboxRow row = Row(1000);
  row.attempts = 3;                              // ignored
  row.last_error = "ignored";                    // ignored
  row.delivered_at = core::FromUnixMillis(999);  // ignored
  const int64_t first = Enqueue(row);
  const int64_t second = Enqueue(Row(1000));
  EXPECT_GT(second, first);
  auto got = Get(first);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  OutboxRow expected = Row(1000);
  expected.id = first;
  EXPECT_EQ(*got, expected);
  EXPECT_EQ(Pending(), 2);
  EXPECT_EQ(Get(second + 100).status().code(), core::StatusCode::kNotFound);
}

TEST_P(OutboxTest, ClaimDueTakesTheLongestDueRowsAndLeasesThem) {
  const int64_t due_1000 = Enqueue(Row(1000));
  const int64_t due_3000 = Enqueue(Row(3000));
  const int64_t due_2000 = Enqueue(Row(2000));
  const int64_t due_5000 = Enqueue(Row(5000));
  // At 4000, three are due; the two due longest come first, in id order.
  EXPECT_EQ(Claim(4000, 2), (std::vector<int64_t>{due_1000, due_2000}));
  EXPECT_EQ(Get(due_1000)->next_attempt_at, core::FromUnixMillis(4000 + kLease.count()));
  EXPECT_EQ(Get(due_1000)->attempts, 0);
  // Leased rows are not due again; the remaining due one is.
  EXPECT_EQ(Claim(4000, 10), (std::vector<int64_t>{due_3000}));
  EXPECT_TRUE(Claim(4000, 10).empty());
  EXPECT_EQ(Claim(5000, 10), (std::vector<int64_t>{due_5000}));
  // A claimer that never reported back: once the lease runs out the rows are due again
  // (delivery is at least once). The one claimed at 5000 is still leased.
  EXPECT_EQ(Claim(4000 + kLease.count(), 10), (std::vector<int64_t>{due_1000, due_3000, due_2000}));
  EXPECT_EQ(Pending(), 4);
}

TEST_P(OutboxTest, ClaimDueFiltersByKind) {
  const int64_t webhook = Enqueue(Row(1000));
  const int64_t other = Enqueue(Row(1000, "other"));
  EXPECT_EQ(Claim(2000, 10, "other"), (std::vector<int64_t>{other}));
  EXPECT_EQ(Claim(2000, 10, kOutboxKindReleasePlanWebhook), (std::vector<int64_t>{webhook}));
  EXPECT_EQ(Pending("other"), 1);
  EXPECT_EQ(Pending(kOutboxKindReleasePlanWebhook), 1);
  EXPECT_EQ(Pending("none"), 0);
}

TEST_P(OutboxTest, DeliveredRowsAreNeverDueAgain) {
  const int64_t id = Enqueue(Row(1000));
  const int64_t other = Enqueue(Row(1000));
  ASSERT_EQ(Claim(1000, 1), (std::vector<int64_t>{id}));
  ASSERT_TRUE(Delivered(id, 1200).ok());
  EXPECT_EQ(Get(id)->delivered_at, core::FromUnixMillis(1200));
  EXPECT_EQ(Pending(), 1);
  // Marking it again (a retried report) keeps the first delivery time.
  ASSERT_TRUE(Delivered(id, 1900).ok());
  EXPECT_EQ(Get(id)->delivered_at, core::FromUnixMillis(1200));
  // Long after its lease, only the undelivered row is due.
  EXPECT_EQ(Claim(1000 + 10 * kLease.count(), 10), (std::vector<int64_t>{other}));
  EXPECT_EQ(Delivered(other + 100, 1200).code(), core::StatusCode::kNotFound);
}

TEST_P(OutboxTest, FailedAttemptsAreCountedAndRetriedAtTheNextAttempt) {
  const int64_t id = Enqueue(Row(1000));
  ASSERT_EQ(Claim(1000, 10), (std::vector<int64_t>{id}));
  ASSERT_TRUE(Failed(id, "HTTP 503", 11'000).ok());
  auto row = Get(id);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->attempts, 1);
  EXPECT_EQ(row->last_error, "HTTP 503");
  EXPECT_EQ(row->next_attempt_at, core::FromUnixMillis(11'000));
  EXPECT_TRUE(Claim(10'999, 10).empty());
  ASSERT_EQ(Claim(11'000, 10), (std::vector<int64_t>{id}));
  ASSERT_TRUE(Failed(id, "connection refused", 31'000).ok());
  EXPECT_EQ(Get(id)->attempts, 2);
  EXPECT_EQ(Get(id)->last_error, "connection refused");
  ASSERT_EQ(Claim(31'000, 10), (std::vector<int64_t>{id}));
  ASSERT_TRUE(Delivered(id, 31'500).ok());
  // A late failure report for a delivered row leaves it delivered.
  ASSERT_TRUE(Failed(id, "timeout", 99'000).ok());
  EXPECT_EQ(Get(id)->attempts, 2);
  EXPECT_EQ(Get(id)->delivered_at, core::FromUnixMillis(31'500));
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(Failed(id + 100, "x", 1).code(), core::StatusCode::kNotFound);
}

TEST_P(OutboxTest, PruneDeletesOnlyRowsDeliveredBeforeTheCutoff) {
  const int64_t old_row = Enqueue(Row(1000));
  const int64_t recent = Enqueue(Row(1000));
  const int64_t pending = Enqueue(Row(1000));
  ASSERT_TRUE(Delivered(old_row, 2000).ok());
  ASSERT_TRUE(Delivered(recent, 4000).ok());
  int64_t pruned = -1;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(pruned,
                                 OutboxRepository::PruneDelivered(tx, core::FromUnixMillis(4000)));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(pruned, 1);
  EXPECT_EQ(Get(old_row).status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(Get(recent).ok());
  EXPECT_TRUE(Get(pending).ok());
}

TEST_P(OutboxTest, RolledBackEnqueueAndClaimLeaveNothing) {
  const int64_t kept = Enqueue(Row(1000));
  {
    auto tx = db().Begin(TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(OutboxRepository::Enqueue(**tx, Row(1000)).ok());
    auto claimed = OutboxRepository::ClaimDue(**tx, "", core::FromUnixMillis(1000), kLease, 10);
    ASSERT_TRUE(claimed.ok());
    EXPECT_EQ(claimed->size(), 2u);
    ASSERT_TRUE(OutboxRepository::MarkFailed(**tx, kept, "boom", core::FromUnixMillis(1)).ok());
    // Destroyed without Commit: rolled back.
  }
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(*Get(kept), [&] {
    OutboxRow r = Row(1000);
    r.id = kept;
    return r;
  }());
  EXPECT_EQ(Claim(1000, 10), (std::vector<int64_t>{kept}));
}

// Two deliverers (two handles on one database, as two replicas) claim until nothing is due:
// every row is claimed by exactly one of them.
TEST_P(OutboxTest, ConcurrentClaimersNeverShareARow) {
  constexpr int kRows = 40;
  std::set<int64_t> enqueued;
  for (int i = 0; i < kRows; ++i) enqueued.insert(Enqueue(Row(1000 + i)));
  auto other = test_db_->OpenAnother();
  std::vector<int64_t> claimed[2];
  std::atomic<int> total{0};
  auto drain = [&](int i, Database* handle) {
    // A claim may come back short or empty while the other holds the rows it picked, so each
    // claims until both together have them all (bounded, so a bug cannot hang the test).
    for (int round = 0; round < 10 * kRows && total.load() < kRows; ++round) {
      std::vector<int64_t> ids = Claim(5000, 3, "", handle);
      claimed[i].insert(claimed[i].end(), ids.begin(), ids.end());
      total += static_cast<int>(ids.size());
    }
  };
  std::thread a([&] { drain(0, &db()); });
  std::thread b([&] { drain(1, other.get()); });
  a.join();
  b.join();
  std::multiset<int64_t> all(claimed[0].begin(), claimed[0].end());
  all.insert(claimed[1].begin(), claimed[1].end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()), enqueued);
}

}  // namespace gov::store::testing
