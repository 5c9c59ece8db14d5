#pragma once

// The repository conformance suite: every test runs against each backend through
// INSTANTIATE_TEST_SUITE_P in repository_conformance_test.cc (SQLite) and
// repository_conformance_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "store/audit_repository.h"
#include "store/environment_repository.h"
#include "store/flag_repository.h"
#include "store/migrations.h"
#include "store/token_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

class ConformanceTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
  }
  Database& db() { return test_db_->db(); }

  TokenRecord MakeToken(const std::string& id, int64_t created_ms,
                        TokenType type = TokenType::kClient) {
    TokenRecord t;
    t.id = id;
    t.name = "token-" + id;
    t.type = type;
    if (type != TokenType::kAdmin && type != TokenType::kViewer) t.environment = "development";
    t.secret_hash = "hash-" + id;
    t.created_at = core::FromUnixMillis(created_ms);
    return t;
  }

  core::Status InsertToken(const TokenRecord& t) {
    return WithTransaction(db(), TxMode::kReadWrite,
                           [&](Transaction& tx) { return TokenRepository::Insert(tx, t); });
  }

  core::StatusOr<TokenRecord> GetToken(const std::string& id) {
    auto tx = db().Begin(TxMode::kReadOnly);
    if (!tx.ok()) return tx.status();
    return TokenRepository::Get(**tx, id);
  }

  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(ConformanceTest, MigrationsAreRecordedAndIdempotent) {
  auto version = CurrentSchemaVersion(db());
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, LatestSchemaVersion());
  ASSERT_TRUE(Migrate(db()).ok());  // second run applies nothing
  EXPECT_EQ(*CurrentSchemaVersion(db()), LatestSchemaVersion());
}

TEST_P(ConformanceTest, NewerDatabaseRefusesToStart) {
  std::vector<Migration> older(AllMigrations().begin(), AllMigrations().end());
  older.pop_back();
  if (older.empty()) older.push_back({0, "nothing", {}});
  core::Status s = Migrate(db(), older);
  ASSERT_EQ(s.code(), core::StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("newer than this binary"), std::string::npos);
  // Nothing of the older list was applied on top.
  EXPECT_EQ(*CurrentSchemaVersion(db()), LatestSchemaVersion());
}

TEST_P(ConformanceTest, MigrationNumberedBelowAnAppliedOneIsStillApplied) {
  std::vector<Migration> ms = AllMigrations();
  const int top = LatestSchemaVersion();
  ms.push_back({top + 20, "later", {"CREATE TABLE later_t (x BIGINT)"}});
  ASSERT_TRUE(Migrate(db(), ms).ok());
  ms.push_back({top + 10, "added by another module", {"CREATE TABLE between_t (x BIGINT)"}});
  ASSERT_TRUE(Migrate(db(), ms).ok());
  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  EXPECT_TRUE(tx->Exec("SELECT x FROM between_t").ok());
  auto rows = tx->Exec("SELECT COUNT(*) FROM schema_migrations WHERE version IN ($1, $2)",
                       {int64_t{top + 10}, int64_t{top + 20}});
  EXPECT_EQ(rows->rows[0].Int(0), 2);
}

TEST_P(ConformanceTest, FailedMigrationRollsBackEntirely) {
  std::vector<Migration> ms = AllMigrations();
  ms.push_back({LatestSchemaVersion() + 1,
                "broken",
                {"CREATE TABLE half_done (x BIGINT)", "THIS IS NOT SQL"}});
  core::Status s = Migrate(db(), ms);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("broken"), std::string::npos);
  EXPECT_EQ(*CurrentSchemaVersion(db()), LatestSchemaVersion());
  auto tx = db().Begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  EXPECT_FALSE((*tx)->Exec("SELECT x FROM half_done").ok());
}

