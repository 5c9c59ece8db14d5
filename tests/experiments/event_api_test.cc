// POST /api/v1/events over HTTP (idempotency, partial batches, errors by index, exposures
// resolved against running experiments), and the exposures OFREP and the frontend API record
// when they evaluate a running experiment's feature. Responses are checked against
// api/openapi.yaml.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <thread>

#include "api/http_server.h"
#include "api/internal/evaluation_routes.h"
#include "api/internal/event_routes.h"
#include "api/internal/flag_api.h"
#include "api/router.h"
#include "core/crypto.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"
#include "tests/api/contract_expect.h"
#include "tests/store/test_databases.h"

namespace gov::api::testing {
namespace {

constexpr const char* kClient = "client-secret-development";
constexpr const char* kFrontend = "frontend-secret-development";
constexpr const char* kProduction = "client-secret-production";

constexpr const char* kFlags = R"({"version": 2, "features": [
  {"name": "checkout", "enabled": true, "strategies": [{"name": "default", "parameters": {}}],
   "variants": [
     {"name": "control", "weight": 500, "stickiness": "default", "weightType": "variable"},
     {"name": "treatment", "weight": 500, "stickiness": "default", "weightType": "variable"}]},
  {"name": "banner", "enabled": true, "strategies": [{"name": "default", "parameters": {}}],
   "variants": [
     {"name": "big", "weight": 1000, "stickiness": "default", "weightType": "variable"}]},
  {"name": "dark", "enabled": false, "strategies": [{"name": "default", "parameters": {}}]}]})";

experiments::RunningExperiment CheckoutTest(const std::string& unit = "userId") {
  experiments::RunningExperiment e;
  e.key = "checkout-test";
  e.environment = "development";
  e.feature = "checkout";
  e.randomization_unit = unit;
  e.control_variant = "control";
  e.arms = {{"control", 500}, {"treatment", 500}};
  return e;
}

// A release plan's evidence window on `feature` at `percentage` (rollouts/plan_evidence.h).
experiments::RunningExperiment PlanWindow(const std::string& plan, const std::string& feature,
                                          int percentage) {
  experiments::RunningExperiment w;
  w.key = "release-plan:" + plan + "@1764000000000";
  w.environment = "development";
  w.feature = feature;
  w.randomization_unit = "default";
  w.control_variant = "rest";
  w.arms = {{"rest", 100 - percentage}, {"exposed", percentage}};
  w.rollout = experiments::RolloutArms{"release-plan:" + plan, percentage, feature};
  return w;
}

std::string ArmOf(const std::string& feature, int percentage, const std::string& unit) {
  return flags::RolloutBucket(feature, unit) <= static_cast<uint32_t>(percentage) ? "exposed"
                                                                                  : "rest";
}

