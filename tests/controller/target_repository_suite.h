#pragma once

// Target, target-state, decision and epoch repositories on both backends: instantiated by
// target_repository_test.cc (SQLite) and target_repository_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>

#include "store/audit_repository.h"
#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"
#include "store/target_repository.h"
#include "store/target_state_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

class TargetRepositoryTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
  }
  Database& db() { return test_db_->db(); }

  static TargetRecord Target(const std::string& name, const std::string& spec = "{}") {
    TargetRecord t;
    t.name = name;
    t.spec_json = spec;
    t.created_at = core::FromUnixMillis(1000);
    t.updated_at = core::FromUnixMillis(1000);
    return t;
  }
  core::Status Write(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadWrite, fn);
  }
  template <typename T>
  core::StatusOr<T> Read(const std::function<core::StatusOr<T>(Transaction&)>& fn) {
    auto tx = db().Begin(TxMode::kReadOnly);
    if (!tx.ok()) return tx.status();
    return fn(**tx);
  }
  static DecisionRecord Decision(const std::string& id, const std::string& target, int64_t at_ms,
                                 int64_t epoch = 1) {
    DecisionRecord d;
    d.id = id;
    d.target = target;
    d.at = core::FromUnixMillis(at_ms);
    d.epoch = epoch;
    d.from_replicas = 3;
    d.to_replicas = 5;
    d.reason = "ScaleUpLimit";
    d.actuation = Actuation::kPending;
    d.record_json = R"({"id":")" + id + R"("})";
    return d;
  }

  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(TargetRepositoryTest, InsertGetListAndDuplicate) {
  ASSERT_TRUE(
      Write([](Transaction& tx) { return TargetRepository::Insert(tx, Target("web")); }).ok());
  ASSERT_TRUE(
      Write([](Transaction& tx) { return TargetRepository::Insert(tx, Target("api")); }).ok());
  core::Status dup =
      Write([](Transaction& tx) { return TargetRepository::Insert(tx, Target("web")); });
  EXPECT_EQ(dup.code(), core::StatusCode::kAlreadyExists) << dup.ToString();

  auto web = Read<TargetRecord>([](Transaction& tx) { return TargetRepository::Get(tx, "web"); });
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->version, 1);
  EXPECT_EQ(web->source, kTargetSourceApi);
  EXPECT_EQ(core::ToUnixMillis(web->created_at), 1000);
  auto missing = Read<TargetRecord>([](Transaction& tx) { return TargetRepository::Get(tx, "x"); });
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);

  auto first = Read<Page<TargetRecord>>([](Transaction& tx) {
    return TargetRepository::List(tx, PageRequest{1, ""});
  });
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 1u);
  EXPECT_EQ(first->items[0].name, "api");
  EXPECT_EQ(first->next_cursor, "api");
  auto second = Read<Page<TargetRecord>>([](Transaction& tx) {
    return TargetRepository::List(tx, PageRequest{1, "api"});
  });
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].name, "web");
  EXPECT_EQ(second->next_cursor, "");
}

