// Two Governor servers on one PostgreSQL database: a flag changed through the admin API of one
// reaches the other's flag snapshots through LISTEN/NOTIFY. Each server's flag publisher asks
// the server's clock whether its periodic revision check is due; the test servers' fake clocks
// never advance, so that check never runs here and only the notification can carry the change.
// The wait is long (kGenerousDeadline) so that only a lost notification fails the test, never
// a slow machine.

#include <gtest/gtest.h>

#include "tests/api/test_server.h"
#include "tests/store/test_databases.h"

namespace gov::api::testing {
namespace {

constexpr std::chrono::seconds kGenerousDeadline{60};

bool Eventually(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + kGenerousDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

TEST(FlagAdminReplicasTest, FlagChangesReachTheOtherReplicaByNotification) {
  ASSERT_TRUE(store::testing::PostgresTestDatabase::Available())
      << "GOVERNOR_TEST_PG_URL is not set";
  store::testing::PostgresTestDatabase pg;
  auto use_pg = [&](ServerConfig& c) { c.database_url = pg.url(); };
  TestServer a(use_pg), b(use_pg);
  const core::TimePoint a_started = a.clock().Now();
  const core::TimePoint b_started = b.clock().Now();
  auto enabled_on_b = [&]() -> std::optional<bool> {
    auto s = b.server().flag_snapshots().Get("production");
    if (!s || s->features.features.empty()) return std::nullopt;
    return s->features.features[0].enabled;
  };
  auto res = a.Client()->Post("/api/v1/flags", TestServer::Admin(),
                              R"({"name": "f", "environments": {"production": {"enabled": true}}})",
                              "application/json");
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_TRUE(Eventually([&] { return enabled_on_b() == true; })) << "creation not seen by b";
  ASSERT_EQ(b.Client()
                ->Post("/api/v1/flags/f/environments/production/off", TestServer::Admin(), "",
                       "application/json")
                ->status,
            200);
  EXPECT_TRUE(Eventually([&] {
    auto s = a.server().flag_snapshots().Get("production");
    return s && !s->features.features.empty() && !s->features.features[0].enabled;
  })) << "change through b not seen by a";
  EXPECT_EQ(a.server().flag_snapshots().Get("production")->revision,
            b.server().flag_snapshots().Get("production")->revision);
  // Neither clock moved: no periodic check ran, the notifications did it all.
  EXPECT_EQ(a.clock().Now(), a_started);
  EXPECT_EQ(b.clock().Now(), b_started);
}

}  // namespace
}  // namespace gov::api::testing