// Evaluation and event routes over a real HTTP server, a temp SQLite store and a fake clock.
class EventsServer {
 public:
  EventsServer()
      : auth_(clock_),
        limiter_(clock_, {}),
        metrics_("test"),
        store_(db_.db().backend()),
        events_(db_.db(), store_, running_, clock_),
        recorder_(running_, clock_, [this](std::vector<store::EventRow> rows) {
          return events_.Write(std::move(rows));
        }) {
    AddToken("t-client", kClient, store::TokenType::kClient, "development");
    AddToken("t-front", kFrontend, store::TokenType::kFrontend, "development");
    AddToken("t-prod", kProduction, store::TokenType::kClient, "production");
    events_.Start();
    auto parsed = flags::ParseClientFeaturesText(kFlags);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    auto snap = std::make_shared<flags::EnvironmentSnapshot>();
    snap->environment = "development";
    snap->revision = 1;
    snap->features = *parsed;
    snap->compiled = flags::Compile(*parsed);
    EXPECT_TRUE(registry_.Publish(snap));
    FlagApiOptions options;
    options.cors_origins = {"https://app.example.com"};
    api_ = std::make_shared<FlagApi>(registry_, clock_, auth_, options, ClientMetricsSinks{},
                                     &recorder_);
    router_ = std::make_unique<Router>(auth_, limiter_, metrics_, nullptr, false);
    EnableContractCheck(*router_);
    AddEvaluationRoutes(*router_, api_);
    AddEventRoutes(*router_, api_, events_);
    http_ = std::make_unique<HttpServer>(*router_, HttpServerOptions{});
    port_ = *http_->Bind();
    thread_ = std::thread([this] { http_->Serve(); });
  }
  ~EventsServer() {
    http_->Stop(std::chrono::seconds(5));
    if (thread_.joinable()) thread_.join();
    recorder_.Stop();
    events_.Stop();
    ExpectNoContractViolations(*router_);
  }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& secret = kClient) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c.Post(path, {{"Authorization", secret}}, body, "application/json");
  }
  httplib::Result Get(const std::string& path, const std::string& secret) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c.Get(path, {{"Authorization", secret}});
  }
  std::vector<store::EventRow> Stored() {
    std::vector<store::EventRow> out;
    EXPECT_TRUE(store::WithTransaction(db_.db(), store::TxMode::kReadOnly,
                                       [&](store::Transaction& tx) -> core::Status {
                                         ASSIGN_OR_RETURN(out, store_.ReadAfter(tx, 0, 100000));
                                         return core::Status::Ok();
                                       })
                    .ok());
    return out;
  }

  core::FakeClock& clock() { return clock_; }
  experiments::RunningExperiments& running() { return running_; }
  experiments::ExposureRecorder& recorder() { return recorder_; }
  experiments::EventService& events() { return events_; }

 private:
  void AddToken(const std::string& id, const std::string& secret, store::TokenType type,
                std::optional<std::string> env) {
    store::TokenRecord t;
    t.id = id;
    t.name = id;
    t.type = type;
    t.environment = std::move(env);
    t.secret_hash = core::Sha256Hex(secret);
    auth_.Put(t);
  }

  core::FakeClock clock_{core::FromUnixMillis(1'764'000'000'000)};
  Authenticator auth_;
  RateLimiter limiter_;
  HttpMetrics metrics_;
  store::testing::SqliteTestDatabase db_;
  store::SqlEventStore store_;
  experiments::RunningExperiments running_;
  experiments::EventService events_;
  experiments::ExposureRecorder recorder_;
  flags::SnapshotRegistry registry_;
  std::shared_ptr<FlagApi> api_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> http_;
  int port_ = 0;
  std::thread thread_;
};

core::Json Track(const std::string& id, const std::string& unit = "u1") {
  return core::Json{{"id", id},     {"type", "track"}, {"name", "purchase"},
                    {"unit", unit}, {"value", 9.99},   {"timestamp", "2026-11-25T18:31:28.123Z"}};
}

core::Json Exposure(const std::string& id, const std::string& name, const std::string& variant,
                    const std::string& feature = "checkout") {
  return core::Json{{"id", id},
                    {"type", "exposure"},
                    {"name", name},
                    {"unit", "u1"},
                    {"feature", feature},
                    {"variant", variant},
                    {"timestamp", 1764095488123}};
}

std::string Batch(const std::vector<core::Json>& events) {
  return core::Json{{"events", events}}.dump();
}

core::Json Body(const httplib::Result& res) { return core::Json::parse(res->body); }

TEST(EventApiTest, ABatchIsStoredOnceAndARetryCountsAsDuplicates) {
  EventsServer s;
  const std::string batch = Batch({Track("a"), Track("b"), Track("c", "u2")});
  auto first = s.Post("/api/v1/events", batch);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 202) << first->body;
  EXPECT_EQ(Body(first),
            core::Json({{"accepted", 3}, {"duplicates", 0}, {"rejected", core::Json::array()}}));
  auto retry = s.Post("/api/v1/events", batch);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 202);
  EXPECT_EQ(Body(retry),
            core::Json({{"accepted", 0}, {"duplicates", 3}, {"rejected", core::Json::array()}}));
  const auto stored = s.Stored();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].environment, "development");  // the token's
  EXPECT_EQ(stored[0].value, 9.99);
  EXPECT_EQ(stored[0].at_ms, 1795631488123);  // 2026-11-25T18:31:28.123Z
  EXPECT_EQ(stored[0].received_at_ms, 1'764'000'000'000);
  // The same ids from another environment's token are other events.
  auto production = s.Post("/api/v1/events", batch, kProduction);
  EXPECT_EQ(Body(production)["accepted"], 3);
}

