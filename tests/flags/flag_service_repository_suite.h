#pragma once

// FlagRepository and FlagMetricsRepository on each backend: flag_service_repository_test.cc
// (SQLite) and flag_service_repository_pgtest.cc (PostgreSQL) instantiate it.

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "store/flag_metrics_repository.h"
#include "store/flag_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

class FlagRepositoryTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
  }
  Database& db() { return test_db_->db(); }
  core::Status Tx(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadWrite, fn);
  }
  static FeatureRecord Feature(const std::string& name) {
    return {name,
            "default",
            R"({"name":")" + name + R"("})",
            1,
            core::FromUnixMillis(1000),
            core::FromUnixMillis(1000)};
  }
  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(FlagRepositoryTest, FeatureLifecycleWithOptimisticVersions) {
  ASSERT_TRUE(
      Tx([&](Transaction& tx) { return FlagRepository::InsertFeature(tx, Feature("a")); }).ok());
  core::Status dup =
      Tx([&](Transaction& tx) { return FlagRepository::InsertFeature(tx, Feature("a")); });
  EXPECT_EQ(dup.code(), core::StatusCode::kAlreadyExists) << dup.ToString();
  ASSERT_TRUE(
      Tx([&](Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto f, FlagRepository::GetFeature(tx, "a"));
        EXPECT_EQ(f.version, 1);
        EXPECT_EQ(f.definition_json, R"({"name":"a"})");
        ASSIGN_OR_RETURN(auto updated, FlagRepository::UpdateFeature(tx, "a", "p", R"({"x":1})", 1,
                                                                     core::FromUnixMillis(2000)));
        EXPECT_EQ(updated.version, 2);
        EXPECT_EQ(updated.project, "p");
        EXPECT_EQ(core::ToUnixMillis(updated.updated_at), 2000);
        EXPECT_EQ(core::ToUnixMillis(updated.created_at), 1000);
        auto stale =
            FlagRepository::UpdateFeature(tx, "a", "p", "{}", 1, core::FromUnixMillis(3000));
        EXPECT_EQ(stale.status().code(), core::StatusCode::kConflict);
        EXPECT_EQ(FlagRepository::GetFeature(tx, "b").status().code(), core::StatusCode::kNotFound);
        return core::Status::Ok();
      }).ok());
  EXPECT_EQ(Tx([&](Transaction& tx) { return FlagRepository::DeleteFeature(tx, "a", 1); }).code(),
            core::StatusCode::kConflict);
  ASSERT_TRUE(Tx([&](Transaction& tx) { return FlagRepository::DeleteFeature(tx, "a", 2); }).ok());
  EXPECT_EQ(Tx([&](Transaction& tx) { return FlagRepository::DeleteFeature(tx, "a", {}); }).code(),
            core::StatusCode::kNotFound);
}

TEST_P(FlagRepositoryTest, EnvironmentStatesUpsertAndCascade) {
  ASSERT_TRUE(
      Tx([&](Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(FlagRepository::InsertFeature(tx, Feature("b")));
        RETURN_IF_ERROR(FlagRepository::InsertFeature(tx, Feature("a")));
        RETURN_IF_ERROR(
            FlagRepository::PutFeatureEnvironment(tx, {"a", "development", true, "[1]", "[]"}));
        RETURN_IF_ERROR(
            FlagRepository::PutFeatureEnvironment(tx, {"a", "development", false, "[2]", "[3]"}));
        RETURN_IF_ERROR(
            FlagRepository::PutFeatureEnvironment(tx, {"a", "production", true, "[]", "[]"}));
        return FlagRepository::PutFeatureEnvironment(tx, {"b", "development", true, "[]", "[]"});
      }).ok());
  core::Status bad_env = Tx([&](Transaction& tx) {
    return FlagRepository::PutFeatureEnvironment(tx, {"a", "staging", true, "[]", "[]"});
  });
  EXPECT_FALSE(bad_env.ok()) << "foreign key to environments";
  ASSERT_TRUE(Tx([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(auto a, FlagRepository::ListFeatureEnvironments(tx, "a"));
                EXPECT_EQ(a.size(), 2u);
                EXPECT_EQ(a[0].environment, "development");
                EXPECT_FALSE(a[0].enabled);
                EXPECT_EQ(a[0].strategies_json, "[2]");
                EXPECT_EQ(a[0].variants_json, "[3]");
                ASSIGN_OR_RETURN(auto dev,
                                 FlagRepository::ListEnvironmentStates(tx, "development"));
                EXPECT_EQ(dev.size(), 2u);
                RETURN_IF_ERROR(FlagRepository::DeleteFeature(tx, "a", {}));
                ASSIGN_OR_RETURN(auto all, FlagRepository::ListAllEnvironmentStates(tx));
                EXPECT_EQ(all.size(), 1u);
                EXPECT_EQ(all[0].feature, "b");
                return core::Status::Ok();
              }).ok());
}

