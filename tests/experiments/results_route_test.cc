// GET /api/v1/experiments/{key}/results and results.csv over HTTP, on a started experiment
// whose events are inserted into the store and aggregated by hand (Aggregator::Step). Every
// response is checked against api/openapi.yaml.

#include <gtest/gtest.h>

#include "core/clock.h"
#include "store/event_repository.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

core::Json Body(const httplib::Result& res) { return core::Json::parse(res->body); }

class ResultsRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Post("/api/v1/flags", core::Json::parse(R"({"name": "checkout",
        "environments": {"production": {"enabled": true, "strategies": [{"name": "default"}],
          "variants": [{"name": "control", "weight": 500, "weightType": "variable"},
                       {"name": "treatment", "weight": 500, "weightType": "variable"}]}}})"))
                  ->status,
              201);
    ASSERT_EQ(Post("/api/v1/metrics", core::Json::parse(R"({"name": "revenue", "type": "mean",
        "numerator": {"event": "purchase", "aggregation": "sum"}})"))
                  ->status,
              201);
    ASSERT_EQ(Post("/api/v1/experiments", core::Json::parse(R"({"key": "checkout-v2",
        "environment": "production", "feature": "checkout", "controlVariant": "control",
        "metrics": [{"metric": "revenue", "role": "goal"}]})"))
                  ->status,
              201);
    auto started = Post("/api/v1/experiments/checkout-v2/start", core::Json::object());
    ASSERT_EQ(started->status, 200) << started->body;
  }

  httplib::Result Post(const std::string& path, const core::Json& body) {
    return ts_.Client()->Post(path, TestServer::Admin(), body.dump(), "application/json");
  }

  // Stores an event row as ingestion would.
  void Insert(const std::string& type, const std::string& name, const std::string& unit,
              std::optional<double> value, const std::string& variant = "") {
    const int64_t at = core::ToUnixMillis(ts_.clock().Now()) + 1000;
    const std::string id = "e" + std::to_string(++next_id_);
    store::EventRow row;
    row.environment = "production";
    row.id = id;
    row.type = type;
    row.name = name;
    row.unit = unit;
    row.value = value;
    row.at_ms = row.received_at_ms = at;
    if (!variant.empty()) {
      row.experiment = "checkout-v2";
      row.feature = "checkout";
      row.variant = variant;
    }
    store::Database& db = ts_.server().database();
    const core::Status st =
        store::WithTransaction(db, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
          return store::EventRepository::Insert(tx, db.backend(), {&row, 1}).status();
        });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  void Aggregate() {
    for (;;) {
      auto n = ts_.server().aggregator().Step();
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) return;
    }
  }

  TestServer ts_;
  int next_id_ = 0;
};

TEST_F(ResultsRouteTest, JsonResultsFromTheAggregates) {
  Insert("exposure", "checkout-v2", "u1", std::nullopt, "control");
  Insert("exposure", "checkout-v2", "u2", std::nullopt, "treatment");
  Insert("exposure", "checkout-v2", "u3", std::nullopt, "treatment");
  Insert("track", "purchase", "u1", 10.0);
  Insert("track", "purchase", "u2", 4.0);
  Insert("track", "purchase", "u3", 8.0);
  Insert("exposure", "checkout-v2", "u3", std::nullopt, "control");  // u3 is excluded
  Aggregate();

  auto res = ts_.Client()->Get("/api/v1/experiments/checkout-v2/results", TestServer::Admin());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const core::Json body = Body(res);
  EXPECT_EQ(body["experiment"], "checkout-v2");
  EXPECT_EQ(body["status"], "running");
  EXPECT_EQ(body["exposures"], 4);
  EXPECT_EQ(body["multipleExposureUnits"], 1);
  ASSERT_EQ(body["variants"].size(), 2u);
  EXPECT_EQ(body["variants"][0]["name"], "control");
  EXPECT_EQ(body["variants"][0]["units"], 1);
  EXPECT_EQ(body["variants"][1]["units"], 1);
  const core::Json& revenue = body["metrics"][0];
  EXPECT_EQ(revenue["metric"], "revenue");
  EXPECT_EQ(revenue["variants"][0]["mean"], 10.0);
  EXPECT_EQ(revenue["variants"][1]["mean"], 4.0);
  EXPECT_EQ(revenue["variants"][1]["decision"], "inconclusive");  // one unit per arm
  EXPECT_EQ(revenue["variants"][1]["error"]["code"], "tooFewUnits");
  std::vector<std::string> warnings;
  for (const core::Json& w : body["warnings"]) warnings.push_back(w["code"]);
  EXPECT_EQ(warnings, (std::vector<std::string>{"lowSample", "lowSample", "multipleExposures"}));
  EXPECT_EQ(body["series"].size(), 2u);
}

