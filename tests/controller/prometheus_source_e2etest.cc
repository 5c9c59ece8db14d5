// The Prometheus source against a real Prometheus (the Debian package), started by the test
// on a free port, scraping an exporter the test serves; then the control loop deciding from
// it. Waiting on Prometheus (readiness, the first scrapes) is real time; the loop's clock is a
// FakeClock set to the real time, since Prometheus answers for the time Governor asks about.

#include <gtest/gtest.h>

#include "controller/load_history.h"
#include "controller/prometheus_source.h"
#include "store/load_history_repository.h"
#include "tests/controller/control_loop_test_util.h"
#include "tests/e2e/prometheus_server.h"

namespace gov::controller::testing {
namespace {

using gov::testing::PrometheusServer;
using gov::testing::TextExporter;

class PrometheusE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    exporter_ = new TextExporter();
    exporter_->Set(
        "# TYPE web_cpu_percent gauge\n"
        "web_cpu_percent{pod=\"a\"} 160\n"
        "web_cpu_percent{pod=\"b\"} 120\n");
    prometheus_ = new PrometheusServer("127.0.0.1:" + std::to_string(exporter_->port()));
    ready_ = prometheus_->WaitReady(std::chrono::seconds(30));
    if (!ready_) return;
    // The first scrape lands within about a second of readiness.
    PrometheusHttpClient client({.max_attempts = 1, .sleep = {}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (client
              .Query(prometheus_->url(), "avg(web_cpu_percent)", std::chrono::seconds(2),
                     core::SystemClock::Instance().Now())
              .ok()) {
        scraped_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  static void TearDownTestSuite() {
    delete prometheus_;  // SIGKILL and reap
    delete exporter_;
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "prometheus did not become ready:\n" << prometheus_->Log();
    ASSERT_TRUE(scraped_) << "prometheus never scraped the exporter:\n" << prometheus_->Log();
  }
  core::StatusOr<PrometheusValue> Query(const std::string& q) {
    return client_.Query(prometheus_->url(), q, std::chrono::seconds(5),
                         core::SystemClock::Instance().Now());
  }

  static TextExporter* exporter_;
  static PrometheusServer* prometheus_;
  static bool ready_;
  static bool scraped_;
  PrometheusHttpClient client_{{.max_attempts = 2, .sleep = {}}};
};

TextExporter* PrometheusE2eTest::exporter_ = nullptr;
PrometheusServer* PrometheusE2eTest::prometheus_ = nullptr;
bool PrometheusE2eTest::ready_ = false;
bool PrometheusE2eTest::scraped_ = false;

TEST_F(PrometheusE2eTest, AnAggregatedQueryIsOneValue) {
  auto v = Query("avg(web_cpu_percent)");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_DOUBLE_EQ(v->value, 140);
  auto scalar = Query("scalar(sum(web_cpu_percent)) / 2");
  ASSERT_TRUE(scalar.ok()) << scalar.status().ToString();
  EXPECT_DOUBLE_EQ(scalar->value, 140);
}

TEST_F(PrometheusE2eTest, NonScalarEmptyAndInvalidQueriesAreClearErrors) {
  auto many = Query("web_cpu_percent");
  EXPECT_EQ(many.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(many.status().message().find("returned 2 series"), std::string::npos)
      << many.status().message();
  EXPECT_NE(many.status().message().find("pod=\"a\""), std::string::npos);

  auto none = Query("web_cpu_percent{pod=\"zzz\"}");
  EXPECT_EQ(none.status().message(),
            "prometheus: the query returned no series (nothing matched, or the series are stale)");

  auto range = Query("web_cpu_percent[1m]");
  EXPECT_NE(range.status().message().find("returned a matrix result"), std::string::npos)
      << range.status().message();

  auto syntax = Query("avg(web_cpu_percent");
  EXPECT_EQ(syntax.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(syntax.status().message().rfind("prometheus: bad_data: ", 0), 0u)
      << syntax.status().message();
}

TEST_F(PrometheusE2eTest, TheLoopScalesFromAPrometheusMetric) {
  auto db = OpenTestDatabase(MemoryBackedSqliteUrl(), /*migrate=*/true);
  core::FakeClock clock(core::SystemClock::Instance().Now());
  PushMetricStore push;
  SourceRouter router(push, client_, prometheus_->url());
  auto platform = std::make_shared<FakePlatform>();
  ControlLoop loop(
      *db, clock, router,
      [&](const TargetSpec&) -> core::StatusOr<std::unique_ptr<Hook>> {
        return std::unique_ptr<Hook>(std::make_unique<FakeHook>(platform));
      },
      nullptr);
  TargetService service(*db, clock, push, nullptr);
  core::Json target = WebTarget();
  target["metrics"] = {{{"name", "cpu"},
                        {"type", "Utilization"},
                        {"target", 70},
                        {"source", {{"prometheus", {{"query", "avg(web_cpu_percent)"}}}}}}};
  ASSERT_TRUE(service.Create({"test", ""}, target).ok());
  const int64_t epoch = AdvanceEpoch(*db, clock.Now());
  auto synced = loop.SyncDue(epoch);
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  // avg 140 against a 70 target at 3 replicas: ceil(2 x 3) = 6.
  ASSERT_EQ(platform->requests.size(), 1u);
  EXPECT_EQ(platform->requests[0].from_replicas, 3);
  EXPECT_EQ(platform->requests[0].to_replicas, 6);
  auto page = service.Decisions("web", {1, ""});
  ASSERT_TRUE(page.ok());
  core::Json d = DecisionRecordToJson(page->items[0]);
  EXPECT_EQ(d["metrics"][0]["source"], "prometheus");
  EXPECT_EQ(d["metrics"][0]["value"], 140.0);
}

TEST_F(PrometheusE2eTest, ARangeQueryReturnsTheScrapedSamplesOfOneSeries) {
  const core::TimePoint now = core::SystemClock::Instance().Now();
  auto range =
      client_.QueryRange(prometheus_->url(), "sum(web_cpu_percent)", now - std::chrono::seconds(30),
                         now, std::chrono::seconds(1), std::chrono::seconds(5));
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  ASSERT_FALSE(range->empty());  // from the first scrape on
  for (const PrometheusValue& v : *range) {
    EXPECT_DOUBLE_EQ(v.value, 280);
    EXPECT_GE(v.evaluated_at, now - std::chrono::seconds(31));
    EXPECT_LE(v.evaluated_at, now + std::chrono::seconds(1));
  }
  auto many =
      client_.QueryRange(prometheus_->url(), "web_cpu_percent", now - std::chrono::seconds(30), now,
                         std::chrono::seconds(1), std::chrono::seconds(5));
  EXPECT_EQ(many.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(many.status().message().find("returned 2 series"), std::string::npos)
      << many.status().message();
}

TEST_F(PrometheusE2eTest, TheLoopBackFillsAPredictiveTargetsHistoryFromPrometheus) {
  // Prometheus scrapes in real time: wait until it holds a few samples. The two minutes only
  // stop a run whose Prometheus never scrapes; nothing here depends on how fast it is.
  bool scraped = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!scraped && std::chrono::steady_clock::now() < give_up) {
    const core::TimePoint now = core::SystemClock::Instance().Now();
    auto range = client_.QueryRange(prometheus_->url(), "sum(web_cpu_percent)",
                                    now - std::chrono::seconds(30), now, std::chrono::seconds(1),
                                    std::chrono::seconds(5));
    scraped = range.ok() && range->size() >= 3;
    if (!scraped) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(scraped) << "Prometheus never held 3 samples of web_cpu_percent";
  auto db = OpenTestDatabase(MemoryBackedSqliteUrl(), /*migrate=*/true);
  core::FakeClock clock(core::SystemClock::Instance().Now());
  PushMetricStore push;
  SourceRouter router(push, client_, prometheus_->url());
  PrometheusMetricHistory history(client_, prometheus_->url());
  auto platform = std::make_shared<FakePlatform>();
  // Steps of 1 s over the last 30 s: the back-fill reads the samples scraped so far.
  ControlLoop loop(
      *db, clock, router,
      [&](const TargetSpec&) -> core::StatusOr<std::unique_ptr<Hook>> {
        return std::unique_ptr<Hook>(std::make_unique<FakeHook>(platform));
      },
      nullptr,
      ControlLoopOptions{.history_step = std::chrono::seconds(1),
                         .history_retention = std::chrono::seconds(30),
                         .history_source = &history});
  TargetService service(*db, clock, push, nullptr);
  core::Json target = WebTarget();
  target["metrics"] = {{{"name", "load"},
                        {"type", "Value"},
                        {"target", 100},
                        {"source", {{"prometheus", {{"query", "sum(web_cpu_percent)"}}}}}}};
  target["predictive"] = {{"mode", "forecastOnly"}};
  ASSERT_TRUE(service.Create({"test", ""}, target).ok());
  const int64_t epoch = AdvanceEpoch(*db, clock.Now());
  auto synced = loop.SyncDue(epoch);
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  auto tx = db->Begin(store::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto stored = store::LoadHistoryRepository::Read(**tx, "web", "load", core::TimePoint{},
                                                   core::TimePoint::max());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  // This sync's reading alone would be one row; the back-fill adds the scraped seconds.
  EXPECT_GE(stored->size(), 3u);
  for (const store::LoadSample& s : *stored) EXPECT_DOUBLE_EQ(s.value, 280);
}

}  // namespace
}  // namespace gov::controller::testing