TEST_P(ConformanceTest, DefaultEnvironmentsExistAndMoreCanBeAdded) {
  auto tx = std::move(db().Begin(TxMode::kReadWrite)).value();
  auto envs = EnvironmentRepository::List(*tx);
  ASSERT_TRUE(envs.ok());
  ASSERT_EQ(envs->size(), 2u);
  EXPECT_EQ((*envs)[0].name, "development");
  EXPECT_EQ((*envs)[1].name, "production");
  ASSERT_TRUE(EnvironmentRepository::Insert(*tx, {"staging", core::FromUnixMillis(5), 1}).ok());
  EXPECT_EQ(EnvironmentRepository::Insert(*tx, {"staging", core::FromUnixMillis(6), 1}).code(),
            core::StatusCode::kAlreadyExists);
}

TEST_P(ConformanceTest, TokenCrud) {
  TokenRecord t = MakeToken("a1", 1000);
  t.expires_at = core::FromUnixMillis(99000);
  ASSERT_TRUE(InsertToken(t).ok());
  auto got = GetToken("a1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "token-a1");
  EXPECT_EQ(got->type, TokenType::kClient);
  EXPECT_EQ(got->environment, "development");
  EXPECT_EQ(got->created_at, core::FromUnixMillis(1000));
  EXPECT_EQ(got->expires_at, core::FromUnixMillis(99000));
  EXPECT_FALSE(got->revoked_at.has_value());
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(GetToken("missing").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(InsertToken(t).code(), core::StatusCode::kAlreadyExists);
  TokenRecord same_secret = MakeToken("a2", 2000);
  same_secret.secret_hash = t.secret_hash;
  EXPECT_EQ(InsertToken(same_secret).code(), core::StatusCode::kAlreadyExists);

  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  auto found = TokenRepository::FindBySecretHash(*tx, "hash-a1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "a1");
  EXPECT_FALSE(TokenRepository::FindBySecretHash(*tx, "nope")->has_value());
}

// A viewer token covers every environment and is no admin: it does not count as one (so a
// database with only viewer tokens still gets a bootstrap admin token).
TEST_P(ConformanceTest, ViewerTokenRoundTripsAndIsNoAdmin) {
  ASSERT_TRUE(InsertToken(MakeToken("w1", 1000, TokenType::kViewer)).ok());
  auto got = GetToken("w1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->type, TokenType::kViewer);
  EXPECT_FALSE(got->environment.has_value());
  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  auto admins = TokenRepository::CountActiveAdmins(*tx);
  ASSERT_TRUE(admins.ok());
  EXPECT_EQ(*admins, 0);
}

TEST_P(ConformanceTest, TokenForUnknownEnvironmentIsRejected) {
  TokenRecord t = MakeToken("e1", 1);
  t.environment = "no-such-env";
  EXPECT_EQ(InsertToken(t).code(), core::StatusCode::kFailedPrecondition);
}

TEST_P(ConformanceTest, StaleUpdateIsAConflict) {
  ASSERT_TRUE(InsertToken(MakeToken("v1", 1)).ok());
  core::StatusOr<TokenRecord> revoked = core::Internal("unset");
  ASSERT_TRUE(WithTransaction(db(), TxMode::kReadWrite, [&](Transaction& tx) {
                revoked = TokenRepository::Revoke(tx, "v1", 1, core::FromUnixMillis(50));
                return revoked.status();
              }).ok());
  EXPECT_EQ(revoked->version, 2);
  EXPECT_EQ(revoked->revoked_at, core::FromUnixMillis(50));
  core::Status stale = WithTransaction(db(), TxMode::kReadWrite, [&](Transaction& tx) {
    return TokenRepository::Revoke(tx, "v1", 1, core::FromUnixMillis(60)).status();
  });
  EXPECT_EQ(stale.code(), core::StatusCode::kConflict);
  core::Status missing = WithTransaction(db(), TxMode::kReadWrite, [&](Transaction& tx) {
    return TokenRepository::Revoke(tx, "zz", 1, core::FromUnixMillis(60)).status();
  });
  EXPECT_EQ(missing.code(), core::StatusCode::kNotFound);
  EXPECT_EQ(GetToken("v1")->revoked_at, core::FromUnixMillis(50));
}

TEST_P(ConformanceTest, PaginationVisitsEveryRowOnce) {
  // Equal timestamps exercise the id tie-break in the cursor.
  for (int i = 0; i < 23; ++i) {
    ASSERT_TRUE(InsertToken(MakeToken("t" + std::to_string(100 + i), 1000 + (i / 3))).ok());
  }
  std::vector<std::string> seen;
  PageRequest req{5, ""};
  int pages = 0;
  do {
    auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
    auto page = TokenRepository::List(*tx, req);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (auto& t : page->items) seen.push_back(t.id);
    req.cursor = page->next_cursor;
    ++pages;
  } while (!req.cursor.empty() && pages < 20);
  EXPECT_EQ(pages, 5);
  ASSERT_EQ(seen.size(), 23u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 23u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  EXPECT_EQ(TokenRepository::List(*tx, {5, "garbage"}).status().code(),
            core::StatusCode::kInvalidArgument);
}

TEST_P(ConformanceTest, RolledBackTransactionLeavesNoTrace) {
  {
    auto tx = std::move(db().Begin(TxMode::kReadWrite)).value();
    ASSERT_TRUE(TokenRepository::Insert(*tx, MakeToken("r1", 1)).ok());
    ASSERT_TRUE(AuditRepository::Append(*tx, {0, core::FromUnixMillis(1), "admin", "token.create",
                                              "tokens/r1", std::nullopt, "{}", "req-1"})
                    .ok());
    // destroyed without commit
  }
  EXPECT_EQ(GetToken("r1").status().code(), core::StatusCode::kNotFound);
  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  EXPECT_TRUE(AuditRepository::List(*tx, {10, ""}, "")->items.empty());
}

TEST_P(ConformanceTest, FailingStepRollsBackEarlierSteps) {
  ASSERT_TRUE(InsertToken(MakeToken("dup", 1)).ok());
  core::Status s = WithTransaction(db(), TxMode::kReadWrite, [&](Transaction& tx) {
    RETURN_IF_ERROR(TokenRepository::Insert(tx, MakeToken("fresh", 2)));
    return TokenRepository::Insert(tx, MakeToken("dup", 3));  // fails
  });
  EXPECT_EQ(s.code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(GetToken("fresh").status().code(), core::StatusCode::kNotFound);
}

TEST_P(ConformanceTest, ReadOnlyTransactionRejectsWrites) {
  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  EXPECT_FALSE(TokenRepository::Insert(*tx, MakeToken("ro", 1)).ok());
}

TEST_P(ConformanceTest, AuditLogNewestFirstWithResourceFilterAndCursor) {
  ASSERT_TRUE(WithTransaction(db(), TxMode::kReadWrite, [&](Transaction& tx) {
                for (int i = 0; i < 7; ++i) {
                  const std::string res = (i % 2 ? "tokens/" : "environments/") + std::to_string(i);
                  ASSIGN_OR_RETURN(auto seq, AuditRepository::Append(
                                                 tx, {0, core::FromUnixMillis(i), "admin",
                                                      "x.create", res, std::nullopt,
                                                      "{\"i\":" + std::to_string(i) + "}", "req"}));
                  (void)seq;
                }
                return core::Status::Ok();
              }).ok());
  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  auto page = AuditRepository::List(*tx, {2, ""}, "tokens/");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].resource, "tokens/5");
  EXPECT_EQ(page->items[1].resource, "tokens/3");
  EXPECT_FALSE(page->items[0].before_json.has_value());
  EXPECT_EQ(page->items[0].after_json, "{\"i\":5}");
  auto next = AuditRepository::List(*tx, {2, page->next_cursor}, "tokens/");
  ASSERT_EQ(next->items.size(), 1u);
  EXPECT_EQ(next->items[0].resource, "tokens/1");
  EXPECT_TRUE(next->next_cursor.empty());
  EXPECT_EQ(AuditRepository::List(*tx, {100, ""}, "")->items.size(), 7u);
}

TEST_P(ConformanceTest, ConcurrentWritersAllLand) {
  constexpr int kThreads = 4, kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "c" + std::to_string(t) + "_" + std::to_string(i);
        if (!InsertToken(MakeToken(id, t * 1000 + i)).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto tx = std::move(db().Begin(TxMode::kReadOnly)).value();
  EXPECT_EQ(TokenRepository::ListActive(*tx)->size(), size_t{kThreads * kPerThread});
}

// Segment ids are allocated by the store (id 0): creators on two handles (two replicas)
// running at once all succeed, with distinct ids, and later ids stay above explicit ones.
TEST_P(ConformanceTest, ConcurrentSegmentCreatorsGetDistinctIds) {
  constexpr int kThreads = 6, kPerThread = 15;
  std::unique_ptr<Database> other = test_db_->OpenAnother();
  std::atomic<int> ready{0};
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<int64_t> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Database& handle = t % 2 == 0 ? db() : *other;
      ready++;
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        SegmentRecord seg;
        seg.name = "s" + std::to_string(t) + "_" + std::to_string(i);
        seg.definition_json = R"({"constraints":[]})";
        int64_t id = 0;
        core::Status s =
            WithTransaction(handle, TxMode::kReadWrite, [&](Transaction& tx) -> core::Status {
              ASSIGN_OR_RETURN(id, FlagRepository::InsertSegment(tx, seg));
              return core::Status::Ok();
            });
        std::lock_guard lock(mu);
        if (s.ok()) {
          ids.push_back(id);
        } else {
          errors.push_back(seg.name + ": " + s.ToString());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, e.g. " << errors.front();
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size());
  auto tx = std::move(db().Begin(TxMode::kReadWrite)).value();
  ASSERT_EQ(FlagRepository::ListSegments(*tx)->size(), size_t{kThreads * kPerThread});

  SegmentRecord explicit_id;
  explicit_id.id = 1000;
  explicit_id.name = "imported";
  explicit_id.definition_json = R"({"constraints":[]})";
  ASSERT_EQ(*FlagRepository::InsertSegment(*tx, explicit_id), 1000);
  explicit_id.id = 0;
  EXPECT_EQ(*FlagRepository::InsertSegment(*tx, explicit_id), 1001);
  ASSERT_TRUE(tx->Commit().ok());
}

TEST_P(ConformanceTest, NotificationsArriveOnlyAfterCommit) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  auto listener = test_db_->OpenAnother();
  Database& listen_db = db().backend() == Backend::kSqlite ? db() : *listener;
  ASSERT_TRUE(listen_db
                  .Listen("gov_test",
                          [&](const std::string&, const std::string& payload) {
                            std::lock_guard<std::mutex> lock(mu);
                            got.push_back(payload);
                            cv.notify_all();
                          })
                  .ok());
  {
    auto tx = std::move(db().Begin(TxMode::kReadWrite)).value();
    ASSERT_TRUE(db().Notify(*tx, "gov_test", "rolled-back").ok());
  }
  ASSERT_TRUE(WithTransaction(db(), TxMode::kReadWrite, [&](Transaction& tx) {
                return db().Notify(tx, "gov_test", "committed");
              }).ok());
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return !got.empty(); }));
  EXPECT_EQ(got, std::vector<std::string>{"committed"});
}

TEST_P(ConformanceTest, LeaderLockIsExclusiveAcrossHandles) {
  auto other = test_db_->OpenAnother();
  ASSERT_TRUE(*db().TryAcquireLeaderLock(42));
  EXPECT_FALSE(*other->TryAcquireLeaderLock(42));
  ASSERT_TRUE(db().ReleaseLeaderLock(42).ok());
  EXPECT_TRUE(*other->TryAcquireLeaderLock(42));
}

}  // namespace gov::store::testing
