// Two Governor servers on one PostgreSQL database: a token created or revoked through one is
// honoured by the other (LISTEN/NOTIFY, with the periodic reload as the fallback).

#include <gtest/gtest.h>

#include "tests/api/test_server.h"
#include "tests/store/test_databases.h"

namespace gov::api::testing {
namespace {

bool Eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 200; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

TEST(ReplicasTest, TokenChangesReachTheOtherReplica) {
  ASSERT_TRUE(store::testing::PostgresTestDatabase::Available())
      << "GOVERNOR_TEST_PG_URL is not set";
  store::testing::PostgresTestDatabase pg;
  auto use_pg = [&](ServerConfig& c) { c.database_url = pg.url(); };
  TestServer a(use_pg), b(use_pg);
  core::Json token = a.CreateToken("admin", "made-on-a");
  const std::string secret = token["secret"];
  auto on_b = [&] { return b.Client()->Get("/api/v1/tokens", TestServer::Bearer(secret))->status; };
  EXPECT_TRUE(Eventually([&] { return on_b() == 200; })) << "new token not accepted by replica b";
  ASSERT_EQ(a.Client()
                ->Delete("/api/v1/tokens/" + token["id"].get<std::string>(), TestServer::Admin())
                ->status,
            204);
  EXPECT_TRUE(Eventually([&] { return on_b() == 401; }))
      << "revoked token still accepted by replica b";
}

}  // namespace
}  // namespace gov::api::testing
