#pragma once

// SDK instances in flag_client_registrations (FlagMetricsRepository::PutSighting,
// PutRegistration, ListInstances) and migration 13 on both backends: instantiated by
// client_instance_repository_test.cc (SQLite) and client_instance_repository_pgtest.cc
// (PostgreSQL).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/flag_metrics_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

// "sqlite" or "postgres".
class ClientInstanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = Make(std::nullopt);
    ASSERT_NE(test_db_, nullptr);
  }
  // A database migrated up to `version` (every migration when nullopt).
  std::unique_ptr<TestDatabase> Make(std::optional<int> version) {
    if (GetParam() == "sqlite") return std::make_unique<SqliteTestDatabase>(version);
    if (!PostgresTestDatabase::Available()) {
      ADD_FAILURE() << "GOVERNOR_TEST_PG_URL is not set";
      return nullptr;
    }
    return std::make_unique<PostgresTestDatabase>(version);
  }
  Database& db() { return test_db_->db(); }
  core::Status Write(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadWrite, fn);
  }
  std::vector<ClientInstance> List(const std::optional<std::string>& environment = std::nullopt) {
    std::vector<ClientInstance> out;
    EXPECT_TRUE(WithTransaction(db(), TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(out, FlagMetricsRepository::ListInstances(tx, environment));
                  return core::Status::Ok();
                }).ok());
    return out;
  }
  static ClientSighting Sighting(const std::string& app, const std::string& instance,
                                 int64_t seen_ms, const std::string& mode, int64_t mode_ms,
                                 const std::string& environment = "development") {
    return ClientSighting{app,
                          instance,
                          environment,
                          "unleash-node-sdk:6.12.1",
                          core::FromUnixMillis(seen_ms),
                          core::FromUnixMillis(seen_ms),
                          mode,
                          core::FromUnixMillis(mode_ms)};
  }
  static ClientRegistration Registration(const std::string& app, const std::string& instance,
                                         int64_t seen_ms) {
    return ClientRegistration{app,
                              instance,
                              "development",
                              "unleash-client-node:6.12.1",
                              R"(["default"])",
                              core::FromUnixMillis(500),
                              60000,
                              core::FromUnixMillis(seen_ms)};
  }
  static int64_t Ms(core::TimePoint t) { return core::ToUnixMillis(t); }

  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(ClientInstanceTest, SightingCreatesAnInstanceItsRegistrationCompletes) {
  ASSERT_TRUE(Write([&](Transaction& tx) {
                return FlagMetricsRepository::PutSighting(
                    tx, Sighting("app", "i1", 1000, "polling", 1000));
              }).ok());
  auto list = List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].registration.app_name, "app");
  EXPECT_EQ(list[0].registration.sdk_version, "unleash-node-sdk:6.12.1");
  EXPECT_EQ(list[0].registration.strategies_json, "[]");
  EXPECT_EQ(list[0].registration.interval_ms, 0);
  EXPECT_EQ(Ms(list[0].registration.started), 1000);
  EXPECT_EQ(Ms(list[0].registration.last_seen), 1000);
  EXPECT_FALSE(list[0].registered_at.has_value());
  EXPECT_EQ(list[0].connection_mode, "polling");

  ASSERT_TRUE(Write([&](Transaction& tx) {
                return FlagMetricsRepository::PutRegistration(tx, Registration("app", "i1", 2000));
              }).ok());
  list = List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].registration.sdk_version, "unleash-client-node:6.12.1");
  EXPECT_EQ(list[0].registration.strategies_json, R"(["default"])");
  EXPECT_EQ(list[0].registration.interval_ms, 60000);
  EXPECT_EQ(Ms(list[0].registration.started), 500);
  EXPECT_EQ(Ms(list[0].registration.last_seen), 2000);
  ASSERT_TRUE(list[0].registered_at.has_value());
  EXPECT_EQ(Ms(*list[0].registered_at), 2000);
  EXPECT_EQ(list[0].connection_mode, "polling");

  // A later sighting keeps the registered sdk version, started time and interval.
  ASSERT_TRUE(Write([&](Transaction& tx) {
                return FlagMetricsRepository::PutSighting(tx, Sighting("app", "i1", 3000, "", 0));
              }).ok());
  list = List();
  EXPECT_EQ(list[0].registration.sdk_version, "unleash-client-node:6.12.1");
  EXPECT_EQ(Ms(list[0].registration.started), 500);
  EXPECT_EQ(list[0].registration.interval_ms, 60000);
  EXPECT_EQ(Ms(list[0].registration.last_seen), 3000);
  EXPECT_EQ(list[0].connection_mode, "polling");
}

