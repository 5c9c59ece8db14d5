#pragma once

// The scheduled-change repository on both backends: instantiated by
// scheduled_change_repository_test.cc (SQLite) and scheduled_change_repository_pgtest.cc
// (PostgreSQL).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/flag_repository.h"
#include "store/scheduled_change_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

class ScheduledChangeRepositoryTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
    for (const char* name : {"checkout", "search"}) {
      FeatureRecord f;
      f.name = name;
      f.project = "default";
      f.definition_json = std::string(R"({"name":")") + name + "\"}";
      f.created_at = core::FromUnixMillis(1000);
      f.updated_at = core::FromUnixMillis(1000);
      ASSERT_TRUE(
          Write([&](Transaction& tx) { return FlagRepository::InsertFeature(tx, f); }).ok());
    }
  }
  Database& db() { return test_db_->db(); }
  core::Status Write(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadWrite, fn);
  }
  template <typename T>
  T Read(const std::function<core::StatusOr<T>(Transaction&)>& fn) {
    std::optional<T> out;
    core::Status s = WithTransaction(db(), TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
      ASSIGN_OR_RETURN(out, fn(tx));
      return core::Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out ? std::move(*out) : T{};
  }

  static ScheduledChangeRecord Change(const std::string& feature, const std::string& environment,
                                      const std::string& action, int64_t at_ms) {
    ScheduledChangeRecord c;
    c.feature = feature;
    c.environment = environment;
    c.action = action;
    c.at = core::FromUnixMillis(at_ms);
    c.created_by = "alice";
    c.created_at = core::FromUnixMillis(500);
    return c;
  }
  core::StatusOr<ScheduledChangeRecord> Insert(const ScheduledChangeRecord& c) {
    std::optional<ScheduledChangeRecord> out;
    core::Status s = Write([&](Transaction& tx) -> core::Status {
      ASSIGN_OR_RETURN(out, ScheduledChangeRepository::Insert(tx, c));
      return core::Status::Ok();
    });
    if (!s.ok()) return s;
    return std::move(*out);
  }
  core::StatusOr<bool> Finish(int64_t id, const std::string& state, int64_t now_ms) {
    bool finished = false;
    core::Status s = Write([&](Transaction& tx) -> core::Status {
      ASSIGN_OR_RETURN(
          finished, ScheduledChangeRepository::Finish(tx, id, state, core::FromUnixMillis(now_ms)));
      return core::Status::Ok();
    });
    if (!s.ok()) return s;
    return finished;
  }
  std::vector<int64_t> DueIds(int64_t now_ms, int64_t limit = 100) {
    auto due = Read<std::vector<ScheduledChangeRecord>>([&](Transaction& tx) {
      return ScheduledChangeRepository::ListDue(tx, core::FromUnixMillis(now_ms), limit);
    });
    std::vector<int64_t> ids;
    for (const auto& c : due) ids.push_back(c.id);
    return ids;
  }
  static std::vector<int64_t> Ids(const Page<ScheduledChangeRecord>& page) {
    std::vector<int64_t> ids;
    for (const auto& c : page.items) ids.push_back(c.id);
    return ids;
  }

  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(ScheduledChangeRepositoryTest, InsertStoresAPendingChangeThatReadsBackExactly) {
  ScheduledChangeRecord c = Change("checkout", "production", "on", 5000);
  c.state = "done";  // ignored: a new change is pending
  c.finished_at = core::FromUnixMillis(9);
  auto first = Insert(c);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Insert(Change("search", "development", "off", 6000));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_GT(second->id, first->id);
  EXPECT_EQ(first->state, kScheduledChangePending);
  EXPECT_FALSE(first->finished_at.has_value());
  auto found = Read<std::optional<ScheduledChangeRecord>>(
      [&](Transaction& tx) { return ScheduledChangeRepository::Find(tx, first->id); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, *first);
  EXPECT_EQ(found->at, core::FromUnixMillis(5000));
  EXPECT_EQ(found->created_by, "alice");
  EXPECT_EQ(found->created_at, core::FromUnixMillis(500));
  EXPECT_FALSE(Read<std::optional<ScheduledChangeRecord>>([&](Transaction& tx) {
                 return ScheduledChangeRepository::Find(tx, second->id + 100);
               }).has_value());
}

TEST_P(ScheduledChangeRepositoryTest, UnknownFeatureOrEnvironmentIsAFailedPrecondition) {
  EXPECT_EQ(Insert(Change("missing", "production", "on", 5000)).status().code(),
            core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Insert(Change("checkout", "staging", "on", 5000)).status().code(),
            core::StatusCode::kFailedPrecondition);
}

TEST_P(ScheduledChangeRepositoryTest, DueListsPendingChangesAtOrBeforeNowEarliestFirst) {
  auto late = Insert(Change("checkout", "production", "on", 3000));
  auto early = Insert(Change("search", "production", "off", 1000));
  auto same_time = Insert(Change("checkout", "development", "on", 1000));
  auto future = Insert(Change("checkout", "production", "off", 9000));
  ASSERT_TRUE(late.ok() && early.ok() && same_time.ok() && future.ok());
  EXPECT_TRUE(DueIds(999).empty());
  EXPECT_EQ(DueIds(1000), (std::vector<int64_t>{early->id, same_time->id}));
  EXPECT_EQ(DueIds(3000), (std::vector<int64_t>{early->id, same_time->id, late->id}));
  EXPECT_EQ(DueIds(3000, 1), (std::vector<int64_t>{early->id}));
  // Finished changes are no longer due.
  ASSERT_TRUE(*Finish(early->id, kScheduledChangeDone, 3000));
  ASSERT_TRUE(*Finish(same_time->id, kScheduledChangeCancelled, 3000));
  EXPECT_EQ(DueIds(10000), (std::vector<int64_t>{late->id, future->id}));
}

TEST_P(ScheduledChangeRepositoryTest, FinishMovesAPendingChangeOnlyOnce) {
  auto c = Insert(Change("checkout", "production", "on", 1000));
  ASSERT_TRUE(c.ok());
  auto first = Finish(c->id, kScheduledChangeDone, 2000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  // A retry, a second runner or a late cancel finds nothing pending.
  EXPECT_FALSE(*Finish(c->id, kScheduledChangeDone, 3000));
  EXPECT_FALSE(*Finish(c->id, kScheduledChangeCancelled, 3000));
  EXPECT_FALSE(*Finish(c->id + 100, kScheduledChangeDone, 3000));
  auto found = Read<std::optional<ScheduledChangeRecord>>(
      [&](Transaction& tx) { return ScheduledChangeRepository::Find(tx, c->id); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, kScheduledChangeDone);
  EXPECT_EQ(found->finished_at, core::FromUnixMillis(2000));
}

TEST_P(ScheduledChangeRepositoryTest, ListsPageNewestFirstByFlagAndByState) {
  std::vector<int64_t> checkout_prod;
  for (int i = 0; i < 5; ++i) {
    auto c = Insert(Change("checkout", "production", i % 2 ? "off" : "on", 1000 + i));
    ASSERT_TRUE(c.ok());
    checkout_prod.push_back(c->id);
  }
  auto other = Insert(Change("checkout", "development", "on", 1000));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(*Finish(checkout_prod[1], kScheduledChangeCancelled, 2000));

  auto first = Read<Page<ScheduledChangeRecord>>([&](Transaction& tx) {
    return ScheduledChangeRepository::ListForFlag(tx, "checkout", "production", {2, ""});
  });
  EXPECT_EQ(Ids(first), (std::vector<int64_t>{checkout_prod[4], checkout_prod[3]}));
  ASSERT_FALSE(first.next_cursor.empty());
  auto rest = Read<Page<ScheduledChangeRecord>>([&](Transaction& tx) {
    return ScheduledChangeRepository::ListForFlag(tx, "checkout", "production",
                                                  {10, first.next_cursor});
  });
  EXPECT_EQ(Ids(rest),
            (std::vector<int64_t>{checkout_prod[2], checkout_prod[1], checkout_prod[0]}));
  EXPECT_TRUE(rest.next_cursor.empty());

  auto pending = Read<Page<ScheduledChangeRecord>>([&](Transaction& tx) {
    return ScheduledChangeRepository::List(tx, std::string(kScheduledChangePending), {50, ""});
  });
  EXPECT_EQ(Ids(pending), (std::vector<int64_t>{other->id, checkout_prod[4], checkout_prod[3],
                                                checkout_prod[2], checkout_prod[0]}));
  auto cancelled = Read<Page<ScheduledChangeRecord>>([&](Transaction& tx) {
    return ScheduledChangeRepository::List(tx, std::string(kScheduledChangeCancelled), {50, ""});
  });
  EXPECT_EQ(Ids(cancelled), (std::vector<int64_t>{checkout_prod[1]}));
  auto all = Read<Page<ScheduledChangeRecord>>([&](Transaction& tx) {
    return ScheduledChangeRepository::List(tx, std::nullopt, {50, ""});
  });
  EXPECT_EQ(all.items.size(), 6u);

  core::Status bad = WithTransaction(db(), TxMode::kReadOnly, [](Transaction& tx) {
    return ScheduledChangeRepository::List(tx, std::nullopt, {50, "x"}).status();
  });
  EXPECT_EQ(bad.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.field(), "cursor");
}

TEST_P(ScheduledChangeRepositoryTest, DeletingTheFeatureDeletesItsChanges) {
  auto c = Insert(Change("checkout", "production", "on", 1000));
  auto kept = Insert(Change("search", "production", "on", 1000));
  ASSERT_TRUE(c.ok() && kept.ok());
  ASSERT_TRUE(Write([](Transaction& tx) {
                return FlagRepository::DeleteFeature(tx, "checkout", std::nullopt);
              }).ok());
  EXPECT_EQ(DueIds(5000), (std::vector<int64_t>{kept->id}));
}

}  // namespace gov::store::testing
