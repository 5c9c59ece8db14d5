// Back-filling a per-replica (Utilization) metric's load history from a real Prometheus (the
// Debian package), started by the test on a free port and scraping an exporter the test
// serves: the range of the metric times the replica counts of the target's stored decisions.
// Waiting on Prometheus (readiness, the first scrapes) is real time; the loop's clock is a
// FakeClock set to the real time, since Prometheus answers for the time Governor asks about.

#include <gtest/gtest.h>

#include "controller/load_history.h"
#include "controller/prometheus_source.h"
#include "store/decision_repository.h"
#include "store/load_history_repository.h"
#include "tests/controller/control_loop_test_util.h"
#include "tests/e2e/prometheus_server.h"

namespace gov::controller::testing {
namespace {

using gov::testing::PrometheusServer;
using gov::testing::TextExporter;

TEST(PrometheusBackfillE2eTest, APerReplicaMetricIsBackFilledTimesTheStoredReplicaCounts) {
  TextExporter exporter;
  exporter.Set(
      "# TYPE web_cpu_percent gauge\n"
      "web_cpu_percent{pod=\"a\"} 160\n"
      "web_cpu_percent{pod=\"b\"} 120\n");
  PrometheusServer prometheus("127.0.0.1:" + std::to_string(exporter.port()));
  ASSERT_TRUE(prometheus.WaitReady(std::chrono::seconds(30)))
      << "prometheus did not become ready:\n"
      << prometheus.Log();
  PrometheusHttpClient client({.max_attempts = 2, .sleep = {}});
  // Prometheus scrapes in real time: wait until it holds a few samples. The two minutes only
  // stop a run whose Prometheus never scrapes; nothing here depends on how fast it is.
  bool scraped = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!scraped && std::chrono::steady_clock::now() < give_up) {
    const core::TimePoint now = core::SystemClock::Instance().Now();
    auto range =
        client.QueryRange(prometheus.url(), "avg(web_cpu_percent)", now - std::chrono::seconds(30),
                          now, std::chrono::seconds(1), std::chrono::seconds(5));
    scraped = range.ok() && range->size() >= 3;
    if (!scraped) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(scraped) << "Prometheus never held 3 samples of web_cpu_percent:\n"
                       << prometheus.Log();

  auto db = OpenTestDatabase(MemoryBackedSqliteUrl(), /*migrate=*/true);
  core::FakeClock clock(core::SystemClock::Instance().Now());
  PushMetricStore push;
  SourceRouter router(push, client, prometheus.url());
  PrometheusMetricHistory history(client, prometheus.url());
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
  target["metrics"] = {{{"name", "cpu"},
                        {"type", "Utilization"},
                        {"target", 70},
                        {"source", {{"prometheus", {{"query", "avg(web_cpu_percent)"}}}}}}};
  target["predictive"] = {{"mode", "forecastOnly"}};
  ASSERT_TRUE(service.Create({"test", ""}, target).ok());
  // Earlier syncs saw 2 replicas, every 15 s over the last minute.
  const core::TimePoint now = clock.Now();
  {
    auto tx = db->Begin(store::TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    for (int k = 4; k >= 1; --k) {
      store::DecisionRecord d;
      d.id = "past-" + std::to_string(k);
      d.target = "web";
      d.at = now - std::chrono::seconds(15 * k);
      d.from_replicas = d.to_replicas = 2;
      d.reason = "withinTolerance";
      d.record_json = "{}";
      auto inserted = store::DecisionRepository::Insert(**tx, d);
      ASSERT_TRUE(inserted.ok() && inserted->has_value()) << inserted.status().ToString();
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  const int64_t epoch = AdvanceEpoch(*db, now);
  auto synced = loop.SyncDue(epoch);
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  auto tx = db->Begin(store::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto stored = store::LoadHistoryRepository::Read(**tx, "web", "cpu", core::TimePoint{},
                                                   core::TimePoint::max());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  // This sync's reading alone would be one row (140 × 3 replicas); the back-fill adds the
  // scraped seconds at 140 × 2.
  ASSERT_GE(stored->size(), 3u);
  for (const store::LoadSample& s : *stored) {
    if (s.at + std::chrono::seconds(1) < now) EXPECT_DOUBLE_EQ(s.value, 280);
  }
}

}  // namespace
}  // namespace gov::controller::testing
