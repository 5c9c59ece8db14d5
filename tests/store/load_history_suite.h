#pragma once

// The load-history repository on both backends: instantiated by load_history_repository_test.cc
// (SQLite) and load_history_repository_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "store/load_history_repository.h"
#include "store/target_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

class LoadHistoryTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
    for (const char* name : {"web", "api"}) {
      TargetRecord t;
      t.name = name;
      t.spec_json = "{}";
      t.created_at = core::FromUnixMillis(1000);
      t.updated_at = core::FromUnixMillis(1000);
      ASSERT_TRUE(Write([&](Transaction& tx) { return TargetRepository::Insert(tx, t); }).ok());
    }
  }
  Database& db() { return test_db_->db(); }
  core::Status Write(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadWrite, fn);
  }
  core::StatusOr<int64_t> Append(const std::string& target, const std::string& metric,
                                 const std::vector<LoadSample>& samples) {
    int64_t written = 0;
    core::Status s = Write([&](Transaction& tx) -> core::Status {
      ASSIGN_OR_RETURN(written, store_.Append(tx, target, metric, samples));
      return core::Status::Ok();
    });
    if (!s.ok()) return s;
    return written;
  }
  std::vector<LoadSample> Read(const std::string& target, const std::string& metric,
                               int64_t from_ms = 0, int64_t to_ms = 1'000'000'000'000) {
    auto tx = db().Begin(TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = store_.Read(**tx, target, metric, core::FromUnixMillis(from_ms),
                            core::FromUnixMillis(to_ms));
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<LoadSample>{};
  }
  static LoadSample At(int64_t ms, double value) { return {core::FromUnixMillis(ms), value}; }

  SqlLoadHistoryStore store_;
  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(LoadHistoryTest, AppendedSamplesReadBackInTimeOrderWithExactValues) {
  // Written out of order, with values a text round trip could blur.
  auto written = Append("web", "rps", {At(3000, 0.1), At(1000, 12345.678), At(2000, 1e-9)});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(*written, 3);
  EXPECT_EQ(Read("web", "rps"),
            (std::vector<LoadSample>{At(1000, 12345.678), At(2000, 1e-9), At(3000, 0.1)}));
}

TEST_P(LoadHistoryTest, RangeIsHalfOpenAndKeyedByTargetAndMetric) {
  ASSERT_TRUE(Append("web", "rps", {At(1000, 1), At(2000, 2), At(3000, 3)}).ok());
  ASSERT_TRUE(Append("web", "cpu", {At(2000, 50)}).ok());
  ASSERT_TRUE(Append("api", "rps", {At(2000, 7)}).ok());
  EXPECT_EQ(Read("web", "rps", 2000, 3000), (std::vector<LoadSample>{At(2000, 2)}));
  EXPECT_EQ(Read("web", "cpu"), (std::vector<LoadSample>{At(2000, 50)}));
  EXPECT_EQ(Read("api", "rps"), (std::vector<LoadSample>{At(2000, 7)}));
  EXPECT_TRUE(Read("api", "cpu").empty());
}

TEST_P(LoadHistoryTest, SampleAtTheSameMillisecondReplacesTheStoredOne) {
  ASSERT_TRUE(Append("web", "rps", {At(1000, 1)}).ok());
  auto again = Append("web", "rps", {At(1000, 5), At(2000, 6)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Read("web", "rps"), (std::vector<LoadSample>{At(1000, 5), At(2000, 6)}));
}

TEST_P(LoadHistoryTest, UnknownTargetWritesNothing) {
  auto written = Append("gone", "rps", {At(1000, 1)});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(*written, 0);
  EXPECT_TRUE(Read("gone", "rps").empty());
}

TEST_P(LoadHistoryTest, PruneDeletesOlderThanTheCutoffForEveryTarget) {
  ASSERT_TRUE(Append("web", "rps", {At(1000, 1), At(2000, 2), At(3000, 3)}).ok());
  ASSERT_TRUE(Append("api", "rps", {At(1500, 1), At(2500, 2)}).ok());
  int64_t pruned = 0;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(pruned, store_.Prune(tx, core::FromUnixMillis(2000)));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(pruned, 2);
  EXPECT_EQ(Read("web", "rps"), (std::vector<LoadSample>{At(2000, 2), At(3000, 3)}));
  EXPECT_EQ(Read("api", "rps"), (std::vector<LoadSample>{At(2500, 2)}));
}

TEST_P(LoadHistoryTest, DeletingTheTargetDeletesItsHistory) {
  ASSERT_TRUE(Append("web", "rps", {At(1000, 1)}).ok());
  ASSERT_TRUE(Append("api", "rps", {At(1000, 1)}).ok());
  ASSERT_TRUE(Write([](Transaction& tx) {
                return TargetRepository::Delete(tx, "web", std::nullopt);
              }).ok());
  EXPECT_TRUE(Read("web", "rps").empty());
  EXPECT_EQ(Read("api", "rps").size(), 1u);
}

TEST_P(LoadHistoryTest, HistorySurvivesReopeningTheDatabase) {
  ASSERT_TRUE(Append("web", "rps", {At(1000, 4.5)}).ok());
  auto other = test_db_->OpenAnother();
  auto tx = other->Begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rows = LoadHistoryRepository::Read(**tx, "web", "rps", core::FromUnixMillis(0),
                                          core::FromUnixMillis(10'000));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, (std::vector<LoadSample>{At(1000, 4.5)}));
}

}  // namespace gov::store::testing
