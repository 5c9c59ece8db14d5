// Frontend tokens on the full server: they reach the frontend API and OFREP, never the
// client or admin APIs (the product rule: "frontend tokens cannot reach the client or admin APIs").

#include <gtest/gtest.h>

#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

TEST(FrontendTokenTest, ReachesOnlyFrontendAndOfrepRoutes) {
  TestServer ts;
  const std::string secret = ts.CreateToken("frontend", "web")["secret"];
  const auto auth = TestServer::Bearer(secret);
  auto c = ts.Client();
  for (const char* path :
       {"/api/v1/tokens", "/api/v1/flags", "/api/v1/segments",
        "/api/v1/flags/export?environment=development", "/api/v1/audit", "/api/client/features"}) {
    auto res = c->Get(path, auth);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << path << ": " << res->body;
  }
  auto reg = c->Post("/api/client/register", auth, R"({"appName":"a"})", "application/json");
  EXPECT_EQ(reg->status, 403);
  auto create =
      c->Post("/api/v1/tokens", auth, R"({"type":"admin","name":"x"})", "application/json");
  EXPECT_EQ(create->status, 403);
  EXPECT_EQ(c->Get("/api/frontend", auth)->status, 200);
  EXPECT_EQ(c->Post("/ofrep/v1/evaluate/flags", auth, R"({"context":{"targetingKey":"u"}})",
                    "application/json")
                ->status,
            200);
}

}  // namespace
}  // namespace gov::api::testing