TEST_P(TargetRepositoryTest, UpdateAndDeleteCheckTheVersion) {
  ASSERT_TRUE(
      Write([](Transaction& tx) { return TargetRepository::Insert(tx, Target("web")); }).ok());
  TargetRecord updated;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(
                    updated, TargetRepository::Update(tx, "web", R"({"a":1})", kTargetSourceConfig,
                                                      1, core::FromUnixMillis(2000)));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(updated.version, 2);
  EXPECT_EQ(updated.spec_json, R"({"a":1})");
  EXPECT_EQ(updated.source, kTargetSourceConfig);
  EXPECT_EQ(core::ToUnixMillis(updated.updated_at), 2000);
  EXPECT_EQ(core::ToUnixMillis(updated.created_at), 1000);

  core::Status stale = Write([](Transaction& tx) {
    return TargetRepository::Update(tx, "web", "{}", kTargetSourceApi, 1,
                                    core::FromUnixMillis(3000))
        .status();
  });
  EXPECT_EQ(stale.code(), core::StatusCode::kConflict) << stale.ToString();
  core::Status absent = Write([](Transaction& tx) {
    return TargetRepository::Update(tx, "nope", "{}", kTargetSourceApi, std::nullopt,
                                    core::FromUnixMillis(3000))
        .status();
  });
  EXPECT_EQ(absent.code(), core::StatusCode::kNotFound);

  EXPECT_EQ(Write([](Transaction& tx) { return TargetRepository::Delete(tx, "web", 1); }).code(),
            core::StatusCode::kConflict);
  EXPECT_TRUE(Write([](Transaction& tx) { return TargetRepository::Delete(tx, "web", 2); }).ok());
  EXPECT_EQ(Write([](Transaction& tx) {
              return TargetRepository::Delete(tx, "web", std::nullopt);
            }).code(),
            core::StatusCode::kNotFound);
}