TEST(EventApiTest, InvalidEventsAreRejectedByIndexAndTheValidRestIsStored) {
  EventsServer s;
  s.running().Publish({CheckoutTest()});
  core::Json no_timestamp = Track("bad-1");
  no_timestamp.erase("timestamp");
  auto res = s.Post(
      "/api/v1/events",
      Batch({Track("ok-0"), no_timestamp, Exposure("ok-2", "checkout-test", "control"),
             Exposure("bad-3", "no-such-experiment", "control"),
             Exposure("bad-4", "checkout", "purple"), Exposure("ok-5", "checkout", "treatment"),
             Exposure("bad-6", "checkout-test", "control", "banner")}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  const core::Json body = Body(res);
  EXPECT_EQ(body["accepted"], 3);
  ASSERT_EQ(body["rejected"].size(), 4u);
  EXPECT_EQ(body["rejected"][0]["field"], "events[1].timestamp");
  EXPECT_EQ(body["rejected"][0]["code"], "required");
  EXPECT_EQ(body["rejected"][1]["field"], "events[3].name");
  EXPECT_EQ(body["rejected"][1]["code"], "unknownExperiment");
  EXPECT_EQ(body["rejected"][2]["field"], "events[4].variant");
  EXPECT_EQ(body["rejected"][2]["code"], "unknownVariant");
  EXPECT_EQ(body["rejected"][3]["field"], "events[6].feature");
  const auto stored = s.Stored();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[1].id, "ok-2");
  EXPECT_EQ(stored[1].experiment, "checkout-test");
  EXPECT_EQ(stored[1].variant, "control");
  EXPECT_FALSE(stored[1].value);
  EXPECT_EQ(stored[2].id, "ok-5");  // named by its feature, resolved to the experiment
  EXPECT_EQ(stored[2].experiment, "checkout-test");
  EXPECT_EQ(stored[2].name, "checkout");
}

TEST(EventApiTest, BadBatchesAreErrorsNamingTheField) {
  EventsServer s;
  // Nothing valid: 400 with the batch result.
  auto none = s.Post("/api/v1/events", Batch({Exposure("x", "checkout-test", "control")}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 400);
  EXPECT_EQ(Body(none)["rejected"][0]["field"], "events[0].name");  // no running experiment
  // Not a batch: one error naming the field.
  auto not_batch = s.Post("/api/v1/events", R"({"events": "all of them"})");
  EXPECT_EQ(not_batch->status, 400);
  EXPECT_EQ(Body(not_batch)["error"]["field"], "events");
  auto not_json = s.Post("/api/v1/events", "{");
  EXPECT_EQ(not_json->status, 400);
  std::vector<core::Json> many;
  for (size_t i = 0; i <= experiments::kMaxEventsPerBatch; ++i) {
    many.push_back({{"id", std::to_string(i)}});
  }
  auto too_many = s.Post("/api/v1/events", Batch(many));
  EXPECT_EQ(too_many->status, 413);
  EXPECT_EQ(Body(too_many)["error"]["field"], "events");
  // Tokens: frontend accepted, none refused.
  EXPECT_EQ(s.Post("/api/v1/events", Batch({Track("f")}), kFrontend)->status, 202);
  EXPECT_EQ(s.Post("/api/v1/events", Batch({Track("g")}), "nope")->status, 401);
  EXPECT_TRUE(s.Stored().size() == 1u);
}

TEST(EventApiTest, OfrepEvaluationOfARunningExperimentRecordsOneExposurePerUnit) {
  EventsServer s;
  // No experiment running: nothing recorded.
  auto before = s.Post("/ofrep/v1/evaluate/flags/checkout", R"({"context":{"targetingKey":"u1"}})");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);
  EXPECT_EQ(s.recorder().queued(), 0u);

  s.running().Publish({CheckoutTest()});
  auto one = s.Post("/ofrep/v1/evaluate/flags/checkout", R"({"context":{"targetingKey":"u1"}})");
  ASSERT_TRUE(one);
  ASSERT_EQ(one->status, 200) << one->body;
  const std::string variant = Body(one)["variant"];
  // Again, and in a bulk evaluation: the same unit is recorded once. banner runs no experiment.
  s.Post("/ofrep/v1/evaluate/flags/checkout", R"({"context":{"targetingKey":"u1"}})");
  auto bulk = s.Post("/ofrep/v1/evaluate/flags", R"({"context":{"targetingKey":"u1"}})");
  EXPECT_EQ(bulk->status, 200);
  s.Post("/ofrep/v1/evaluate/flags", R"({"context":{"targetingKey":"u2"}})");
  EXPECT_EQ(s.recorder().queued(), 2u);
  EXPECT_EQ(s.recorder().Flush(), 2u);
  const auto stored = s.Stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].id, "exposure:checkout-test:u1");
  EXPECT_EQ(stored[0].type, "exposure");
  EXPECT_EQ(stored[0].experiment, "checkout-test");
  EXPECT_EQ(stored[0].feature, "checkout");
  EXPECT_EQ(stored[0].variant, variant);
  EXPECT_EQ(stored[0].at_ms, 1'764'000'000'000);
  EXPECT_EQ(stored[1].unit, "u2");
}

