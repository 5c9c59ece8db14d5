// POST /api/v1/analysis against an in-process server; every response is checked against
// api/openapi.yaml by the test server's contract check.

#include <gtest/gtest.h>

#include <string>

#include "core/json_util.h"
#include "tests/api/test_server.h"

namespace gov::api {
namespace {

using testing::TestServer;

constexpr const char* kBody = R"({"metricType": "proportion", "engine": "bayesian",
    "prior": {"mean": 0, "variance": 0.09},
    "variants": [{"name": "control", "n": 100, "sum": 49, "weight": 500},
                 {"name": "b", "n": 100, "sum": 51, "weight": 250},
                 {"name": "c", "n": 1, "sum": 1, "weight": 250}]})";

TEST(AnalysisRouteTest, AnalyzesWithAnAdminToken) {
  TestServer server;
  auto res =
      server.Client()->Post("/api/v1/analysis", TestServer::Admin(), kBody, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const core::Json out = core::Json::parse(res->body);
  ASSERT_EQ(out["variants"].size(), 2u);
  EXPECT_EQ(out["variants"][0]["name"], "b");
  EXPECT_GT(out["variants"][0]["chanceToWin"].get<double>(), 0.5);
  EXPECT_EQ(out["variants"][1]["error"]["code"], "tooFewUnits");
  EXPECT_TRUE(out["srm"]["mismatch"].is_boolean());

  const std::string sequential = R"({"metricType": "mean", "alternative": "less",
      "sequential": {"tuningParameter": 5000},
      "variants": [{"name": "control", "n": 3000, "sum": 1396.87, "sumSquares": 52377.9767},
                   {"name": "b", "n": 3461, "sum": 2422.7, "sumSquares": 134698.29}]})";
  res = server.Client()->Post("/api/v1/analysis", TestServer::Admin(), sequential,
                              "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const core::Json seq = core::Json::parse(res->body);
  EXPECT_TRUE(seq["variants"][0]["ci"][0].is_null());
  EXPECT_DOUBLE_EQ(seq["variants"][0]["pValue"].get<double>(), 1.0);
}

TEST(AnalysisRouteTest, InvalidInputIs400NamingTheField) {
  TestServer server;
  auto res = server.Client()->Post("/api/v1/analysis", TestServer::Admin(),
                                   R"({"metricType": "mean", "alpha": 2, "variants": []})",
                                   "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(core::Json::parse(res->body)["error"]["field"], "alpha");

  res = server.Client()->Post("/api/v1/analysis", TestServer::Admin(), "{", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(core::Json::parse(res->body)["error"]["field"], "body");
}

TEST(AnalysisRouteTest, NeedsAnAdminToken) {
  TestServer server;
  auto res = server.Client()->Post("/api/v1/analysis", kBody, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  const core::Json client = server.CreateToken("client", "svc");
  res = server.Client()->Post("/api/v1/analysis",
                              TestServer::Bearer(client["secret"].get<std::string>()), kBody,
                              "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
}

}  // namespace
}  // namespace gov::api