TEST_P(ClientInstanceTest, LastSeenNeverMovesBackModeOnlyForward) {
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                RETURN_IF_ERROR(FlagMetricsRepository::PutSighting(
                    tx, Sighting("app", "i1", 5000, "streaming", 4000)));
                // Another replica's older news: neither last seen nor mode go back.
                RETURN_IF_ERROR(FlagMetricsRepository::PutSighting(
                    tx, Sighting("app", "i1", 3000, "polling", 3000)));
                return FlagMetricsRepository::PutRegistration(tx, Registration("app", "i1", 2000));
              }).ok());
  auto list = List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(Ms(list[0].registration.last_seen), 5000);
  EXPECT_EQ(list[0].connection_mode, "streaming");
  ASSERT_TRUE(list[0].registered_at.has_value());
  EXPECT_EQ(Ms(*list[0].registered_at), 2000);

  ASSERT_TRUE(Write([&](Transaction& tx) {
                return FlagMetricsRepository::PutSighting(
                    tx, Sighting("app", "i1", 6000, "polling", 6000));
              }).ok());
  list = List();
  EXPECT_EQ(Ms(list[0].registration.last_seen), 6000);
  EXPECT_EQ(list[0].connection_mode, "polling");
}

TEST_P(ClientInstanceTest, ListedByAppEnvironmentInstanceAndFiltered) {
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                RETURN_IF_ERROR(FlagMetricsRepository::PutSighting(
                    tx, Sighting("web", "b", 1000, "polling", 1000, "production")));
                RETURN_IF_ERROR(FlagMetricsRepository::PutSighting(
                    tx, Sighting("web", "a", 1000, "polling", 1000, "production")));
                RETURN_IF_ERROR(FlagMetricsRepository::PutSighting(
                    tx, Sighting("web", "z", 1000, "polling", 1000, "development")));
                return FlagMetricsRepository::PutSighting(
                    tx, Sighting("api", "a", 1000, "streaming", 1000, "production"));
              }).ok());
  std::vector<std::string> order;
  for (const auto& i : List()) {
    order.push_back(i.registration.app_name + "/" + i.registration.environment + "/" +
                    i.registration.instance_id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"api/production/a", "web/development/z",
                                             "web/production/a", "web/production/b"}));
  EXPECT_EQ(List("production").size(), 3u);
  EXPECT_EQ(List("development").size(), 1u);
  EXPECT_TRUE(List("staging").empty());
  // The registrations of one environment, as before.
  ASSERT_TRUE(WithTransaction(db(), TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(auto regs,
                                 FlagMetricsRepository::ListRegistrations(tx, "production"));
                EXPECT_EQ(regs.size(), 3u);
                return core::Status::Ok();
              }).ok());
}

TEST_P(ClientInstanceTest, MigrationKeepsRegistrationsAsRegistered) {
  auto old = Make(12);
  ASSERT_NE(old, nullptr);
  ASSERT_TRUE(WithTransaction(old->db(), TxMode::kReadWrite, [](Transaction& tx) {
                return tx
                    .Exec(
                        "INSERT INTO flag_client_registrations (app_name, instance_id, "
                        "environment, sdk_version, strategies_json, started_at, interval_ms, "
                        "last_seen_at) VALUES ('app', 'i1', 'development', 'sdk:1', '[]', 100, "
                        "15000, 7000)")
                    .status();
              }).ok());
  ASSERT_TRUE(Migrate(old->db()).ok());
  std::vector<ClientInstance> list;
  ASSERT_TRUE(WithTransaction(old->db(), TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(list, FlagMetricsRepository::ListInstances(tx, std::nullopt));
                return core::Status::Ok();
              }).ok());
  ASSERT_EQ(list.size(), 1u);
  ASSERT_TRUE(list[0].registered_at.has_value());
  EXPECT_EQ(Ms(*list[0].registered_at), 7000);
  EXPECT_EQ(list[0].connection_mode, "");
  EXPECT_EQ(list[0].registration.interval_ms, 15000);
}

}  // namespace gov::store::testing