TEST(EventApiTest, FrontendEvaluationRecordsExposuresForTheExperimentsUnitField) {
  EventsServer s;
  s.running().Publish({CheckoutTest("properties.tenant")});
  // No tenant in the context: no unit, nothing recorded.
  auto without = s.Get("/api/frontend?userId=u1", kFrontend);
  ASSERT_TRUE(without);
  EXPECT_EQ(without->status, 200);
  EXPECT_EQ(s.recorder().queued(), 0u);
  auto with = s.Get("/api/frontend?userId=u1&properties%5Btenant%5D=acme", kFrontend);
  ASSERT_TRUE(with);
  ASSERT_EQ(with->status, 200) << with->body;
  std::string variant;
  const core::Json toggles = Body(with)["toggles"];
  for (const auto& t : toggles) {
    if (t["name"] == "checkout") variant = t["variant"]["name"];
  }
  EXPECT_EQ(s.recorder().Flush(), 1u);
  const auto stored = s.Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, "exposure:checkout-test:acme");
  EXPECT_EQ(stored[0].unit, "acme");
  EXPECT_EQ(stored[0].variant, variant);
  // A restart re-recording the exposure (a fresh recorder) stores nothing new: same id.
  experiments::ExposureRecorder again(
      s.running(), s.clock(),
      [&s](std::vector<store::EventRow> rows) { return s.events().Write(std::move(rows)); });
  EXPECT_TRUE(again.Record(CheckoutTest("properties.tenant"), "acme", variant));
  EXPECT_EQ(again.Flush(), 1u);
  EXPECT_EQ(s.Stored().size(), 1u);
}

