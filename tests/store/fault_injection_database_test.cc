#include "tests/testing/fault_injection_database.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace gov::store::testing {
namespace {

// A real SQLite database with one table, behind a FaultInjectionDatabase.
class FaultInjectionDatabaseTest : public ::testing::Test {
 protected:
  FaultInjectionDatabaseTest() {
    auto opened = OpenDatabase("sqlite://" + (dir_.path() / "test.db").string(), 2);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    real_ = std::move(opened).value();
    EXPECT_TRUE(WithTransaction(*real_, TxMode::kReadWrite, [](Transaction& tx) {
                  return tx.Exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT)").status();
                }).ok());
    db_ = std::make_unique<FaultInjectionDatabase>(*real_);
  }

  core::Status Put(const std::string& key, int64_t value) {
    return WithTransaction(*db_, TxMode::kReadWrite, [&](Transaction& tx) {
      return tx
          .Exec("INSERT INTO kv (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = $2",
                {key, value})
          .status();
    });
  }
  // The keys stored, read through the real database.
  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    EXPECT_TRUE(WithTransaction(*real_, TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT k FROM kv ORDER BY k"));
                  for (const Row& row : rs.rows) keys.push_back(row.Text(0));
                  return core::Status::Ok();
                }).ok());
    return keys;
  }

  gov::testing::TempDir dir_{"gov_fault_db"};
  std::unique_ptr<Database> real_;
  std::unique_ptr<FaultInjectionDatabase> db_;
};

TEST(FaultInjectionIsWriteTest, OnlyQueriesAreNotWrites) {
  EXPECT_FALSE(FaultInjectionDatabase::IsWrite("SELECT 1"));
  EXPECT_FALSE(FaultInjectionDatabase::IsWrite("  select k FROM kv"));
  EXPECT_FALSE(FaultInjectionDatabase::IsWrite("WITH x AS (SELECT 1) SELECT * FROM x"));
  EXPECT_TRUE(FaultInjectionDatabase::IsWrite("WITH x AS (SELECT 1) DELETE FROM kv"));
  EXPECT_TRUE(FaultInjectionDatabase::IsWrite("INSERT INTO kv (k) VALUES ($1)"));
  EXPECT_TRUE(FaultInjectionDatabase::IsWrite("\n  UPDATE kv SET v = 1"));
  EXPECT_TRUE(FaultInjectionDatabase::IsWrite("DELETE FROM kv"));
  EXPECT_TRUE(FaultInjectionDatabase::IsWrite("CREATE TABLE t (x BIGINT)"));
}

TEST_F(FaultInjectionDatabaseTest, PassesEverythingUntilTold) {
  EXPECT_TRUE(Put("a", 1).ok());
  EXPECT_TRUE(Put("b", 2).ok());
  EXPECT_EQ(Keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(db_->writes(), 2);
  EXPECT_EQ(db_->injected(), 0);
  EXPECT_EQ(db_->backend(), Backend::kSqlite);
  EXPECT_TRUE(db_->Ping().ok());
}

TEST_F(FaultInjectionDatabaseTest, FailsTheNthWriteOnceWithTheRealDatabasesError) {
  db_->FailNthWrite(2);
  EXPECT_TRUE(Put("a", 1).ok());
  core::Status failed = Put("b", 2);
  EXPECT_EQ(failed.code(), core::StatusCode::kInternal);
  EXPECT_EQ(failed.message(), "query failed: disk I/O error");
  EXPECT_TRUE(Put("c", 3).ok());
  EXPECT_EQ(Keys(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(db_->writes(), 3);
  ASSERT_EQ(db_->injected_statements().size(), 1u);
  EXPECT_NE(db_->injected_statements()[0].find("INSERT INTO kv"), std::string::npos);
}

TEST_F(FaultInjectionDatabaseTest, AFailedWriteAbortsItsTransactionAndRollsItBack) {
  db_->FailNthWrite(2);
  auto tx = db_->Begin(TxMode::kReadWrite);
  ASSERT_TRUE(tx.ok());
  EXPECT_TRUE((*tx)->Exec("INSERT INTO kv (k, v) VALUES ('a', 1)").ok());
  EXPECT_FALSE((*tx)->Exec("INSERT INTO kv (k, v) VALUES ('b', 2)").ok());
  // Later statements, reads included, and the commit fail; the first insert is lost.
  EXPECT_FALSE((*tx)->Exec("SELECT k FROM kv").ok());
  core::Status commit = (*tx)->Commit();
  EXPECT_EQ(commit.code(), core::StatusCode::kInternal);
  EXPECT_NE(commit.message().find("disk I/O error"), std::string::npos);
  tx->reset();
  EXPECT_TRUE(Keys().empty());
}

TEST_F(FaultInjectionDatabaseTest, FailsOnlyWritesMatchingThePatternAsOftenAsTold) {
  db_->FailWritesMatching("DELETE FROM kv", 2);
  auto remove = [&](const std::string& key) {
    return WithTransaction(*db_, TxMode::kReadWrite, [&](Transaction& tx) {
      return tx.Exec("DELETE FROM kv WHERE k = $1", {key}).status();
    });
  };
  EXPECT_TRUE(Put("a", 1).ok());
  EXPECT_TRUE(Put("b", 2).ok());
  EXPECT_FALSE(remove("a").ok());
  EXPECT_TRUE(Put("c", 3).ok());  // other writes pass between the failures
  EXPECT_FALSE(remove("a").ok());
  EXPECT_TRUE(remove("a").ok());  // the third matching write passes
  EXPECT_EQ(Keys(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(db_->injected(), 2);
}

TEST_F(FaultInjectionDatabaseTest, FailsEveryWriteAfterAPointUntilHealed) {
  db_->FailWritesAfter(2);
  EXPECT_TRUE(Put("a", 1).ok());
  EXPECT_TRUE(Put("b", 2).ok());
  for (const char* key : {"c", "d", "e"}) EXPECT_FALSE(Put(key, 3).ok()) << key;
  // Reads still work while writes fail.
  EXPECT_TRUE(WithTransaction(*db_, TxMode::kReadOnly, [](Transaction& tx) {
                return tx.Exec("SELECT k FROM kv").status();
              }).ok());
  db_->Heal();
  EXPECT_TRUE(Put("f", 4).ok());
  EXPECT_EQ(Keys(), (std::vector<std::string>{"a", "b", "f"}));
  EXPECT_EQ(db_->injected(), 3);
}

TEST_F(FaultInjectionDatabaseTest, ReturnsTheErrorItIsGiven) {
  db_->SetError(core::Unavailable("server closed the connection unexpectedly"));
  db_->FailWritesAfter(0);
  core::Status failed = Put("a", 1);
  EXPECT_EQ(failed.code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(failed.message(), "server closed the connection unexpectedly");
}

// Notify hands the real database its own transaction: the notification is delivered (on
// the database's dispatcher thread) once the wrapped transaction commits.
TEST_F(FaultInjectionDatabaseTest, NotificationsReachTheRealDatabase) {
  std::promise<std::string> delivered;
  ASSERT_TRUE(
      db_->Listen("changes", [&](const std::string&,
                                 const std::string& payload) { delivered.set_value(payload); })
          .ok());
  ASSERT_TRUE(WithTransaction(*db_, TxMode::kReadWrite, [&](Transaction& tx) {
                return db_->Notify(tx, "changes", "kv");
              }).ok());
  auto payload = delivered.get_future();
  ASSERT_EQ(payload.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(payload.get(), "kv");
}

}  // namespace
}  // namespace gov::store::testing