TEST_P(FlagRepositoryTest, RevisionsCountChangesPerEnvironment) {
  ASSERT_TRUE(
      Tx([&](Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(int64_t none, FlagRepository::GetRevision(tx, "development"));
        EXPECT_EQ(none, 0);
        ASSIGN_OR_RETURN(int64_t r1, FlagRepository::BumpRevision(tx, "development"));
        ASSIGN_OR_RETURN(int64_t r2, FlagRepository::BumpRevision(tx, "development"));
        ASSIGN_OR_RETURN(int64_t p1, FlagRepository::BumpRevision(tx, "production"));
        EXPECT_EQ(r1, 1);
        EXPECT_EQ(r2, 2);
        EXPECT_EQ(p1, 1);
        ASSIGN_OR_RETURN(auto all, FlagRepository::ListRevisions(tx));
        EXPECT_EQ(all, (std::map<std::string, int64_t>{{"development", 2}, {"production", 1}}));
        return core::Status::Ok();
      }).ok());
}

TEST_P(FlagRepositoryTest, SegmentsGetIdsAndVersions) {
  ASSERT_TRUE(Tx([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(int64_t first,
                                 FlagRepository::InsertSegment(tx, {0, "s1", "{}", 1, {}, {}}));
                ASSIGN_OR_RETURN(int64_t explicit_id,
                                 FlagRepository::InsertSegment(tx, {7, "s7", "{}", 1, {}, {}}));
                ASSIGN_OR_RETURN(int64_t next,
                                 FlagRepository::InsertSegment(tx, {0, "s8", "{}", 1, {}, {}}));
                EXPECT_EQ(first, 1);
                EXPECT_EQ(explicit_id, 7);
                EXPECT_EQ(next, 8);
                return core::Status::Ok();
              }).ok());
  // Its own transaction: on PostgreSQL a failed statement aborts the transaction.
  core::Status dup = Tx([&](Transaction& tx) {
    return FlagRepository::InsertSegment(tx, {7, "again", "{}", 1, {}, {}}).status();
  });
  EXPECT_EQ(dup.code(), core::StatusCode::kAlreadyExists) << dup.ToString();
  ASSERT_TRUE(
      Tx([&](Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto s, FlagRepository::UpdateSegment(tx, 7, "seven", R"({"a":1})", 1,
                                                               core::FromUnixMillis(5)));
        EXPECT_EQ(s.version, 2);
        EXPECT_EQ(s.name, "seven");
        EXPECT_EQ(FlagRepository::UpdateSegment(tx, 7, "x", "{}", 1, {}).status().code(),
                  core::StatusCode::kConflict);
        EXPECT_EQ(FlagRepository::DeleteSegment(tx, 7, 1).code(), core::StatusCode::kConflict);
        RETURN_IF_ERROR(FlagRepository::DeleteSegment(tx, 7, 2));
        ASSIGN_OR_RETURN(auto all, FlagRepository::ListSegments(tx));
        EXPECT_EQ(all.size(), 2u);
        EXPECT_EQ(FlagRepository::GetSegment(tx, 7).status().code(), core::StatusCode::kNotFound);
        return core::Status::Ok();
      }).ok());
}

TEST_P(FlagRepositoryTest, MetricsAddUpPerHourAndVariant) {
  const core::TimePoint hour = core::FromUnixMillis(3'600'000 * 10);
  ASSERT_TRUE(
      Tx([&](Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(
            FlagMetricsRepository::Add(tx, {"app", "f", "development", hour, 3, 1, {{"blue", 2}}}));
        RETURN_IF_ERROR(FlagMetricsRepository::Add(
            tx, {"app", "f", "development", hour, 4, 0, {{"blue", 1}, {"red", 5}}}));
        RETURN_IF_ERROR(FlagMetricsRepository::Add(tx, {"app", "f", "production", hour, 1, 1, {}}));
        return FlagMetricsRepository::Add(tx, {"other", "g", "development", hour, 9, 9, {}});
      }).ok());
  ASSERT_TRUE(
      Tx([&](Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto dev, FlagMetricsRepository::ListForFeature(tx, "f", "development"));
        EXPECT_EQ(dev.size(), 1u);
        EXPECT_EQ(dev[0].yes, 7);
        EXPECT_EQ(dev[0].no, 1);
        EXPECT_EQ(dev[0].variants, (std::map<std::string, int64_t>{{"blue", 3}, {"red", 5}}));
        EXPECT_EQ(dev[0].hour, hour);
        ASSIGN_OR_RETURN(auto all, FlagMetricsRepository::ListForFeature(tx, "f", std::nullopt));
        EXPECT_EQ(all.size(), 2u);
        return core::Status::Ok();
      }).ok());
}

TEST_P(FlagRepositoryTest, RegistrationsAreUpserted) {
  ClientRegistration r{"app",
                       "i1",
                       "development",
                       "unleash-client-node:6.12.1",
                       R"(["default"])",
                       core::FromUnixMillis(1000),
                       15000,
                       core::FromUnixMillis(2000)};
  ASSERT_TRUE(
      Tx([&](Transaction& tx) { return FlagMetricsRepository::PutRegistration(tx, r); }).ok());
  r.last_seen = core::FromUnixMillis(9000);
  ASSERT_TRUE(
      Tx([&](Transaction& tx) { return FlagMetricsRepository::PutRegistration(tx, r); }).ok());
  ASSERT_TRUE(Tx([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(auto regs,
                                 FlagMetricsRepository::ListRegistrations(tx, "development"));
                EXPECT_EQ(regs.size(), 1u);
                EXPECT_EQ(core::ToUnixMillis(regs[0].last_seen), 9000);
                EXPECT_EQ(regs[0].interval_ms, 15000);
                EXPECT_EQ(regs[0].strategies_json, R"(["default"])");
                return core::Status::Ok();
              }).ok());
}

}  // namespace gov::store::testing