// While a release plan runs, every evaluation of its feature records the unit (userId, else
// sessionId, for the default stickiness) once, in the arm the plan's rollout assigns, whether
// the answer was on or off; the index knows the window by its key and by its plan, not by
// the feature; apps may send the plan's exposures too, and the server decides the arm.
TEST(EventApiTest, EvaluationOfAReleasePlansFeatureRecordsEachUnitInTheRolloutsArm) {
  EventsServer s;
  s.running().PublishRollouts({PlanWindow("p", "banner", 30), PlanWindow("q", "dark", 30)});
  s.running().Publish({CheckoutTest()});  // the other source: both are kept
  const auto index = s.running().Current();
  ASSERT_EQ(index->All().size(), 3u);
  EXPECT_EQ(index->Resolve("development", "release-plan:p")->feature, "banner");
  EXPECT_EQ(index->Resolve("development", "release-plan:p@1764000000000")->feature, "banner");
  EXPECT_EQ(index->Resolve("development", "banner"), nullptr);
  EXPECT_EQ(index->Resolve("development", "checkout")->key, "checkout-test");
  ASSERT_NE(index->Targets("development"), nullptr);
  EXPECT_EQ(index->Targets("development")->rollouts.size(), 2u);

  constexpr int kUnits = 60;
  int exposed = 0;
  for (int i = 0; i < kUnits; ++i) {
    const std::string context = R"({"context":{"targetingKey":"u)" + std::to_string(i) + R"("}})";
    auto on = s.Post("/ofrep/v1/evaluate/flags/banner", context);
    ASSERT_TRUE(on);
    ASSERT_EQ(on->status, 200) << on->body;
    s.Post("/ofrep/v1/evaluate/flags/banner", context);  // again: recorded once
    if (ArmOf("banner", 30, "u" + std::to_string(i)) == "exposed") ++exposed;
  }
  // Off for everyone: still recorded. A context without userId or sessionId: nothing.
  s.Post("/ofrep/v1/evaluate/flags/dark", R"({"context":{"targetingKey":"u1"}})");
  s.Post("/ofrep/v1/evaluate/flags/dark", R"({"context":{"plan":"gold"}})");
  ASSERT_GT(exposed, 0);
  ASSERT_LT(exposed, kUnits);
  EXPECT_EQ(s.recorder().queued(), kUnits + 1u);
  while (s.recorder().Flush() > 0) {
  }
  auto stored = s.Stored();
  ASSERT_EQ(stored.size(), kUnits + 1u);
  int stored_exposed = 0;
  for (const store::EventRow& row : stored) {
    EXPECT_EQ(row.type, "exposure");
    const std::string key =
        row.feature == "banner" ? "release-plan:p@1764000000000" : "release-plan:q@1764000000000";
    EXPECT_EQ(row.experiment, key);
    EXPECT_EQ(row.id, "exposure:" + key + ":" + row.unit);
    EXPECT_EQ(row.variant, ArmOf(*row.feature, 30, row.unit)) << row.unit;
    if (row.feature == "banner" && row.variant == "exposed") ++stored_exposed;
  }
  EXPECT_EQ(stored_exposed, exposed);
  EXPECT_EQ(stored.back().feature, "dark");

  // An app's exposure names the plan; its variant is replaced by the arm and its id by the
  // window's, so a unit the server recorded already is a duplicate.
  core::Json app = Exposure("app-1", "release-plan:p", "whatever", "banner");
  app["unit"] = "u7";
  core::Json fresh = Exposure("app-2", "release-plan:p", "on", "banner");
  fresh["unit"] = "app-only";
  core::Json by_feature = Exposure("app-3", "banner", "on", "banner");
  auto res = s.Post("/api/v1/events", Batch({app, fresh, by_feature}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  EXPECT_EQ(Body(res)["accepted"], 1);
  EXPECT_EQ(Body(res)["duplicates"], 1);
  ASSERT_EQ(Body(res)["rejected"].size(), 1u);
  EXPECT_EQ(Body(res)["rejected"][0]["index"], 2);
  EXPECT_EQ(Body(res)["rejected"][0]["field"], "events[2].name");
  stored = s.Stored();
  ASSERT_EQ(stored.size(), kUnits + 2u);
  EXPECT_EQ(stored.back().id, "exposure:release-plan:p@1764000000000:app-only");
  EXPECT_EQ(stored.back().variant, ArmOf("banner", 30, "app-only"));
}

}  // namespace
}  // namespace gov::api::testing
