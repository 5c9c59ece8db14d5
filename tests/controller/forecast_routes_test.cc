// The forecast and capacity routes over HTTP on an in-process server (tests/api/test_server.h:
// port 0, SQLite, FakeClock, every response checked against api/openapi.yaml): a predictive
// target's stored load history forecast on request, and the errors: unknown target (404), no
// predictive block (409), a bad price (400 naming the field), no history yet (200, explained).

#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <random>

#include "store/load_history_repository.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

core::Json Body(const httplib::Result& res) {
  auto j = core::ParseJson(res->body);
  return j.ok() ? *j : core::Json();
}

// A dry-run target with a Value metric (total rps, 500 per replica, 1..20 replicas).
core::Json RpsTarget(const std::string& name, bool predictive) {
  core::Json t = {{"name", name},
                  {"mode", "dryRun"},
                  {"minReplicas", 1},
                  {"maxReplicas", 20},
                  {"metrics", {{{"name", "rps"}, {"type", "Value"}, {"target", 500}}}}};
  t["metrics"][0]["source"] = "push";
  if (predictive) {
    t["predictive"] = {{"mode", "forecastOnly"}, {"pricePerReplicaHour", 0.05}};
  }
  return t;
}

class ForecastRoutesTest : public ::testing::Test {
 protected:
  httplib::Result Get(const std::string& path, httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Get(path.c_str(), headers);
  }
  void Create(const core::Json& target) {
    auto res = ts_.Client()->Post("/api/v1/targets", TestServer::Admin(), target.dump(),
                                  "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
  }
  // 14 days of a daily cycle (1500 ± 1000 rps, noise sd 50, seed 5) at 5-minute steps, up to
  // the step before now's, as the control loop would have stored them.
  void SeedHistory(const std::string& target) {
    std::vector<store::LoadSample> samples;
    std::mt19937 rng(5);
    std::normal_distribution<double> noise(0, 50);
    const int64_t now = static_cast<int64_t>(core::ToUnixSeconds(ts_.clock().Now())) / 300 * 300;
    for (int64_t t = now - 14 * 86400; t < now; t += 300) {
      samples.push_back(
          {core::FromUnixSeconds(static_cast<double>(t)),
           1500 + 1000 * std::sin(2 * M_PI * static_cast<double>(t % 86400) / 86400) + noise(rng)});
    }
    ASSERT_TRUE(
        store::WithTransaction(
            ts_.server().database(), store::TxMode::kReadWrite,
            [&](store::Transaction& tx) {
              return store::LoadHistoryRepository::Append(tx, target, "rps", samples).status();
            })
            .ok());
  }

  TestServer ts_;
};

TEST_F(ForecastRoutesTest, TheStoredHistoryIsForecastWithItsModelAccuracyAndBands) {
  Create(RpsTarget("web", true));
  SeedHistory("web");
  auto res = Get("/api/v1/targets/web/forecast");
  ASSERT_EQ(res->status, 200) << res->body;
  core::Json j = Body(res);
  EXPECT_EQ(j["target"], "web");
  EXPECT_EQ(j["metric"], "rps");
  EXPECT_EQ(j["fallback"], "none") << j["reason"];
  EXPECT_TRUE(j["model"].is_string());
  EXPECT_TRUE(j["accuracy"]["mase"].is_number());
  EXPECT_TRUE(j["accuracy"]["smape"].is_number());
  EXPECT_EQ(j["history"]["observed"], 14 * 288);
  // horizonSeconds defaults to 3600: 12 steps of 300 s, bands at 0.1, 0.5 and 0.9.
  EXPECT_EQ(j["forecast"]["point"].size(), 12u);
  EXPECT_EQ(j["forecast"]["bands"].size(), 3u);
}

TEST_F(ForecastRoutesTest, CapacityUsesTheTargetsPriceUnlessTheQueryGivesOne) {
  Create(RpsTarget("web", true));
  SeedHistory("web");
  auto res = Get("/api/v1/targets/web/capacity");
  ASSERT_EQ(res->status, 200) << res->body;
  core::Json j = Body(res);
  EXPECT_EQ(j["fallback"], "none") << j["reason"];
  EXPECT_EQ(j["horizonSeconds"], 7 * 86400);
  EXPECT_EQ(j["pricePerReplicaHour"], 0.05);
  const double replica_hours = j["replicaHours"].get<double>();
  // The cycle peaks near 2500 rps: at 500 per replica, 5 or 6 replicas at the band.
  EXPECT_GE(j["peak"]["replicas"].get<int>(), 5) << j.dump();
  EXPECT_LE(j["peak"]["replicas"].get<int>(), 7) << j.dump();
  EXPECT_NEAR(j["cost"].get<double>(), replica_hours * 0.05, 1e-9);
  EXPECT_GT(j["requestsPerReplicaHour"].get<double>(), 0);
  auto priced = Body(Get("/api/v1/targets/web/capacity?pricePerReplicaHour=0.2"));
  EXPECT_EQ(priced["pricePerReplicaHour"], 0.2);
  EXPECT_NEAR(priced["cost"].get<double>(), replica_hours * 0.2, 1e-9);
}

TEST_F(ForecastRoutesTest, BadInputIsA4xxNamingTheProblem) {
  Create(RpsTarget("plain", false));
  Create(RpsTarget("fresh", true));
  auto unknown = Get("/api/v1/targets/nope/forecast");
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_EQ(Get("/api/v1/targets/nope/capacity")->status, 404);

  auto plain = Get("/api/v1/targets/plain/forecast");
  EXPECT_EQ(plain->status, 409) << plain->body;
  EXPECT_NE(Body(plain)["error"]["message"].get<std::string>().find("no predictive block"),
            std::string::npos);
  EXPECT_EQ(Get("/api/v1/targets/plain/capacity")->status, 409);

  for (const char* price : {"-1", "abc", "", "inf"}) {
    auto bad = Get(std::string("/api/v1/targets/fresh/capacity?pricePerReplicaHour=") + price);
    EXPECT_EQ(bad->status, 400) << price << ": " << bad->body;
    EXPECT_EQ(Body(bad)["error"]["field"], "pricePerReplicaHour");
  }

  core::Json negative = RpsTarget("bad", true);
  negative["predictive"]["pricePerReplicaHour"] = -1;
  auto refused = ts_.Client()->Post("/api/v1/targets", TestServer::Admin(), negative.dump(),
                                    "application/json");
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_EQ(Body(refused)["error"]["field"], "predictive.pricePerReplicaHour");

  // A predictive target without history yet: explained, not an error.
  auto fresh = Get("/api/v1/targets/fresh/forecast");
  ASSERT_EQ(fresh->status, 200) << fresh->body;
  EXPECT_EQ(Body(fresh)["fallback"], "tooShort");
  EXPECT_TRUE(Body(fresh)["forecast"].is_null());
  auto fresh_capacity = Get("/api/v1/targets/fresh/capacity");
  ASSERT_EQ(fresh_capacity->status, 200) << fresh_capacity->body;
  EXPECT_TRUE(Body(fresh_capacity)["peak"].is_null());
}

TEST_F(ForecastRoutesTest, PredictiveAndSimulationBlocksRoundTripWithinTheContract) {
  core::Json t = RpsTarget("web", true);
  t["predictive"]["quantile"] = 0.95;
  t["simulation"] = {{"capacityPerReplica", 500}, {"startupSeconds", 300}, {"syncSeconds", 60}};
  Create(t);
  auto res = Get("/api/v1/targets/web");
  ASSERT_EQ(res->status, 200) << res->body;
  core::Json spec = Body(res)["spec"];
  EXPECT_EQ(spec["predictive"]["metric"], "rps");
  EXPECT_EQ(spec["predictive"]["model"], "auto");
  EXPECT_EQ(spec["predictive"]["quantile"], 0.95);
  EXPECT_EQ(spec["predictive"]["pricePerReplicaHour"], 0.05);
  EXPECT_EQ(spec["simulation"]["capacityPerReplica"], 500.0);
  EXPECT_EQ(spec["simulation"]["syncSeconds"], 60);
  EXPECT_EQ(Get("/api/v1/targets")->status, 200);
}

TEST_F(ForecastRoutesTest, TheRoutesNeedAnAdminToken) {
  Create(RpsTarget("web", true));
  EXPECT_EQ(Get("/api/v1/targets/web/forecast", {})->status, 401);
  auto client = ts_.CreateToken("client", "app");
  EXPECT_EQ(Get("/api/v1/targets/web/capacity", TestServer::Bearer(client["secret"]))->status, 403);
}

}  // namespace
}  // namespace gov::api::testing
