// ClientInstances: what the client API saw of each SDK instance, kept in memory and written in
// batches (only what changed: a new instance, a new connection mode, or a last seen that moved
// by the resolution), on SQLite through a store that counts (and can fail) its writes.

#include "flags/client_instances.h"

#include <gtest/gtest.h>

#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

// SqlFlagMetricsStore, counting sightings written and failing the next `fail` of them.
class CountingStore final : public store::FlagMetricsStore {
 public:
  core::Status Add(store::Transaction& tx, const store::FlagMetricsBucket& bucket) override {
    return sql_.Add(tx, bucket);
  }
  core::StatusOr<std::vector<store::FlagMetricsBucket>> ListForFeature(
      store::Transaction& tx, const std::string& feature,
      const std::optional<std::string>& environment) override {
    return sql_.ListForFeature(tx, feature, environment);
  }
  core::Status PutRegistration(store::Transaction& tx,
                               const store::ClientRegistration& registration) override {
    return sql_.PutRegistration(tx, registration);
  }
  core::StatusOr<std::vector<store::ClientRegistration>> ListRegistrations(
      store::Transaction& tx, const std::string& environment) override {
    return sql_.ListRegistrations(tx, environment);
  }
  core::Status PutSighting(store::Transaction& tx, const store::ClientSighting& s) override {
    if (fail > 0) {
      --fail;
      return core::Unavailable("injected");
    }
    ++written;
    return sql_.PutSighting(tx, s);
  }
  core::StatusOr<std::vector<store::ClientInstance>> ListInstances(
      store::Transaction& tx, const std::optional<std::string>& environment) override {
    return sql_.ListInstances(tx, environment);
  }
  int written = 0;
  int fail = 0;

 private:
  store::SqlFlagMetricsStore sql_;
};

class ClientInstancesTest : public ::testing::Test {
 protected:
  explicit ClientInstancesTest(ClientInstancesOptions options = {})
      : instances_(db_.db(), clock_, store_, options) {}

  // The one stored instance (app, instance) in development, or an empty one.
  store::ClientInstance Stored(const std::string& app = "web", const std::string& id = "i1") {
    std::vector<store::ClientInstance> list;
    EXPECT_TRUE(store::WithTransaction(db_.db(), store::TxMode::kReadOnly,
                                       [&](store::Transaction& tx) -> core::Status {
                                         ASSIGN_OR_RETURN(list,
                                                          store_.ListInstances(tx, std::nullopt));
                                         return core::Status::Ok();
                                       })
                    .ok());
    for (const auto& i : list) {
      if (i.registration.app_name == app && i.registration.instance_id == id) return i;
    }
    return {};
  }
  int Writes() {
    const int n = store_.written;
    store_.written = 0;
    return n;
  }

  const SdkCaller web_{"development", "web", "i1", "unleash-node-sdk:6.12.1"};
  store::testing::SqliteTestDatabase db_;
  core::FakeClock clock_;
  CountingStore store_;
  ClientInstances instances_;
};

TEST_F(ClientInstancesTest, SeenAgainIsWrittenOncePerResolution) {
  const core::TimePoint start = clock_.Now();
  instances_.Polled(web_);
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 1);
  EXPECT_EQ(Stored().connection_mode, "polling");
  EXPECT_EQ(Stored().registration.sdk_version, "unleash-node-sdk:6.12.1");

  clock_.Advance(std::chrono::seconds(5));
  instances_.Polled(web_);
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 0);  // 5 s is within the 10 s resolution
  EXPECT_EQ(Stored().registration.last_seen, start);

  clock_.Advance(std::chrono::seconds(6));
  instances_.Reported(web_);
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 1);
  EXPECT_EQ(Stored().registration.last_seen, clock_.Now());
  EXPECT_EQ(Stored().connection_mode, "polling");
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 0);
}

TEST_F(ClientInstancesTest, StreamsAreSeenWhileOpenAndModeChangesAtOnce) {
  instances_.Polled(web_);
  ASSERT_TRUE(instances_.Flush().ok());
  clock_.Advance(std::chrono::seconds(1));
  instances_.StreamOpened(web_);
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 2);
  EXPECT_EQ(Stored().connection_mode, "streaming");

  // Open: seen at every flush, written once per resolution.
  clock_.Advance(std::chrono::minutes(3));
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 1);
  EXPECT_EQ(Stored().registration.last_seen, clock_.Now());

  clock_.Advance(std::chrono::seconds(30));
  instances_.StreamClosed(web_);
  const core::TimePoint closed = clock_.Now();
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 1);
  EXPECT_EQ(Stored().registration.last_seen, closed);  // no longer open: seen when it closed
  EXPECT_EQ(Stored().connection_mode, "streaming");
}

TEST_F(ClientInstancesTest, AFailedFlushKeepsTheSightingsForTheNext) {
  instances_.Polled(web_);
  instances_.Polled({"production", "api", "default", ""});
  store_.fail = 1;
  EXPECT_FALSE(instances_.Flush().ok());
  EXPECT_EQ(Stored().registration.app_name, "");  // the batch's transaction rolled back
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 2);
  EXPECT_EQ(Stored().connection_mode, "polling");
  EXPECT_EQ(Stored("api", "default").registration.environment, "production");
  EXPECT_EQ(Stored("api", "default").registration.sdk_version, "");
}

ClientInstancesOptions OneInstance() {
  ClientInstancesOptions options;
  options.max_instances = 1;
  return options;
}

class BoundedClientInstancesTest : public ClientInstancesTest {
 protected:
  BoundedClientInstancesTest() : ClientInstancesTest(OneInstance()) {}
};

TEST_F(BoundedClientInstancesTest, BeyondTheBoundSightingsAreDroppedUntilIdleOnesAreForgotten) {
  instances_.Polled(web_);
  instances_.Polled({"development", "api", "a1", ""});
  EXPECT_EQ(instances_.dropped(), 1);
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Writes(), 1);
  // Idle for the forget_after period (10 min): forgotten at the next flush, making room.
  clock_.Advance(std::chrono::minutes(11));
  ASSERT_TRUE(instances_.Flush().ok());
  instances_.Polled({"development", "api", "a1", ""});
  EXPECT_EQ(instances_.dropped(), 1);
  ASSERT_TRUE(instances_.Flush().ok());
  EXPECT_EQ(Stored("api", "a1").connection_mode, "polling");
}

TEST(ClientCallerTest, FromHeadersAndReports) {
  auto none = CallerFromHeaders("development", [](std::string_view) { return std::string(); });
  EXPECT_FALSE(none.has_value());
  auto caller = CallerFromHeaders("production", [](std::string_view name) {
    return name == "unleash-appname" ? std::string("web") : std::string();
  });
  ASSERT_TRUE(caller.has_value());
  EXPECT_EQ(caller->environment, "production");
  EXPECT_EQ(caller->app_name, "web");
  EXPECT_EQ(caller->instance_id, "default");
  const SdkCaller reported =
      CallerFromReport("development", core::Json{{"appName", "web"}, {"instanceId", ""}});
  EXPECT_EQ(reported.app_name, "web");
  EXPECT_EQ(reported.instance_id, "default");
  EXPECT_EQ(CallerFromReport("development", core::Json{{"appName", "web"}, {"instanceId", "i9"}})
                .instance_id,
            "i9");
}

}  // namespace
}  // namespace gov::flags