TEST_P(TargetRepositoryTest, StateUpsertSkipsDeletedTargetsAndCascades) {
  TargetStateRecord s;
  s.target = "web";
  s.replicas = 4;
  s.desired_replicas = 6;
  s.state_json = R"({"recommendations":[]})";
  s.last_sync_at = core::FromUnixMillis(5000);
  s.last_decision_id = "d-1";
  s.epoch = 7;
  bool written = true;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(written, TargetStateRepository::Upsert(tx, s));
                return core::Status::Ok();
              }).ok());
  EXPECT_FALSE(written) << "no target web yet";

  ASSERT_TRUE(
      Write([](Transaction& tx) { return TargetRepository::Insert(tx, Target("web")); }).ok());
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(written, TargetStateRepository::Upsert(tx, s));
                return core::Status::Ok();
              }).ok());
  EXPECT_TRUE(written);
  s.replicas = 5;
  s.desired_replicas = std::nullopt;
  s.epoch = 8;
  ASSERT_TRUE(
      Write([&](Transaction& tx) { return TargetStateRepository::Upsert(tx, s).status(); }).ok());

  auto found = Read<std::optional<TargetStateRecord>>(
      [](Transaction& tx) { return TargetStateRepository::Find(tx, "web"); });
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->replicas, 5);
  EXPECT_EQ((*found)->desired_replicas, std::nullopt);
  EXPECT_EQ((*found)->epoch, 8);
  EXPECT_EQ((*found)->state_json, s.state_json);
  EXPECT_EQ(core::ToUnixMillis((*found)->last_sync_at), 5000);

  ASSERT_TRUE(Write([](Transaction& tx) {
                return TargetRepository::Delete(tx, "web", std::nullopt);
              }).ok());
  auto all = Read<std::vector<TargetStateRecord>>(
      [](Transaction& tx) { return TargetStateRepository::ListAll(tx); });
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(TargetRepositoryTest, DecisionsListNewestFirstPruneAndAbandon) {
  ASSERT_TRUE(
      Write([](Transaction& tx) { return TargetRepository::Insert(tx, Target("web")); }).ok());
  std::optional<int64_t> seq;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(seq, DecisionRepository::Insert(tx, Decision("gone", "other", 1)));
                return core::Status::Ok();
              }).ok());
  EXPECT_FALSE(seq.has_value()) << "target other does not exist";
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Write([&](Transaction& tx) {
                  return DecisionRepository::Insert(
                             tx, Decision("d" + std::to_string(i), "web", 1000 * i, i < 3 ? 1 : 2))
                      .status();
                }).ok());
  }
  EXPECT_EQ(Write([&](Transaction& tx) {
              return DecisionRepository::Insert(tx, Decision("d0", "web", 1)).status();
            }).code(),
            core::StatusCode::kAlreadyExists);

  auto page = Read<Page<DecisionRecord>>([](Transaction& tx) {
    return DecisionRepository::List(tx, "web", PageRequest{2, ""});
  });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "d4");
  EXPECT_EQ(page->items[1].id, "d3");
  auto rest = Read<Page<DecisionRecord>>([&](Transaction& tx) {
    return DecisionRepository::List(tx, "web", PageRequest{10, page->next_cursor});
  });
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 3u);
  EXPECT_EQ(rest->items[0].id, "d2");
  EXPECT_EQ(rest->next_cursor, "");

  // Leader of epoch 2 takes over: epoch-1 pending decisions become unknown.
  int64_t marked = 0;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(marked, DecisionRepository::MarkAbandoned(tx, 2, "leader lost"));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(marked, 3);
  ASSERT_TRUE(Write([](Transaction& tx) {
                return DecisionRepository::SetActuation(tx, "d4", Actuation::kApplied, std::nullopt,
                                                        R"({"done":true})");
              }).ok());
  EXPECT_EQ(Write([](Transaction& tx) {
              return DecisionRepository::SetActuation(tx, "zz", Actuation::kApplied, std::nullopt,
                                                      "{}");
            }).code(),
            core::StatusCode::kNotFound);
  auto latest = Read<std::optional<DecisionRecord>>(
      [](Transaction& tx) { return DecisionRepository::Latest(tx, "web"); });
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, "d4");
  EXPECT_EQ((*latest)->actuation, Actuation::kApplied);
  EXPECT_EQ((*latest)->record_json, R"({"done":true})");
  auto first = Read<Page<DecisionRecord>>([](Transaction& tx) {
    return DecisionRepository::List(tx, "web", PageRequest{10, ""});
  });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.back().actuation, Actuation::kUnknown);
  EXPECT_EQ(first->items.back().error, "leader lost");
  EXPECT_EQ(first->items[1].actuation, Actuation::kPending) << "epoch 2 is current";

  int64_t pruned = 0;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(pruned, DecisionRepository::Prune(tx, "web", 2));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(pruned, 3);
  auto kept = Read<Page<DecisionRecord>>([](Transaction& tx) {
    return DecisionRepository::List(tx, "web", PageRequest{10, ""});
  });
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->items.size(), 2u);
  EXPECT_EQ(kept->items[1].id, "d3");

  ASSERT_TRUE(Write([](Transaction& tx) {
                return TargetRepository::Delete(tx, "web", std::nullopt);
              }).ok());
  auto after = Read<Page<DecisionRecord>>([](Transaction& tx) {
    return DecisionRepository::List(tx, "web", PageRequest{10, ""});
  });
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->items.empty());
}

TEST_P(TargetRepositoryTest, EpochAdvancesAndFencesOlderLeaders) {
  auto start =
      Read<DecisionEpoch>([](Transaction& tx) { return DecisionEpochRepository::Current(tx); });
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(start->epoch, 0);
  int64_t a = 0, b = 0;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(
                    a, DecisionEpochRepository::Advance(tx, "a", core::FromUnixMillis(1)));
                return core::Status::Ok();
              }).ok());
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(
                    b, DecisionEpochRepository::Advance(tx, "b", core::FromUnixMillis(2)));
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  bool fenced_a = true, fenced_b = false;
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(fenced_a, DecisionEpochRepository::Fence(tx, a));
                ASSIGN_OR_RETURN(fenced_b, DecisionEpochRepository::Fence(tx, b));
                return core::Status::Ok();
              }).ok());
  EXPECT_FALSE(fenced_a);
  EXPECT_TRUE(fenced_b);
  auto now =
      Read<DecisionEpoch>([](Transaction& tx) { return DecisionEpochRepository::Current(tx); });
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->epoch, 2);
  EXPECT_EQ(now->holder, "b");
  EXPECT_EQ(core::ToUnixMillis(now->acquired_at), 2);
}

}  // namespace gov::store::testing