TEST_F(ResultsRouteTest, CsvExport) {
  Insert("exposure", "checkout-v2", "u1", std::nullopt, "control");
  Insert("track", "purchase", "u1", 2.5);
  Aggregate();
  auto res = ts_.Client()->Get("/api/v1/experiments/checkout-v2/results.csv", TestServer::Admin());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(res->get_header_value("Content-Disposition"),
            "attachment; filename=\"checkout-v2-results.csv\"");
  EXPECT_EQ(res->body,
            "metric,role,type,direction,variant,control,units,mean,effect,ci_low,ci_high,"
            "p_value,adjusted_p_value,chance_to_win,decision\n"
            "revenue,goal,mean,higherIsBetter,control,true,1,2.5,,,,,,,\n"
            "revenue,goal,mean,higherIsBetter,treatment,false,0,0,,,,,,,inconclusive\n");
}

TEST_F(ResultsRouteTest, IngestedEventsReachTheResults) {
  const std::string client = ts_.CreateToken("client", "shop", "production")["secret"];
  const int64_t t = core::ToUnixMillis(ts_.clock().Now());
  core::Json events = core::Json::array();
  for (int u = 0; u < 4; ++u) {
    const std::string unit = "user-" + std::to_string(u);
    events.push_back({{"id", "x" + std::to_string(u)},
                      {"type", "exposure"},
                      {"name", "checkout-v2"},
                      {"unit", unit},
                      {"timestamp", t + u},
                      {"feature", "checkout"},
                      {"variant", u % 2 == 0 ? "control" : "treatment"}});
    events.push_back({{"id", "p" + std::to_string(u)},
                      {"type", "track"},
                      {"name", "purchase"},
                      {"unit", unit},
                      {"value", 10.0 * (u + 1)},
                      {"timestamp", t + 1000}});
  }
  auto posted = ts_.Client()->Post("/api/v1/events", TestServer::Bearer(client),
                                   core::Json({{"events", events}}).dump(), "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;
  EXPECT_EQ(Body(posted)["accepted"], 8) << posted->body;
  Aggregate();
  auto res = ts_.Client()->Get("/api/v1/experiments/checkout-v2/results", TestServer::Admin());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const core::Json body = Body(res);
  EXPECT_EQ(body["exposures"], 4);
  const core::Json& revenue = body["metrics"][0]["variants"];
  EXPECT_EQ(revenue[0]["units"], 2);
  EXPECT_EQ(revenue[0]["mean"], 20.0);  // (10 + 30) / 2
  EXPECT_EQ(revenue[1]["units"], 2);
  EXPECT_EQ(revenue[1]["mean"], 30.0);  // (20 + 40) / 2
  EXPECT_TRUE(revenue[1].contains("pValue"));
}

TEST_F(ResultsRouteTest, UnknownExperimentAndMissingTokens) {
  auto missing = ts_.Client()->Get("/api/v1/experiments/nope/results", TestServer::Admin());
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Body(missing)["error"]["code"], "not_found");
  auto csv = ts_.Client()->Get("/api/v1/experiments/nope/results.csv", TestServer::Admin());
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 404);
  auto anonymous = ts_.Client()->Get("/api/v1/experiments/checkout-v2/results");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
}

}  // namespace
}  // namespace gov::api::testing
